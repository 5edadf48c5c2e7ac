package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// TestVerificationAPIAndOfflineCheck asks verification questions through
// POST /api/v1/verifications as a bank, checks that no value reaches it,
// and verifies the attestations offline with `creditbridge attestation
// verify` against the node's JWKS endpoint (and a JWKS file).
func TestVerificationAPIAndOfflineCheck(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	thisMonth := time.Date(time.Now().Year(), time.Now().Month(), 1, 0, 0, 0, 0, time.UTC)
	ent := w.ownEnt.ID
	const amount = 7_654_321_09 // fen: the value that must never leave
	if err := w.n.Store.AppendFacts(ctx, []facts.Fact{
		{EnterpriseID: ent, Item: "judicial.enforcement", Shape: facts.Event, Period: thisMonth.AddDate(0, -5, 3), Num: amount, Ref: "(2026)苏05执123号",
			Source: "court", Batch: "court-1", ReceivedAt: thisMonth.AddDate(0, -4, 0), Version: 1},
		{EnterpriseID: ent, Item: "tax.credit_grade", Shape: facts.Attribute, Period: thisMonth.AddDate(0, -7, 0), Num: 87, Text: "B",
			Source: "tax", Batch: "tax-1", ReceivedAt: thisMonth.AddDate(0, -7, 2), Version: 1},
	}); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		Question    string `json:"question"`
		Answer      string `json:"answer"`
		Attestation string `json:"attestation"`
	}
	type response struct {
		Answers []answer `json:"answers"`
	}
	questions := `["has_enforcement_case", "tax_credit_grade in [\"A\", \"B\"]", "years_since_founding between 3 and 100", "tax_credit_grade == \"A\""]`
	ask := func(who, body string, want int, hdr map[string]string) (response, string) {
		t.Helper()
		rec := do(t, w.h, "POST", "/api/v1/verifications", w.actors[who], body, hdr)
		if rec.Code != want {
			t.Fatalf("%s: POST /api/v1/verifications = %d %s, want %d", who, rec.Code, rec.Body, want)
		}
		var r response
		if want == 200 {
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
		}
		return r, rec.Body.String()
	}
	// The bank asks under huawei's authorization (verification mode).
	grant(t, w.h, w.actors["institution_officer"], w.actors["enterprise_admin"], grantBody("judicial.", "tax.", "registration."))
	r, body := ask("institution_officer", `{"credit_code":"`+huawei+`","purpose":"loan_application","questions":`+questions+`}`, 200, nil)
	var got []string
	for _, a := range r.Answers {
		got = append(got, a.Answer)
	}
	if strings.Join(got, ",") != "true,true,true,false" {
		t.Fatalf("answers %v, want true,true,true,false", got)
	}
	// No value, in the body or inside the signed claims.
	for _, a := range r.Answers {
		parts := strings.Split(a.Attestation, ".")
		payload, err := base64.RawURLEncoding.DecodeString(parts[1])
		if err != nil {
			t.Fatal(err)
		}
		body += string(payload)
	}
	for _, leak := range []string{"765432109", "7654321.09", "苏05执123号", `"num"`, `"score"`} {
		if strings.Contains(body, leak) {
			t.Fatalf("the response or its claims contain %q", leak)
		}
	}
	ask("apikey", `{"credit_code":"`+huawei+`","purpose":"loan_application","questions":["has_enforcement_case"]}`, 200, nil)
	ask("apikey_noscope", `{"credit_code":"`+huawei+`","purpose":"loan_application","questions":["has_enforcement_case"]}`, 403, nil)
	_, body = ask("institution_officer", `{"credit_code":"`+huawei+`","purpose":"loan_application","questions":["vat_sales_12m >= 1"]}`, 403,
		map[string]string{"Accept-Language": "zh-CN"})
	if !strings.Contains(body, "access.grade_above_tier") || !strings.Contains(body, "访问等级") {
		t.Fatalf("above-tier question: %s", body)
	}
	_, body = ask("institution_officer", `{"credit_code":"`+huawei+`","purpose":"loan_application","questions":["tax_paid_12m % 2 == 0"]}`, 400,
		map[string]string{"Accept-Language": "en"})
	if !strings.Contains(body, "verify.question_form") || !strings.Contains(body, "Question 1") {
		t.Fatalf("arithmetic question: %s", body)
	}
	es, err := w.n.Store.ListAudit(ctx, audit.Filter{EnterpriseID: ent, Action: "verification.", Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, e := range es {
		kinds[e.Action+"/"+string(e.Outcome)]++
	}
	if kinds["verification.answer/ok"] != 2 || kinds["verification.read/ok"] != 2 || kinds["verification.read/denied"] != 2 {
		t.Fatalf("evidence %v", kinds)
	}

	rec := do(t, w.h, "GET", "/api/v1/verifications/variables", w.actors["institution_officer"], "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"tax_paid_12m"`) || !strings.Contains(rec.Body.String(), `"unit":"yuan"`) ||
		!strings.Contains(rec.Body.String(), "legal_rep_id_matches") {
		t.Fatalf("GET /api/v1/verifications/variables = %d %s", rec.Code, rec.Body)
	}

	// The JWKS is public; the CLI checks an attestation against it.
	srv := serve(t, w.h)
	rec = do(t, w.h, "GET", "/.well-known/jwks.json", actor{}, "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"crv":"Ed25519"`) {
		t.Fatalf("GET /.well-known/jwks.json = %d %s", rec.Code, rec.Body)
	}
	dir := t.TempDir()
	tok := filepath.Join(dir, "answer.jws")
	jwksFile := filepath.Join(dir, "jwks.json")
	if err := os.WriteFile(tok, []byte(r.Answers[1].Attestation+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(jwksFile, rec.Body.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		code := app.Run(ctx, app.Env{Args: args, Stdout: &out, Stderr: &errb})
		return code, out.String(), errb.String()
	}
	for _, ref := range []string{srv.URL + "/.well-known/jwks.json", jwksFile} {
		code, out, stderr := run("attestation", "verify", tok, "--jwks", ref, "--data-dir", dir)
		if code != 0 || !strings.Contains(out, `"valid": true`) || !strings.Contains(out, `"answer": "true"`) ||
			!strings.Contains(out, `tax_credit_grade in [\"A\", \"B\"]`) || !strings.Contains(out, huawei) {
			t.Fatalf("verify with %s: exit %d\n%s\n%s", ref, code, out, stderr)
		}
	}
	// The node's own public key file works too (the default trust).
	if code, out, stderr := run("attestation", "verify", tok, "--data-dir", w.n.Config.DataDir); code != 0 {
		t.Fatalf("verify with the node's key file: exit %d\n%s\n%s", code, out, stderr)
	}
	// Tampered: the answer flipped inside the payload.
	parts := strings.Split(r.Answers[3].Attestation, ".")
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	forged := bytes.Replace(payload, []byte(`"answer":"false"`), []byte(`"answer":"true"`), 1)
	if bytes.Equal(forged, payload) {
		t.Fatalf("payload has no false answer to flip: %s", payload)
	}
	if err := os.WriteFile(tok, []byte(parts[0]+"."+base64.RawURLEncoding.EncodeToString(forged)+"."+parts[2]), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, stderr := run("attestation", "verify", tok, "--jwks", jwksFile, "--data-dir", dir)
	if code != 1 || !strings.Contains(stderr, "INVALID") || !strings.Contains(stderr, "签名") || strings.Contains(out, "valid") {
		t.Fatalf("tampered attestation: exit %d\n%s\n%s", code, out, stderr)
	}
	if code, _, stderr := run("attestation", "verify", "--jwks", jwksFile); code != 2 || !strings.Contains(stderr, "FILE") {
		t.Fatalf("no file: exit %d %s", code, stderr)
	}
}
