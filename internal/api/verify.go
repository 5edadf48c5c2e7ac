package api

import (
	"encoding/json"
	"net/http"

	"github.com/creditbridge/creditbridge/internal/verify"
)

// askVerification answers verification questions about one enterprise
// (数据核验): POST /api/v1/verifications {credit_code, questions, purpose,
// as_of?}. Each answer is true, false or unknown (a band label for
// band(NAME) questions) with its signed attestation; no value is ever in
// the response.
func (a *API) askVerification(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in verify.Request
	if err := decode(r, &in); err != nil {
		return err
	}
	resp, err := a.d.Verify.Ask(r.Context(), id.Principal, in)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// verificationVariables lists the language's variables and function.
func (a *API) verificationVariables(w http.ResponseWriter, r *http.Request) error {
	if _, err := identity(r); err != nil {
		return err
	}
	out := make([]verify.Variable, 0, len(verify.Variables)+1)
	for _, v := range verify.Variables {
		out = append(out, *v)
	}
	out = append(out, verify.LegalRepDoc, verify.BandDoc)
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// jwks publishes the node's attestation keys (public, no sign-in).
func (a *API) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/jwk-set+json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	return json.NewEncoder(w).Encode(a.d.Verify.Signer.JWKS())
}

// verifyPaths documents the verification operations and the JWKS.
func verifyPaths() obj {
	return obj{
		"/api/v1/verifications": obj{"post": op("askVerification",
			"Ask verification questions about one enterprise (数据核验): each answer is true, false or unknown — or, for a band question band(NAME), the label of the coarse band the value falls in — never the value, with a signed attestation (compact JWS, EdDSA). Limits per institution, enterprise and item refuse repeated thresholds (429, the limit and its reset named); a band counts as two thresholds.",
			"verification", nil, jsonBody(ref("VerificationRequest")), "200", resp("Answers with attestations", ref("VerificationResponse")),
			"400", "401", "403", "404", "429")},
		"/api/v1/verifications/variables": obj{"get": op("listVerificationVariables", "The variables and function questions may use, with units and the catalogue items each reads",
			"verification", nil, nil, "200", resp("Variables", list(ref("VerificationVariable"))), "401")},
		"/.well-known/jwks.json": obj{"get": obj{"operationId": "getJWKS", "summary": "The node's public keys for checking attestations (RFC 7517 JWK Set; no sign-in)",
			"tags": []string{"verification"}, "security": []obj{},
			"responses": obj{"200": obj{"description": "JWK Set", "content": obj{"application/jwk-set+json": obj{"schema": ref("JWKS")}}}}}},
	}
}

func verifySchemas() obj {
	return obj{
		"VerificationRequest": object([]string{"credit_code", "questions"}, obj{
			"credit_code": str("Unified social credit code of the enterprise asked about"),
			"questions": obj{"type": "array", "minItems": 1, "maxItems": verify.MaxQuestions, "items": obj{"type": "string", "maxLength": verify.MaxQuestionLen},
				"description": "Conditions such as tax_paid_12m >= 1000000, insured_headcount between 10 and 50, has_enforcement_case == false, tax_credit_grade in [\"A\",\"B\"], legal_rep_id_matches(\"<sha256 hex>\"); or a band question alone: band(tax_paid_12m), band(insured_headcount), band(years_since_founding)"},
			"purpose":       str("Purpose, recorded as evidence (loan_application, post_loan_monitoring, credit_line_review)"),
			"as_of":         obj{"type": "string", "format": "date", "description": "Date the answers are about (default today): data up to it, as known at its end"},
			"authorization": str("The enterprise's authorization asked under (az_...; default: a covering one). Institutions need one, in mode verify, view or store, whose data range holds as_of; the attestation names it"),
		}),
		"VerificationResponse": object([]string{"credit_code", "as_of", "answers"}, obj{
			"credit_code": str("Unified social credit code"), "as_of": obj{"type": "string", "format": "date"},
			"answers": arrayOf(object([]string{"question", "answer", "attestation", "attestation_id", "expires_at"}, obj{
				"question":       str("As asked"),
				"answer":         obj{"type": "string", "description": "true, false or unknown; for a band question the band's label (yuan: <100k, 100k-1M, 1M-10M, 10M-100M, >=100M; persons: 0, 1-9, 10-49, 50-299, >=300; years: <1, 1-3, 3-5, 5-10, >=10) or unknown"},
				"band":           obj{"type": "string", "enum": []string{"yuan", "persons", "years"}, "description": "A band question's scale (absent for yes/no questions)"},
				"attestation":    str("Compact JWS (EdDSA) over the claims: iss, sub, jti, iat, exp, question, answer, band (band questions), as_of, sources, requester, purpose, authorization, kid"),
				"attestation_id": str("The attestation's jti (nonce)"), "expires_at": obj{"type": "string", "format": "date-time"},
			})),
		}),
		"VerificationVariable": object([]string{"name", "kind", "items"}, obj{
			"name": str("Name used in questions"), "kind": obj{"type": "string", "enum": []string{"number", "bool", "text", "band"}},
			"unit": str("yuan, persons or years"), "items": arrayOf(str("Catalogue item read")),
			"description_en": str("What it is and when it is unknown"), "description_zh": str("说明及未知的情形"),
		}),
		"JWKS": object([]string{"keys"}, obj{"keys": arrayOf(obj{"type": "object", "properties": obj{
			"kty": str("OKP"), "crv": str("Ed25519"), "x": str("Public key, base64url"), "kid": str("RFC 7638 thumbprint"),
			"alg": str("EdDSA"), "use": str("sig")}})}),
	}
}
