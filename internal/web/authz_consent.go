package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The person's own separate consent and the webhook deliveries, on the
// authorization page and on the public consent page (/consent/{token}),
// which a person opens without an account from the link the enterprise's
// administrator passed on.

var (
	invitationStatusKey = map[authz.InvitationStatus]string{
		authz.InviteOpen:    "ui.authz.invite.status.open",
		authz.InviteGiven:   "ui.authz.invite.status.given",
		authz.InviteRefused: "ui.authz.invite.status.refused",
		authz.InviteLocked:  "ui.authz.invite.status.locked",
		authz.InviteExpired: "ui.authz.invite.status.expired",
	}
	deliveryStatusKey = map[authz.DeliveryStatus]string{
		authz.DeliveryPending:   "ui.authz.webhook.status.pending",
		authz.DeliveryDelivered: "ui.authz.webhook.status.delivered",
		authz.DeliveryFailed:    "ui.authz.webhook.status.failed",
	}
	consentChannelKey = map[string]string{
		authz.ChannelPersonLink:       "ui.authz.consent.channel.person_link",
		authz.ChannelAdminAttestation: "ui.authz.consent.channel.admin_attestation",
	}
	personalDataKey = map[string]string{
		"name":         "ui.consent.data.name",
		"id_number":    "ui.consent.data.id_number",
		"shareholding": "ui.consent.data.shareholding",
	}
)

// invitationView is one invitation as the authorization page lists it.
type invitationView struct {
	I      authz.Invitation
	Role   string
	Status string
}

// deliveryView is one webhook delivery on the authorization page.
type deliveryView struct {
	D      authz.Delivery
	Status string
	Replay bool // failed, and the viewer may replay it
}

// consentView is a stored consent with its channel in words.
type consentView struct {
	C       authz.Consent
	Role    string
	Channel string
}

// consentPageData is the public consent page.
type consentPageData struct {
	Token     string
	V         authz.InvitationView
	Role      string // the invited role, in words
	Plain     string // what consenting lets through, in plain words
	Personal  string // the kinds of personal data, in words
	Until     string // last day of the authorization's validity
	LinkUntil string // when the link expires
	Done      string // "given" or "refused" once answered
	Closed    string // why the link can no longer be used
	Name      string // echoed back on an error (never the number)
	Errors    map[string]string
	Message   string
}

// detailExtras fills the invitation and delivery sections of the
// authorization page.
func (u *UI) detailExtras(r *http.Request, p access.Principal, a authz.Authorization, d *authzDetailData) error {
	ctx := r.Context()
	invs, err := u.d.Authz.Invitations(ctx, p, a.ID)
	if err != nil {
		return err
	}
	for _, inv := range invs {
		d.Invitations = append(d.Invitations, invitationView{I: inv, Role: u.t(r, consentRoleKey[inv.Role]), Status: u.t(r, invitationStatusKey[inv.Status])})
	}
	for _, c := range d.Consents {
		d.ConsentViews = append(d.ConsentViews, consentView{C: c, Role: u.t(r, consentRoleKey[c.Role]), Channel: u.t(r, consentChannelKey[c.Channel])})
	}
	if a.CallbackURL == "" {
		return nil
	}
	ds, err := u.d.Authz.Deliveries(ctx, p, authz.DeliveryFilter{AuthorizationID: a.ID, Limit: 50})
	if err != nil {
		if fault.Is(err, fault.Forbidden) {
			return nil
		}
		return err
	}
	may := authz.MayReplay(p, a.InstitutionID)
	for _, dl := range ds {
		d.Deliveries = append(d.Deliveries, deliveryView{D: dl, Status: u.t(r, deliveryStatusKey[dl.Status]), Replay: may && dl.Status == authz.DeliveryFailed})
	}
	d.HasWebhook = true
	return nil
}

// consentLink is the full address of a consent link as the administrator
// passes it on.
func consentLink(r *http.Request, token string) string {
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/consent/" + token
}

// authzInvite issues a consent invitation (POST
// /authorizations/{id}/invite) and shows the authorization page with the
// one-time link, which is shown this once.
func (u *UI) authzInvite(w http.ResponseWriter, r *http.Request) error {
	id, err := u.authzPost(r)
	if err != nil {
		return err
	}
	p, aid := id.Principal, r.PathValue("id")
	in := authz.InviteInput{Role: r.PostFormValue("role"), Name: strings.TrimSpace(r.PostFormValue("name"))}
	inv, token, err := u.d.Authz.Invite(r.Context(), p, aid, in)
	if err != nil {
		msg, fields, ok := u.fieldErrors(r, err)
		if !ok {
			return err
		}
		return u.detailWith(w, r, p, aid, http.StatusUnprocessableEntity, func(d *authzDetailData) {
			d.Message, d.Errors, d.InviteName = msg, fields, clip(in.Name, 100)
		})
	}
	return u.detailWith(w, r, p, aid, http.StatusCreated, func(d *authzDetailData) {
		d.NewLink = consentLink(r, token)
		d.Notice = u.t(r, "ui.authz.invite.issued", "person", inv.NameMasked, "until", inv.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC"))
	})
}

// authzReplay replays a failed webhook delivery (POST
// /authorizations/{id}/webhooks/{delivery}/replay).
func (u *UI) authzReplay(w http.ResponseWriter, r *http.Request) error {
	if err := u.authzEnabled(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	aid := r.PathValue("id")
	n, err := strconv.ParseInt(r.PathValue("delivery"), 10, 64)
	if err != nil || n <= 0 {
		return errNotFound
	}
	// The delivery must be one of this page's authorization.
	ds, err := u.d.Authz.Deliveries(r.Context(), id.Principal, authz.DeliveryFilter{AuthorizationID: aid, Limit: 500})
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(ds, func(d authz.Delivery) bool { return d.ID == n }) {
		return errNotFound
	}
	if _, err := u.d.Authz.Replay(r.Context(), id.Principal, n); err != nil {
		return u.authzRedisplay(w, r, id.Principal, aid, err)
	}
	http.Redirect(w, r, "/authorizations/"+url.PathEscape(aid)+"?done=replay", http.StatusSeeOther)
	return nil
}

// consentPage shows the invited person what they are asked to consent to
// (GET /consent/{token}); no account is needed, the token is the
// credential.
func (u *UI) consentPage(w http.ResponseWriter, r *http.Request) error {
	if err := u.authzEnabled(); err != nil {
		return err
	}
	return u.consentRender(w, r, http.StatusOK, consentPageData{Errors: map[string]string{}})
}

// consentAnswer takes the person's answer (POST /consent/{token}).
func (u *UI) consentAnswer(w http.ResponseWriter, r *http.Request) error {
	if err := u.authzEnabled(); err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "unreadable form").With("name", "form")
	}
	ans := authz.Answer{Decision: r.PostFormValue("decision"), Name: strings.TrimSpace(r.PostFormValue("name")),
		IDNumber: strings.TrimSpace(r.PostFormValue("id_number"))}
	inv, err := u.d.Authz.AnswerInvitation(r.Context(), r.PathValue("token"), server.RemoteHost(r), ans)
	if err != nil {
		msg, fields, ok := u.fieldErrors(r, err)
		if !ok {
			return err
		}
		d := consentPageData{Errors: fields, Message: msg, Name: clip(ans.Name, 100)}
		status := http.StatusUnprocessableEntity
		if fault.Is(err, fault.Conflict) {
			status = http.StatusConflict
		} else if fault.Is(err, fault.NotFound) {
			status = http.StatusNotFound
		}
		return u.consentRender(w, r, status, d)
	}
	return u.consentRender(w, r, http.StatusOK, consentPageData{Done: string(inv.Status), Errors: map[string]string{}})
}

// consentRender fills the page from the invitation behind the token; a
// link that can no longer be answered shows why.
func (u *UI) consentRender(w http.ResponseWriter, r *http.Request, status int, d consentPageData) error {
	lang := server.LangFrom(r.Context())
	token := r.PathValue("token")
	if d.Done != "" {
		u.render(w, r, status, "authz_consent", "ui.consent.title", d)
		return nil
	}
	v, err := u.d.Authz.OpenInvitation(r.Context(), token, server.RemoteHost(r))
	if err != nil {
		if fault.Is(err, fault.NotFound) {
			return err
		}
		e, ok := fault.As(err)
		if !ok || e.Kind != fault.Conflict {
			return err
		}
		d.Closed, d.Message = u.d.Catalog.TMap(lang, e.Code, e.Params), ""
		if status == http.StatusOK {
			status = http.StatusConflict
		}
		u.render(w, r, status, "authz_consent", "ui.consent.title", d)
		return nil
	}
	cat, err := u.catalogue(r.Context())
	if err != nil {
		return err
	}
	d.Token, d.V = token, v
	d.Role = u.t(r, consentRoleKey[v.Invitation.Role])
	kinds := make([]string, 0, len(v.PersonalData))
	for _, k := range v.PersonalData {
		kinds = append(kinds, u.t(r, personalDataKey[k]))
	}
	d.Personal = strings.Join(kinds, u.t(r, "ui.authz.item_sep"))
	d.Until = throughDate(v.ValidUntil)
	d.LinkUntil = v.Invitation.ExpiresAt.UTC().Format("2006-01-02 15:04 UTC")
	from, to := rangeText(v.DataFrom, v.DataTo)
	verb := v.Mode
	if k, ok := authzVerbKey[v.Mode]; ok {
		verb = u.d.Catalog.T(lang, k)
	}
	d.Plain = u.d.Catalog.T(lang, "ui.consent.plain", "institution", v.InstitutionName, "enterprise", v.EnterpriseName,
		"verb", verb, "from", from, "to", to, "items", u.itemsText(lang, cat, v.Items), "purpose", u.labelOf(lang, "ui.purpose.", v.Purpose),
		"role", d.Role, "personal", d.Personal, "until", d.Until)
	u.render(w, r, status, "authz_consent", "ui.consent.title", d)
	return nil
}
