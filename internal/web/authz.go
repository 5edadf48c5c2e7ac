package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The authorization pages (授权): an institution officer requests an
// authorization and follows its requests; the enterprise administrator
// reads each request in plain words and approves (possibly narrowed),
// rejects, pauses, resumes or revokes it, and asks the persons whose
// information it covers for their separate consent — a step of its own,
// never bundled with the approval: a one-time link per person, answered
// by the person on /consent/{token} (authz_consent.go), or, labelled as
// such, the administrator's attestation that the person consented on
// paper; the operator and auditors list them all. The page also lists
// the webhook deliveries to the institution, with a replay for a failed
// one.
// Every change goes through internal/authz, which signs the artefact and
// records the evidence.

// Literal keys for values the pages translate (kept literal so the i18n
// test finds them).
var (
	authzStatusKey = map[authz.Status]string{
		authz.StatusPending:  "ui.authz.status.pending",
		authz.StatusActive:   "ui.authz.status.active",
		authz.StatusPaused:   "ui.authz.status.paused",
		authz.StatusRevoked:  "ui.authz.status.revoked",
		authz.StatusExpired:  "ui.authz.status.expired",
		authz.StatusRejected: "ui.authz.status.rejected",
	}
	authzModeKey = map[string]string{
		authz.ModeView:   "ui.authz.mode.view",
		authz.ModeStore:  "ui.authz.mode.store",
		authz.ModeVerify: "ui.authz.mode.verify",
	}
	authzVerbKey = map[string]string{
		authz.ModeView:   "ui.authz.verb.view",
		authz.ModeStore:  "ui.authz.verb.store",
		authz.ModeVerify: "ui.authz.verb.verify",
	}
	authzFetchKey = map[string]string{
		authz.FetchOneTime: "ui.authz.fetch.one_time",
		"daily":            "ui.authz.fetch.daily",
		"weekly":           "ui.authz.fetch.weekly",
		"monthly":          "ui.authz.fetch.monthly",
	}
	consentRoleKey = map[string]string{
		authz.ConsentLegalRep:    "ui.authz.consent.role.legal_rep",
		authz.ConsentShareholder: "ui.authz.consent.role.shareholder",
	}
)

// authzView is one authorization as the pages show it.
type authzView struct {
	A           authz.Authorization
	Status      string // translated
	Badge       string // badge class of the status
	Plain       string // the request in plain words
	ItemsText   string
	Purpose     string
	Mode        string
	Fetch       string
	ThroughDate string // last day of validity (ValidUntil is exclusive)
	Personal    bool   // covers items with personal information
	URL         string
}

// authzAbility is what the viewer may do to one authorization.
type authzAbility struct {
	Decide, Pause, Resume, Revoke, Consent, Invite bool
}

type itemChoice struct {
	Value    string // item code or category prefix
	Label    string
	Grade    int
	Personal bool
	Checked  bool
}

type itemGroup struct {
	Category string
	Label    string
	Prefix   string
	Checked  bool
	Items    []itemChoice
}

type authzListData struct {
	Kind      account.OrgKind
	CanCreate bool
	Pending   []authzView
	Current   []authzView
	Past      []authzView
	All       []authzView
	// Filters (operator and auditor).
	Status       string
	Statuses     []option
	Institution  string
	Institutions []option
	Enterprise   string
	NextURL      string
	PrevURL      string
	Notice       string
}

type authzFormData struct {
	In         authz.RequestInput
	ValidTo    string // the last day of validity as entered
	Purposes   []option
	Groups     []itemGroup
	FetchTypes []option
	Freqs      []option
	Modes      []option
	Errors     map[string]string
	Message    string
}

type authzDetailData struct {
	V        authzView
	Can      authzAbility
	Self     bool // the grantor enterprise is looking
	Items    []itemChoice
	Modes    []option
	Consents []authz.Consent
	Roles    []option
	Errors   map[string]string
	Message  string
	Notice   string
	// Consent form input echoed back on an error (never the number).
	ConsentRole, ConsentName string
	// The person's own consent: invitations issued, the link just issued
	// (shown once), the invitation form's name echoed back on an error.
	Invitations  []invitationView
	ConsentViews []consentView
	NewLink      string
	InviteName   string
	// Webhook deliveries to the institution.
	HasWebhook bool
	Deliveries []deliveryView
}

// authzEnabled refuses the pages when the node runs without authorizations.
func (u *UI) authzEnabled() error {
	if u.d.Authz == nil {
		return errNotFound
	}
	return nil
}

func (u *UI) catalogue(ctx context.Context) (*catalog.Snapshot, error) { return u.d.Items.Current(ctx) }

// itemsText names an authorization's items in the reader's language: a
// category prefix by its category, an item by its name.
func (u *UI) itemsText(lang i18n.Lang, cat *catalog.Snapshot, items []string) string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		if strings.HasSuffix(it, ".") {
			out = append(out, u.labelOf(lang, "ui.category.", strings.TrimSuffix(it, ".")))
		} else if ci, ok := cat.ByCode[it]; ok {
			out = append(out, pick(lang, ci.NameZH, ci.NameEN))
		} else {
			out = append(out, it)
		}
	}
	return strings.Join(out, u.d.Catalog.T(lang, "ui.authz.item_sep"))
}

// coversPersonal reports whether items include an item with personal
// information.
func coversPersonal(cat *catalog.Snapshot, items []string) bool {
	g := access.Grant{Items: items}
	for _, it := range cat.Items {
		if it.Personal && g.Covers(it.Code) {
			return true
		}
	}
	return false
}

// monthOrDate shows a data range bound as a month when the range covers
// whole months ("2024-01 至 2026-10"), else as a date.
func rangeText(from, to time.Time) (string, string) {
	from, to = from.UTC(), to.UTC()
	if from.Day() == 1 && to.AddDate(0, 0, 1).Day() == 1 {
		return from.Format("2006-01"), to.Format("2006-01")
	}
	return from.Format(time.DateOnly), to.Format(time.DateOnly)
}

// throughDate is the last day an authorization is valid (ValidUntil is
// exclusive).
func throughDate(until time.Time) string {
	if until.IsZero() {
		return ""
	}
	return until.UTC().Add(-time.Nanosecond).Format(time.DateOnly)
}

// institutionNames are the English names of the institutions of as (the
// artefact carries the Chinese one), for pages in English.
func (u *UI) institutionNames(ctx context.Context, lang i18n.Lang, as ...authz.Authorization) map[int64]string {
	out := map[int64]string{}
	if lang != i18n.EN {
		return out
	}
	ids := make([]int64, len(as))
	for i, a := range as {
		ids[i] = a.InstitutionID
	}
	orgs, err := u.orgsByID(ctx, ids)
	if err != nil {
		return out // the Chinese name still names it
	}
	for id, o := range orgs {
		if o.NameEN != "" {
			out[id] = o.NameEN
		}
	}
	return out
}

func (u *UI) viewOf(lang i18n.Lang, cat *catalog.Snapshot, a authz.Authorization, self bool, names map[int64]string) authzView {
	if n := names[a.InstitutionID]; n != "" {
		a.InstitutionName = n
	}
	v := authzView{A: a, Status: u.d.Catalog.T(lang, authzStatusKey[a.Status]), ItemsText: u.itemsText(lang, cat, a.Items),
		Purpose: u.labelOf(lang, "ui.purpose.", a.Purpose), ThroughDate: throughDate(a.ValidUntil),
		Personal: coversPersonal(cat, a.Items), URL: "/authorizations/" + url.PathEscape(a.ID)}
	if k, ok := authzModeKey[a.Mode]; ok {
		v.Mode = u.d.Catalog.T(lang, k)
	}
	fetch := a.FetchType
	if a.FetchType == authz.FetchPeriodic {
		fetch = a.Frequency
	}
	if k, ok := authzFetchKey[fetch]; ok {
		v.Fetch = u.d.Catalog.T(lang, k)
	}
	if v.Status == "" {
		v.Status = string(a.Status)
	}
	v.Badge = map[authz.Status]string{authz.StatusPending: "badge-fresh-late", authz.StatusActive: "badge-operating",
		authz.StatusPaused: "badge-suspended", authz.StatusRevoked: "badge-revoked", authz.StatusExpired: "badge-deregistered",
		authz.StatusRejected: "badge-outcome-denied"}[a.Status]
	from, to := rangeText(a.DataFrom, a.DataTo)
	verb := a.Mode
	if k, ok := authzVerbKey[a.Mode]; ok {
		verb = u.d.Catalog.T(lang, k)
	}
	inst := a.InstitutionName
	params := []string{"institution", inst, "verb", verb, "from", from, "to", to, "items", v.ItemsText,
		"purpose", v.Purpose, "until", v.ThroughDate, "fetch", v.Fetch}
	if self {
		v.Plain = u.d.Catalog.T(lang, "ui.authz.plain_self", params...)
	} else {
		v.Plain = u.d.Catalog.T(lang, "ui.authz.plain", append(params, "enterprise", a.EnterpriseName)...)
	}
	return v
}

func abilityOf(p access.Principal, a authz.Authorization) authzAbility {
	grantor := p.OrgKind == account.KindEnterprise && p.EnterpriseID == a.EnterpriseID && p.Role == account.RoleEnterpriseAdmin
	grantee := p.OrgKind == account.KindInstitution && p.OrgID == a.InstitutionID && p.Role == account.RoleInstitutionOfficer
	live := !a.Status.Final()
	return authzAbility{
		Decide:  grantor && a.Status == authz.StatusPending,
		Pause:   grantor && a.Status == authz.StatusActive,
		Resume:  grantor && a.Status == authz.StatusPaused,
		Revoke:  (grantor || grantee) && (a.Status == authz.StatusActive || a.Status == authz.StatusPaused),
		Consent: grantor && live && !a.PersonalConsent,
		Invite:  grantor && live,
	}
}

// authorizations lists the authorizations the viewer may see (GET
// /authorizations): an enterprise's grouped by what needs doing, an
// institution's requests, and for the operator and auditors every
// authorization with filters.
func (u *UI) authorizations(w http.ResponseWriter, r *http.Request) error {
	if err := u.authzEnabled(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	p := id.Principal
	lang := server.LangFrom(r.Context())
	q := r.URL.Query()
	offset, err := offsetParam(q, "offset")
	if err != nil {
		return err
	}
	d := authzListData{Kind: p.OrgKind, CanCreate: p.OrgKind == account.KindInstitution && p.Role == account.RoleInstitutionOfficer,
		Status: q.Get("status"), Enterprise: strings.TrimSpace(q.Get("enterprise")), Institution: q.Get("institution")}
	switch q.Get("done") {
	case "requested":
		d.Notice = u.t(r, "ui.authz.notice.requested")
	}
	f := authz.Filter{Limit: listPageSize, Offset: offset}
	operator := p.OrgKind == account.KindOperator || p.OrgKind == account.KindAuditor
	if operator {
		if d.Status != "" {
			if _, ok := authzStatusKey[authz.Status(d.Status)]; !ok {
				return fault.New(fault.Invalid, "request.bad_param", "unknown status").With("name", "status")
			}
			f.Status = authz.Status(d.Status)
		}
		for _, s := range authz.Statuses {
			d.Statuses = append(d.Statuses, option{Value: string(s), Label: u.t(r, authzStatusKey[s]), Selected: string(s) == d.Status})
		}
		if f.InstitutionID, err = int64Param(q, "institution"); err != nil {
			return err
		}
		orgs, err := u.d.Accounts.ListOrgs(r.Context(), server.Actor(p), account.KindInstitution, 500, 0)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			v := formatID(o.ID)
			d.Institutions = append(d.Institutions, option{Value: v, Label: pick(lang, o.Name, o.NameEN), Selected: v == d.Institution})
		}
		if d.Enterprise != "" {
			ev, err := u.d.Enterprises.Get(r.Context(), p, d.Enterprise, readPurpose(p, ""))
			if err != nil {
				if fault.Is(err, fault.Invalid) || fault.Is(err, fault.NotFound) {
					return explained{err, u.t(r, "ui.enterprise.bad_code", "code", clip(d.Enterprise, 40))}
				}
				return err
			}
			f.EnterpriseID = ev.ID
		}
	} else {
		f.Limit = 500 // an enterprise's or institution's own: one page, grouped
	}
	as, err := u.d.Authz.List(r.Context(), p, f)
	if err != nil {
		return err
	}
	cat, err := u.catalogue(r.Context())
	if err != nil {
		return err
	}
	self := p.OrgKind == account.KindEnterprise
	names := u.institutionNames(r.Context(), lang, as...)
	for _, a := range as {
		v := u.viewOf(lang, cat, a, self, names)
		switch {
		case operator:
			d.All = append(d.All, v)
		case a.Status == authz.StatusPending:
			d.Pending = append(d.Pending, v)
		case a.Status == authz.StatusActive || a.Status == authz.StatusPaused:
			d.Current = append(d.Current, v)
		default:
			d.Past = append(d.Past, v)
		}
	}
	if operator {
		if len(as) == f.Limit {
			d.NextURL = pageURL(r.URL, "offset", offset+f.Limit)
		}
		if offset > 0 {
			d.PrevURL = pageURL(r.URL, "offset", max(offset-f.Limit, 0))
		}
	}
	u.render(w, r, http.StatusOK, "authorizations", "ui.authz.title", d)
	return nil
}

func formatID(id int64) string { return strconv.FormatInt(id, 10) }

// authzForm shows the request form (GET /authorizations/new).
func (u *UI) authzForm(w http.ResponseWriter, r *http.Request) error {
	if err := u.authzEnabled(); err != nil {
		return err
	}
	if _, err := requireOfficer(r); err != nil {
		return err
	}
	now := time.Now().UTC()
	in := authz.RequestInput{CreditCode: strings.TrimSpace(r.URL.Query().Get("code")), Purpose: access.PurposeLoan,
		DataFrom: now.AddDate(-2, 0, 0).Format("2006-01") + "-01", DataTo: now.Format(time.DateOnly),
		FetchType: authz.FetchOneTime, Mode: authz.ModeView}
	d, err := u.authzFormData(r, in, now.AddDate(0, 0, 29).Format(time.DateOnly), nil)
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "authz_new", "ui.authz.new_title", d)
	return nil
}

func requireOfficer(r *http.Request) (server.Identity, error) {
	id, err := server.Require(r)
	if err != nil {
		return id, err
	}
	if id.Principal.OrgKind != account.KindInstitution || id.Principal.Role != account.RoleInstitutionOfficer {
		return id, fault.New(fault.Forbidden, "authz.not_institution", "only an institution's officers may request an authorization")
	}
	return id, nil
}

func (u *UI) authzFormData(r *http.Request, in authz.RequestInput, validTo string, errs map[string]string) (authzFormData, error) {
	lang := server.LangFrom(r.Context())
	cat, err := u.catalogue(r.Context())
	if err != nil {
		return authzFormData{}, err
	}
	d := authzFormData{In: in, ValidTo: validTo, Errors: errs}
	if d.Errors == nil {
		d.Errors = map[string]string{}
	}
	for _, p := range access.InstitutionPurposes {
		d.Purposes = append(d.Purposes, option{Value: p, Label: u.labelOf(lang, "ui.purpose.", p), Selected: p == in.Purpose})
	}
	for _, ft := range []string{authz.FetchOneTime, authz.FetchPeriodic} {
		key := "ui.authz.fetch_type.one_time"
		if ft == authz.FetchPeriodic {
			key = "ui.authz.fetch_type.periodic"
		}
		d.FetchTypes = append(d.FetchTypes, option{Value: ft, Label: u.t(r, key), Selected: ft == in.FetchType})
	}
	for _, fq := range authz.Frequencies {
		d.Freqs = append(d.Freqs, option{Value: fq, Label: u.t(r, authzFetchKey[fq]), Selected: fq == in.Frequency})
	}
	for _, m := range authz.Modes {
		d.Modes = append(d.Modes, option{Value: m, Label: u.t(r, authzModeKey[m]), Selected: m == in.Mode})
	}
	d.Groups = u.itemGroups(lang, cat, in.Items, nil)
	return d, nil
}

// itemGroups lays the catalogue out by category for the request form
// (every shared item) or, with only set, for narrowing an authorization
// (its own items).
func (u *UI) itemGroups(lang i18n.Lang, cat *catalog.Snapshot, checked []string, only []string) []itemGroup {
	var out []itemGroup
	today := time.Now().UTC().Format(time.DateOnly)
	for _, c := range catalog.Categories {
		g := itemGroup{Category: string(c), Label: u.labelOf(lang, "ui.category.", string(c)), Prefix: string(c) + ".",
			Checked: slices.Contains(checked, string(c)+".")}
		for _, it := range cat.Items {
			if it.Category != c || it.Sharing == catalog.NotShared || it.EffectiveFrom > today || it.EffectiveTo != "" && it.EffectiveTo < today {
				continue
			}
			g.Items = append(g.Items, itemChoice{Value: it.Code, Label: pick(lang, it.NameZH, it.NameEN), Grade: it.Grade,
				Personal: it.Personal, Checked: slices.Contains(checked, it.Code)})
		}
		if len(g.Items) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// authzCreate records an institution's request (POST /authorizations/new).
// Invalid input comes back in the form with each field's problem; nothing
// is stored.
func (u *UI) authzCreate(w http.ResponseWriter, r *http.Request) error {
	if err := u.authzEnabled(); err != nil {
		return err
	}
	id, err := requireOfficer(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "unreadable form").With("name", "form")
	}
	f := r.PostForm
	in := authz.RequestInput{CreditCode: strings.TrimSpace(f.Get("credit_code")), Purpose: f.Get("purpose"), Items: f["items"],
		DataFrom: f.Get("data_from"), DataTo: f.Get("data_to"), FetchType: f.Get("fetch_type"), Mode: f.Get("mode"),
		CallbackURL: strings.TrimSpace(f.Get("callback_url"))}
	if in.FetchType == authz.FetchPeriodic {
		in.Frequency = f.Get("frequency")
	}
	validTo := strings.TrimSpace(f.Get("valid_to"))
	errs := map[string]string{}
	if validTo != "" {
		t, err := time.Parse(time.DateOnly, validTo)
		if err != nil {
			errs["valid_until"] = u.t(r, "ui.data.bad_date", "date", clip(validTo, 20))
		} else {
			in.ValidUntil = t.AddDate(0, 0, 1).Format(time.DateOnly)
		}
	}
	var a authz.Authorization
	if len(errs) == 0 {
		a, err = u.d.Authz.Request(r.Context(), id.Principal, in)
	}
	if err != nil || len(errs) > 0 {
		msg, ferrs, ok := u.fieldErrors(r, err)
		if err != nil && !ok {
			return err
		}
		for k, v := range ferrs {
			errs[k] = v
		}
		d, derr := u.authzFormData(r, in, validTo, errs)
		if derr != nil {
			return derr
		}
		d.Message = msg
		status := http.StatusUnprocessableEntity
		if fault.Is(err, fault.NotFound) {
			status = http.StatusNotFound
		}
		u.render(w, r, status, "authz_new", "ui.authz.new_title", d)
		return nil
	}
	http.Redirect(w, r, "/authorizations/"+url.PathEscape(a.ID)+"?done=requested", http.StatusSeeOther)
	return nil
}

// fieldErrors translates an input error into a message and per-field
// messages. ok is false for errors that are not the user's input (they go
// to the error page).
func (u *UI) fieldErrors(r *http.Request, err error) (msg string, fields map[string]string, ok bool) {
	fields = map[string]string{}
	if err == nil {
		return u.t(r, "ui.authz.form_invalid"), fields, true
	}
	lang := server.LangFrom(r.Context())
	var fe *fault.FieldsError
	if errors.As(err, &fe) {
		for _, f := range fe.Fields {
			fields[f.Field] = u.d.Catalog.TMap(lang, f.Err.Code, f.Err.Params)
		}
		return u.t(r, "ui.authz.form_invalid"), fields, true
	}
	e, isFault := fault.As(err)
	if !isFault || (e.Kind != fault.Invalid && e.Kind != fault.NotFound && e.Kind != fault.Conflict) {
		return "", nil, false
	}
	return u.d.Catalog.TMap(lang, e.Code, e.Params), fields, true
}

// authzDetail shows one authorization with what the viewer may do to it
// (GET /authorizations/{id}).
func (u *UI) authzDetail(w http.ResponseWriter, r *http.Request) error {
	if err := u.authzEnabled(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	a, err := u.d.Authz.Get(r.Context(), id.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	d, err := u.authzDetailData(r, id.Principal, a)
	if err != nil {
		return err
	}
	if k, ok := map[string]string{"requested": "ui.authz.notice.requested", "approve": "ui.authz.notice.approve",
		"reject": "ui.authz.notice.reject", "pause": "ui.authz.notice.pause", "resume": "ui.authz.notice.resume",
		"revoke": "ui.authz.notice.revoke", "consent": "ui.authz.notice.consent", "replay": "ui.authz.notice.replay"}[r.URL.Query().Get("done")]; ok {
		d.Notice = u.t(r, k)
	}
	u.render(w, r, http.StatusOK, "authz_detail", "ui.authz.detail_title", d)
	return nil
}

func (u *UI) authzDetailData(r *http.Request, p access.Principal, a authz.Authorization) (authzDetailData, error) {
	lang := server.LangFrom(r.Context())
	cat, err := u.catalogue(r.Context())
	if err != nil {
		return authzDetailData{}, err
	}
	self := p.OrgKind == account.KindEnterprise
	d := authzDetailData{V: u.viewOf(lang, cat, a, self, u.institutionNames(r.Context(), lang, a)), Can: abilityOf(p, a), Self: self, Errors: map[string]string{}}
	for _, it := range a.Items {
		c := itemChoice{Value: it, Checked: true}
		if strings.HasSuffix(it, ".") {
			c.Label = u.labelOf(lang, "ui.category.", strings.TrimSuffix(it, "."))
			c.Personal = coversPersonal(cat, []string{it})
		} else if ci, ok := cat.ByCode[it]; ok {
			c.Label, c.Grade, c.Personal = pick(lang, ci.NameZH, ci.NameEN), ci.Grade, ci.Personal
		} else {
			c.Label = it
		}
		d.Items = append(d.Items, c)
	}
	// Narrowing may only keep the mode or choose a narrower one.
	for _, m := range authz.Modes {
		d.Modes = append(d.Modes, option{Value: m, Label: u.t(r, authzModeKey[m]), Selected: m == a.Mode})
		if m == a.Mode {
			break
		}
	}
	for _, role := range []string{authz.ConsentLegalRep, authz.ConsentShareholder} {
		d.Roles = append(d.Roles, option{Value: role, Label: u.t(r, consentRoleKey[role])})
	}
	if d.V.Personal || a.PersonalConsent {
		if d.Consents, err = u.d.Authz.Consents(r.Context(), p, a.ID); err != nil {
			return authzDetailData{}, err
		}
	}
	if err := u.detailExtras(r, p, a, &d); err != nil {
		return authzDetailData{}, err
	}
	return d, nil
}

// authzPost is the signed-in caller of an authorization form, its form
// parsed.
func (u *UI) authzPost(r *http.Request) (server.Identity, error) {
	if err := u.authzEnabled(); err != nil {
		return server.Identity{}, err
	}
	id, err := server.Require(r)
	if err != nil {
		return server.Identity{}, err
	}
	if err := r.ParseForm(); err != nil {
		return server.Identity{}, fault.New(fault.Invalid, "request.bad_param", "unreadable form").With("name", "form")
	}
	return id, nil
}

// authzAct applies one decision to an authorization (POST
// /authorizations/{id}/{verb}) and returns to its page. Approval may
// narrow the request (fewer items, a shorter data range or validity, a
// narrower mode).
func (u *UI) authzAct(verb string) handler {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := u.authzPost(r)
		if err != nil {
			return err
		}
		ctx, p, aid := r.Context(), id.Principal, r.PathValue("id")
		reason := strings.TrimSpace(r.PostFormValue("reason"))
		switch verb {
		case "approve":
			var n *authz.Narrowing
			if n, err = u.narrowing(ctx, p, aid, r.PostForm); err == nil {
				_, err = u.d.Authz.Approve(ctx, p, aid, n)
			}
		case "reject":
			_, err = u.d.Authz.Reject(ctx, p, aid, reason)
		case "pause":
			_, err = u.d.Authz.Pause(ctx, p, aid, reason)
		case "resume":
			_, err = u.d.Authz.Resume(ctx, p, aid, reason)
		case "revoke":
			_, err = u.d.Authz.Revoke(ctx, p, aid, reason)
		default:
			return errNotFound
		}
		if err != nil {
			return u.authzRedisplay(w, r, p, aid, err)
		}
		http.Redirect(w, r, "/authorizations/"+url.PathEscape(aid)+"?done="+verb, http.StatusSeeOther)
		return nil
	}
}

// authzRedisplay shows the authorization again with the problem, when the
// problem is the user's input or a state that changed meanwhile.
func (u *UI) authzRedisplay(w http.ResponseWriter, r *http.Request, p access.Principal, aid string, cause error) error {
	msg, fields, ok := u.fieldErrors(r, cause)
	if !ok {
		return cause
	}
	status := http.StatusUnprocessableEntity
	if fault.Is(cause, fault.Conflict) {
		status = http.StatusConflict
	}
	return u.detailWith(w, r, p, aid, status, func(d *authzDetailData) { d.Message, d.Errors = msg, fields })
}

// detailWith shows the authorization page with status, after fill has
// added what the request left to show (problems, a notice, a new link).
func (u *UI) detailWith(w http.ResponseWriter, r *http.Request, p access.Principal, aid string, status int, fill func(*authzDetailData)) error {
	a, err := u.d.Authz.Get(r.Context(), p, aid)
	if err != nil {
		return err
	}
	d, err := u.authzDetailData(r, p, a)
	if err != nil {
		return err
	}
	fill(&d)
	u.render(w, r, status, "authz_detail", "ui.authz.detail_title", d)
	return nil
}

// narrowing reads the approval form: nil when the enterprise approves the
// request as asked, else only the fields it shrank.
func (u *UI) narrowing(ctx context.Context, p access.Principal, aid string, f url.Values) (*authz.Narrowing, error) {
	a, err := u.d.Authz.Get(ctx, p, aid)
	if err != nil {
		return nil, err
	}
	var n authz.Narrowing
	changed := false
	if f.Get("narrow") == "" {
		return nil, nil // the plain "approve as asked" button
	}
	kept := f["items"]
	if len(kept) == 0 {
		return nil, fault.Fields{{Field: "items", Err: fault.New(fault.Invalid, "authz.no_items", "name at least one item or category")}}.Err()
	}
	if !sameSet(kept, a.Items) {
		n.Items, changed = kept, true // the service refuses anything but a subset
	}
	if from := strings.TrimSpace(f.Get("data_from")); from != "" && from != a.DataFrom.UTC().Format(time.DateOnly) {
		n.DataFrom, changed = from, true
	}
	if to := strings.TrimSpace(f.Get("data_to")); to != "" && to != a.DataTo.UTC().Format(time.DateOnly) {
		n.DataTo, changed = to, true
	}
	if through := strings.TrimSpace(f.Get("valid_to")); through != "" && through != throughDate(a.ValidUntil) {
		t, err := time.Parse(time.DateOnly, through)
		if err != nil {
			return nil, fault.Fields{{Field: "valid_until", Err: fault.New(fault.Invalid, "authz.bad_date", "not a date (YYYY-MM-DD)").With("field", "valid_until")}}.Err()
		}
		n.ValidUntil, changed = t.AddDate(0, 0, 1).Format(time.DateOnly), true
	}
	if m := f.Get("mode"); m != "" && m != a.Mode {
		n.Mode, changed = m, true
	}
	if !changed {
		return nil, nil
	}
	return &n, nil
}

// authzConsent records the administrator's attestation of one person's
// separate consent (POST /authorizations/{id}/consent): the administrator
// ticks that the person consented (on a signed form the enterprise keeps)
// and enters the person's identity number, which
// authz.Service.GiveConsent checks against the enterprise's records. It
// is stored and shown as an attestation (channel admin_attestation); the
// person's own act is the invitation link. Either way it is a step of its
// own: approving never gives it.
func (u *UI) authzConsent(w http.ResponseWriter, r *http.Request) error {
	id, err := u.authzPost(r)
	if err != nil {
		return err
	}
	ctx, p, aid := r.Context(), id.Principal, r.PathValue("id")
	in := authz.ConsentInput{Role: r.PostFormValue("role"), Name: strings.TrimSpace(r.PostFormValue("name")),
		IDNumber: strings.TrimSpace(r.PostFormValue("id_number"))}
	errs := map[string]string{}
	if r.PostFormValue("agree") != "yes" {
		errs["agree"] = u.t(r, "ui.authz.consent.err_unchecked")
	}
	last := strings.ToUpper(strings.TrimSpace(r.PostFormValue("id_last6")))
	if n := strings.ToUpper(in.IDNumber); len(n) < 6 || len(last) != 6 || subtle.ConstantTimeCompare([]byte(last), []byte(n[len(n)-6:])) != 1 {
		errs["id_last6"] = u.t(r, "ui.authz.consent.err_confirm")
	}
	if len(errs) > 0 {
		return u.consentRedisplay(w, r, p, aid, in, errs)
	}
	// The service checks the person against the enterprise's records
	// (the legal representative's sealed registration, the shareholders).
	if err := u.d.Authz.GiveConsent(ctx, p, aid, in); err != nil {
		if _, fields, ok := u.fieldErrors(r, err); ok && len(fields) > 0 {
			return u.consentRedisplay(w, r, p, aid, in, fields)
		}
		return u.authzRedisplay(w, r, p, aid, err)
	}
	http.Redirect(w, r, "/authorizations/"+url.PathEscape(aid)+"?done=consent", http.StatusSeeOther)
	return nil
}

// consentRedisplay shows the consent form again with its problems and the
// role and name given (never the identity number).
func (u *UI) consentRedisplay(w http.ResponseWriter, r *http.Request, p access.Principal, aid string, in authz.ConsentInput, errs map[string]string) error {
	return u.detailWith(w, r, p, aid, http.StatusUnprocessableEntity, func(d *authzDetailData) {
		d.Errors, d.Message, d.ConsentRole, d.ConsentName = errs, u.t(r, "ui.authz.form_invalid"), in.Role, clip(in.Name, 100)
		for i := range d.Roles {
			d.Roles[i].Selected = d.Roles[i].Value == in.Role
		}
	})
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(slices.Compact(x), slices.Compact(y))
}
