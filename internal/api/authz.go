package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/fault"
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
	if as == nil {
		as = []authz.Authorization{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": as})
	return nil
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

// approveAuthorization: POST /api/v1/authorizations/{id}/approve with an
// optional narrowing body.
func (a *API) approveAuthorization(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var n *authz.Narrowing
	if r.ContentLength != 0 {
		n = &authz.Narrowing{}
		if err := decode(r, n); err != nil {
			return err
		}
	}
	az, err := a.d.Authz.Approve(r.Context(), id.Principal, r.PathValue("id"), n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, az)
	return nil
}

// authorizationStep serves reject, pause, resume and revoke, each with an
// optional {"reason": ...} body.
func (a *API) authorizationStep(w http.ResponseWriter, r *http.Request, step stepFunc) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in reasonJSON
	if r.ContentLength != 0 {
		if err := decode(r, &in); err != nil {
			return err
		}
	}
	az, err := step(r.Context(), id.Principal, r.PathValue("id"), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, az)
	return nil
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

// listConsents: GET /api/v1/authorizations/{id}/consents.
func (a *API) listConsents(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	cs, err := a.d.Authz.Consents(r.Context(), id.Principal, r.PathValue("id"))
	if err != nil {
		return err
	}
	if cs == nil {
		cs = []authz.Consent{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": cs})
	return nil
}

// The reason-carrying steps.
func (a *API) rejectAuthorization(w http.ResponseWriter, r *http.Request) error {
	return a.authorizationStep(w, r, a.d.Authz.Reject)
}

func (a *API) pauseAuthorization(w http.ResponseWriter, r *http.Request) error {
	return a.authorizationStep(w, r, a.d.Authz.Pause)
}

func (a *API) resumeAuthorization(w http.ResponseWriter, r *http.Request) error {
	return a.authorizationStep(w, r, a.d.Authz.Resume)
}

func (a *API) revokeAuthorization(w http.ResponseWriter, r *http.Request) error {
	return a.authorizationStep(w, r, a.d.Authz.Revoke)
}

// authzPaths documents the authorization operations.
func authzPaths() obj {
	azID := pathParam("id", "Authorization id (az_ and 26 base32 characters)", obj{"type": "string", "pattern": "^az_[a-z2-7]{26}$"})
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
			"post": op("giveAuthorizationConsent", "Record a person's separate consent (单独同意, PIPL art. 23; the enterprise's administrator): personal information then reaches the institution unmasked. The identity number is kept only as a keyed hash",
				"authorizations", []obj{azID}, jsonBody(ref("ConsentInput")), "201", resp("Consents", list(ref("AuthorizationConsent"))), "400", "401", "403", "404", "409"),
		},
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
		"AuthorizationConsent": object([]string{"id", "authorization_id", "role", "name_masked", "given_by", "given_at"}, obj{
			"id": integer("Consent id"), "authorization_id": str("az_..."), "role": str("legal_rep or shareholder"),
			"name_masked": str("Masked name"), "given_by": str("Who recorded it"), "given_at": tm}),
	}
}
