package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

// Authorizations (授权, DOMAIN.md §6): institutions request, the
// enterprise's administrator decides; the service decides who may do
// what, these handlers only translate.

// stepFunc is one of the service's reason-carrying transitions.
type stepFunc = func(ctx context.Context, p access.Principal, id, reason string) (authz.Authorization, error)

type reasonJSON struct {
	Reason string `json:"reason"`
}

// requestAuthorization: POST /api/v1/authorizations (institutions).
func (a *API) requestAuthorization(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in authz.RequestInput
	if err := decode(r, &in); err != nil {
		return err
	}
	az, err := a.d.Authz.Request(r.Context(), id.Principal, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/authorizations/"+az.ID)
	writeJSON(w, http.StatusCreated, az)
	return nil
}

// listAuthorizations: GET /api/v1/authorizations?status=&limit=&offset=
// (&enterprise_id=&institution_id= for the operator and auditors).
func (a *API) listAuthorizations(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := authz.Filter{Status: authz.Status(q.Get("status"))}
	for name, dst := range map[string]*int64{"enterprise_id": &f.EnterpriseID, "institution_id": &f.InstitutionID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < 0 {
				return fault.New(fault.Invalid, "request.bad_param", "expected a non-negative integer").With("name", name)
			}
			*dst = n
		}
	}
	for name, dst := range map[string]*int{"limit": &f.Limit, "offset": &f.Offset} {
		if v := q.Get(name); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fault.New(fault.Invalid, "request.bad_param", "expected a non-negative integer").With("name", name)
			}
			*dst = n
		}
	}
	as, err := a.d.Authz.List(r.Context(), id.Principal, f)
	if err != nil {
		return err
	}
	writeItems(w, as)
	return nil
}

// writeItems writes a list as {"items": [...]}, never null.
func writeItems[T any](w http.ResponseWriter, xs []T) {
	if xs == nil {
		xs = []T{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": xs})
}

// getAuthorization: GET /api/v1/authorizations/{id}.
func (a *API) getAuthorization(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	az, err := a.d.Authz.Get(r.Context(), id.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, az)
	return nil
}

// authorizationArtefact: GET /api/v1/authorizations/{id}/artefact, the
// node's compact JWS over the current version (application/jose).
func (a *API) authorizationArtefact(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	az, err := a.d.Authz.Get(r.Context(), id.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/jose")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write([]byte(az.Signature))
	return nil
}

// authorizationAction serves the lifecycle steps (POST
// /api/v1/authorizations/{id}/{verb}): approve with an optional narrowing
// body, reject, pause, resume and revoke with an optional {"reason": ...}.
// Unknown verbs are never routed.
func (a *API) authorizationAction(verb string) func(http.ResponseWriter, *http.Request) error {
	steps := map[string]stepFunc{"reject": a.d.Authz.Reject, "pause": a.d.Authz.Pause, "resume": a.d.Authz.Resume, "revoke": a.d.Authz.Revoke}
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := identity(r)
		if err != nil {
			return err
		}
		ctx, p, aid := r.Context(), id.Principal, r.PathValue("id")
		var az authz.Authorization
		if verb == "approve" {
			var n *authz.Narrowing
			if r.ContentLength != 0 {
				n = &authz.Narrowing{}
				if err := decode(r, n); err != nil {
					return err
				}
			}
			az, err = a.d.Authz.Approve(ctx, p, aid, n)
		} else {
			var in reasonJSON
			if r.ContentLength != 0 {
				if err := decode(r, &in); err != nil {
					return err
				}
			}
			az, err = steps[verb](ctx, p, aid, in.Reason)
		}
		if err != nil {
			return err
		}
		writeJSON(w, http.StatusOK, az)
		return nil
	}
}

// giveConsent: POST /api/v1/authorizations/{id}/consents (the grantor
// enterprise's administrator records a person's separate consent).
func (a *API) giveConsent(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in authz.ConsentInput
	if err := decode(r, &in); err != nil {
		return err
	}
	if err := a.d.Authz.GiveConsent(r.Context(), id.Principal, r.PathValue("id"), in); err != nil {
		return err
	}
	cs, err := a.d.Authz.Consents(r.Context(), id.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, map[string]any{"items": cs})
	return nil
}

// authzList serves a list kept under one authorization (GET
// /api/v1/authorizations/{id}/consents, …/consent-invitations) as
// {"items": [...]}.
func authzList[T any](list func(ctx context.Context, p access.Principal, id string) ([]T, error)) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		id, err := identity(r)
		if err != nil {
			return err
		}
		xs, err := list(r.Context(), id.Principal, r.PathValue("id"))
		if err != nil {
			return err
		}
		writeItems(w, xs)
		return nil
	}
}

// invitationJSON is an issued invitation with its one-time link: the
// token is in this response only.
type invitationJSON struct {
	authz.Invitation
	Token string `json:"token"`
	Link  string `json:"link"`
}

// inviteConsent: POST /api/v1/authorizations/{id}/consent-invitations
// (the grantor enterprise's administrator) issues a one-time link for the
// named person to give or refuse their own separate consent.
func (a *API) inviteConsent(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in authz.InviteInput
	if err := decode(r, &in); err != nil {
		return err
	}
	inv, token, err := a.d.Authz.Invite(r.Context(), id.Principal, r.PathValue("id"), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, invitationJSON{Invitation: inv, Token: token, Link: "/consent/" + token})
	return nil
}

// openInvitation: GET /api/v1/consent/{token}, public (the token is the
// credential): what the person is asked to consent to.
func (a *API) openInvitation(w http.ResponseWriter, r *http.Request) error {
	v, err := a.d.Authz.OpenInvitation(r.Context(), r.PathValue("token"), server.RemoteHost(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, v)
	return nil
}

// answerInvitation: POST /api/v1/consent/{token}, public: the person
// confirms who they are and gives or refuses consent.
func (a *API) answerInvitation(w http.ResponseWriter, r *http.Request) error {
	var in authz.Answer
	if err := decode(r, &in); err != nil {
		return err
	}
	inv, err := a.d.Authz.AnswerInvitation(r.Context(), r.PathValue("token"), server.RemoteHost(r), in)
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, inv)
	return nil
}

// listDeliveries: GET /api/v1/webhook-deliveries?authorization_id=&status=&limit=&offset=.
func (a *API) listDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := authz.DeliveryFilter{AuthorizationID: q.Get("authorization_id"), Status: authz.DeliveryStatus(q.Get("status"))}
	if f.Limit, err = queryInt(r, "limit", 100); err != nil {
		return err
	}
	if f.Offset, err = queryInt(r, "offset", 0); err != nil {
		return err
	}
	ds, err := a.d.Authz.Deliveries(r.Context(), id.Principal, f)
	if err != nil {
		return err
	}
	writeItems(w, ds)
	return nil
}

// replayDelivery: POST /api/v1/webhook-deliveries/{id}/replay.
func (a *API) replayDelivery(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	n, err := pathID(r, "id")
	if err != nil {
		return err
	}
	d, err := a.d.Authz.Replay(r.Context(), id.Principal, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, d)
	return nil
}

// authzPaths documents the authorization operations.
func authzPaths() obj {
	azID := pathParam("id", "Authorization id (az_ and 26 base32 characters)", obj{"type": "string", "pattern": "^az_[a-z2-7]{26}$"})
	tokenParam := pathParam("token", "Consent invitation token (ct_ and 43 base64url characters)", obj{"type": "string"})
	one := resp("The authorization", ref("Authorization"))
	reason := obj{"required": false, "content": obj{"application/json": obj{"schema": ref("AuthorizationReason")}}}
	step := func(opID, summary string) obj {
		return obj{"post": op(opID, summary, "authorizations", []obj{azID}, reason, "200", one, "400", "401", "403", "404", "409")}
	}
	return obj{
		"/api/v1/authorizations": obj{
			"get": op("listAuthorizations", "Authorizations you may see: an enterprise those it gave, an institution those it holds, operators and auditors all",
				"authorizations", []obj{
					queryParam("status", "Lifecycle status", obj{"type": "string", "enum": []string{"pending", "active", "paused", "revoked", "expired", "rejected"}}),
					queryParam("enterprise_id", "Grantor enterprise id (operators and auditors)", obj{"type": "integer", "format": "int64"}),
					queryParam("institution_id", "Grantee institution id (operators and auditors)", obj{"type": "integer", "format": "int64"}),
					limitParam, queryParam("offset", "Offset", obj{"type": "integer", "minimum": 0})},
				nil, "200", resp("Authorizations, newest first", list(ref("Authorization"))), "400", "401", "403"),
			"post": op("requestAuthorization", "Request an enterprise's authorization (institution officers, or API keys with enterprise:read): pending until the enterprise's administrator decides; changes are POSTed to callback_url, signed (CreditBridge-Signature: the node's EdDSA JWS over the body)",
				"authorizations", nil, jsonBody(ref("AuthorizationRequest")), "201", one, "400", "401", "403", "404"),
		},
		"/api/v1/authorizations/{id}": obj{"get": op("getAuthorization", "One authorization (grantor, grantee, operators and auditors; others get 404)",
			"authorizations", []obj{azID}, nil, "200", one, "401", "404")},
		"/api/v1/authorizations/{id}/artefact": obj{"get": op("getAuthorizationArtefact", "The node-signed artefact of the current version: a compact JWS (EdDSA, typ creditbridge-authorization+jwt), verifiable with /.well-known/jwks.json",
			"authorizations", []obj{azID}, nil, "200", obj{"description": "Compact JWS", "content": obj{"application/jose": obj{"schema": obj{"type": "string"}}}}, "401", "404")},
		"/api/v1/authorizations/{id}/approve": obj{"post": op("approveAuthorization", "Approve a pending request (the enterprise's administrator), optionally narrowing it: fewer items, a shorter data range, an earlier expiry, a narrower mode",
			"authorizations", []obj{azID}, obj{"required": false, "content": obj{"application/json": obj{"schema": ref("AuthorizationNarrowing")}}}, "200", one, "400", "401", "403", "404", "409")},
		"/api/v1/authorizations/{id}/reject": step("rejectAuthorization", "Reject a pending request, with a reason (the enterprise's administrator)"),
		"/api/v1/authorizations/{id}/pause":  step("pauseAuthorization", "Pause an active authorization (the enterprise's administrator): reads are refused from the next one"),
		"/api/v1/authorizations/{id}/resume": step("resumeAuthorization", "Resume a paused authorization (the enterprise's administrator)"),
		"/api/v1/authorizations/{id}/revoke": step("revokeAuthorization", "Revoke for good (the enterprise's administrator, or the grantee institution giving it up): effective from the next read"),
		"/api/v1/authorizations/{id}/consents": obj{
			"get": op("listAuthorizationConsents", "Separate consents of persons (legal representative, natural-person shareholders) under an authorization",
				"authorizations", []obj{azID}, nil, "200", resp("Consents", list(ref("AuthorizationConsent"))), "401", "404"),
			"post": op("giveAuthorizationConsent", "The administrator's attestation of a person's separate consent (channel admin_attestation: the enterprise's administrator declares the person consented, e.g. on a signed form; the identity is checked against the enterprise's records). The person's own act is the consent invitation link (consent-invitations). The identity number is kept only as a keyed hash",
				"authorizations", []obj{azID}, jsonBody(ref("ConsentInput")), "201", resp("Consents", list(ref("AuthorizationConsent"))), "400", "401", "403", "404", "409"),
		},
		"/api/v1/authorizations/{id}/consent-invitations": obj{
			"get": op("listConsentInvitations", "Consent invitations issued under an authorization (never their links)",
				"authorizations", []obj{azID}, nil, "200", resp("Invitations, oldest first", list(ref("ConsentInvitation"))), "401", "404"),
			"post": op("inviteConsent", "Issue a one-time consent link for one named person (the enterprise's administrator): the person opens /consent/{token} without an account, confirms their identity and gives or refuses their own separate consent. The link is in this response only; it expires after 7 days (or with the authorization) and locks after 5 wrong identities. The platform sends no e-mail or SMS: pass the link on yourself",
				"authorizations", []obj{azID}, jsonBody(ref("InviteInput")), "201", resp("The invitation with its link", ref("IssuedConsentInvitation")), "400", "401", "403", "404", "409"),
		},
		"/api/v1/consent/{token}": obj{
			"get": op("openConsentInvitation", "Public (the token is the credential): what the invited person is asked to consent to",
				"consent", []obj{tokenParam}, nil, "200", resp("What consenting lets through", ref("ConsentInvitationView")), "404", "409", "429"),
			"post": op("answerConsentInvitation", "Public: the invited person confirms their name and identity number (checked against the enterprise's records) and gives or refuses consent",
				"consent", []obj{tokenParam}, jsonBody(ref("ConsentAnswer")), "200", resp("The answered invitation", ref("ConsentInvitation")), "400", "404", "409", "429"),
		},
		"/api/v1/webhook-deliveries": obj{"get": op("listWebhookDeliveries", "Webhook deliveries you may see (an institution its own, an enterprise those of its authorizations, operators and auditors all), newest first",
			"authorizations", []obj{queryParam("authorization_id", "One authorization", obj{"type": "string"}),
				queryParam("status", "Delivery status", obj{"type": "string", "enum": []string{"pending", "delivered", "failed"}}),
				limitParam, queryParam("offset", "Offset", obj{"type": "integer", "minimum": 0})},
			nil, "200", resp("Deliveries", list(ref("WebhookDelivery"))), "400", "401", "403")},
		"/api/v1/webhook-deliveries/{id}/replay": obj{"post": op("replayWebhookDelivery", "Send a failed delivery again (the grantee institution, or an operator administrator): pending again with a fresh set of attempts",
			"authorizations", []obj{idParam}, nil, "200", resp("The delivery", ref("WebhookDelivery")), "401", "403", "404", "409")},
	}
}

// authzSchemas are the components authzPaths refers to.
func authzSchemas() obj {
	tm := obj{"type": "string", "format": "date-time"}
	date := obj{"type": "string", "format": "date"}
	purpose := obj{"type": "string", "enum": []string{"loan_application", "post_loan_monitoring", "credit_line_review", "guarantee"}}
	mode := obj{"type": "string", "enum": []string{"view", "store", "verify"}, "description": "verify: verification answers only; view: values; store: values the institution may keep"}
	items := obj{"type": "array", "minItems": 1, "items": obj{"type": "string"}, "description": "Catalogue item codes or category prefixes ending in \".\" (tax.)"}
	return obj{
		"AuthorizationRequest": object([]string{"credit_code", "purpose", "items", "data_from", "data_to", "valid_until", "fetch_type", "mode"}, obj{
			"credit_code": str("The enterprise's unified social credit code"), "purpose": purpose, "items": items,
			"data_from": date, "data_to": date,
			"valid_from":   str("Start of validity, RFC 3339 or YYYY-MM-DD (default now)"),
			"valid_until":  str("End of validity (exclusive), RFC 3339 or YYYY-MM-DD; at most one year after the start (30 days for one_time)"),
			"fetch_type":   obj{"type": "string", "enum": []string{"one_time", "periodic"}},
			"frequency":    obj{"type": "string", "enum": []string{"daily", "weekly", "monthly"}, "description": "Required for periodic fetches"},
			"mode":         mode,
			"callback_url": str("https URL (http only to localhost) receiving {id,status,version,at} on every change"),
		}),
		"AuthorizationNarrowing": object(nil, obj{"items": items, "data_from": date, "data_to": date,
			"valid_until": str("Earlier end of validity"), "mode": mode}),
		"AuthorizationReason": object(nil, obj{"reason": str("Reason (at most 500 characters)")}),
		"Authorization": object([]string{"id", "enterprise_id", "institution_id", "purpose", "items", "data_from", "data_to", "valid_from", "valid_until", "fetch_type", "mode", "status", "version", "signature"}, obj{
			"id": str("az_..."), "enterprise_id": integer("Grantor enterprise"), "enterprise_code": str("Its credit code"), "enterprise_name": str("Its name"),
			"institution_id": integer("Grantee institution organisation"), "institution_name": str("Its name"), "purpose": purpose, "items": items,
			"data_from": tm, "data_to": tm, "valid_from": tm, "valid_until": tm,
			"fetch_type": str("one_time or periodic"), "frequency": str("daily, weekly or monthly"), "mode": mode,
			"status":           obj{"type": "string", "enum": []string{"pending", "active", "paused", "revoked", "expired", "rejected"}},
			"personal_consent": obj{"type": "boolean", "description": "The persons concerned gave separate consent"},
			"callback_url":     str("Webhook"), "requested_by": str("Who asked"), "decided_by": str("Who decided"), "reason": str("Rejection or revocation reason"),
			"version": integer("Increases at every change"), "signature": str("The node's compact JWS over this version's artefact"),
			"created_at": tm, "updated_at": tm,
		}),
		"ConsentInput": object([]string{"role", "name", "id_number"}, obj{
			"role": obj{"type": "string", "enum": []string{"legal_rep", "shareholder"}}, "name": str("The person's name (kept masked)"),
			"id_number": str("Resident identity number (kept only as a keyed hash)")}),
		"AuthorizationConsent": object([]string{"id", "authorization_id", "role", "name_masked", "channel", "given_by", "given_at"}, obj{
			"id": integer("Consent id"), "authorization_id": str("az_..."), "role": str("legal_rep or shareholder"),
			"name_masked": str("Masked name"),
			"channel":     obj{"type": "string", "enum": []string{"person_link", "admin_attestation"}, "description": "person_link: the person gave it through their link; admin_attestation: the administrator attested it"},
			"given_by":    str("Who recorded it"), "given_at": tm}),
		"InviteInput": object([]string{"role", "name"}, obj{
			"role": obj{"type": "string", "enum": []string{"legal_rep", "shareholder"}}, "name": str("The person's name as the enterprise's records name them")}),
		"ConsentInvitation": object([]string{"id", "authorization_id", "role", "name_masked", "status", "issued_at", "expires_at"}, obj{
			"id": integer("Invitation id"), "authorization_id": str("az_..."), "role": str("legal_rep or shareholder"), "name_masked": str("Masked name"),
			"status":   obj{"type": "string", "enum": []string{"open", "given", "refused", "locked", "expired"}},
			"failures": integer("Wrong identities so far (5 lock it)"), "issued_by": str("Who issued it"), "issued_at": tm, "expires_at": tm,
			"opened_at": tm, "decided_at": tm, "consent_id": integer("The consent given"), "version": integer("Version")}),
		"IssuedConsentInvitation": obj{"allOf": []obj{ref("ConsentInvitation"), object([]string{"token", "link"}, obj{
			"token": str("The one-time token (shown only here)"), "link": str("The path to give the person: /consent/{token}")})}},
		"ConsentInvitationView": object([]string{"invitation", "institution_name", "purpose", "items", "valid_until", "personal_data"}, obj{
			"invitation": ref("ConsentInvitation"), "enterprise_name": str("The enterprise"), "institution_name": str("Who would receive the data"),
			"purpose": purpose, "items": items, "mode": mode, "data_from": tm, "data_to": tm, "valid_until": tm,
			"personal_data": obj{"type": "array", "items": obj{"type": "string", "enum": []string{"name", "id_number", "shareholding"}}}}),
		"ConsentAnswer": object([]string{"decision", "name", "id_number"}, obj{
			"decision": obj{"type": "string", "enum": []string{"give", "refuse"}}, "name": str("Your name"), "id_number": str("Your resident identity number")}),
		"WebhookDelivery": object([]string{"id", "authorization_id", "event", "url", "status", "attempts", "next_attempt_at", "created_at"}, obj{
			"id": integer("Delivery id"), "authorization_id": str("az_..."), "institution_id": integer("Institution"), "event": str("The step, e.g. authorization.approve"),
			"url": str("Callback URL"), "body": str("The exact JSON sent (signed in CreditBridge-Signature)"),
			"status":   obj{"type": "string", "enum": []string{"pending", "delivered", "failed"}},
			"attempts": integer("Attempts since creation or the last replay"), "replays": integer("Replays"),
			"last_status_code": integer("HTTP status of the last attempt"), "last_error": str("Error of the last attempt"),
			"next_attempt_at": tm, "delivered_at": tm, "created_at": tm, "updated_at": tm, "version": integer("Version")}),
	}
}
