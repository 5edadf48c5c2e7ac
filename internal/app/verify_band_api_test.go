package app_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	vf "github.com/creditbridge/creditbridge/internal/verify"
)

// TestVerificationBandsAPI asks band questions through POST
// /api/v1/verifications: the answer is a band label (or unknown) with its
// scale, signed in the attestation; a band counts as two thresholds
// against the item's limit; the variables list documents band(NAME).
func TestVerificationBandsAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	grant(t, w.h, w.actors["institution_officer"], w.actors["enterprise_admin"], grantBody("judicial.", "tax.", "registration."))
	type answer struct {
		Question    string `json:"question"`
		Answer      string `json:"answer"`
		Band        string `json:"band"`
		Attestation string `json:"attestation"`
	}
	ask := func(questions string, want int) ([]answer, string) {
		t.Helper()
		rec := do(t, w.h, "POST", "/api/v1/verifications", w.actors["institution_officer"],
			`{"credit_code":"`+huawei+`","purpose":"loan_application","questions":`+questions+`}`, nil)
		if rec.Code != want {
			t.Fatalf("POST /api/v1/verifications %s = %d %s, want %d", questions, rec.Code, rec.Body, want)
		}
		var r struct{ Answers []answer }
		if want == 200 {
			if err := json.Unmarshal(rec.Body.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
		}
		return r.Answers, rec.Body.String()
	}
	// (The world's bank may read registration items; tax amounts are
	// graded above its tier.)
	as, _ := ask(`["band(years_since_founding)"]`, 200)
	if len(as) != 1 || as[0].Band != "years" || !vf.IsBandLabel(as[0].Answer) {
		t.Fatalf("answers %+v: want a years band", as)
	}
	rec := do(t, w.h, "GET", "/.well-known/jwks.json", actor{}, "", nil)
	set, err := vf.ParseJWKS(rec.Body.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	c, err := vf.Verify(as[0].Attestation, set, time.Now())
	if err != nil || c.Answer != as[0].Answer || c.Band != "years" || c.Question != "band(years_since_founding)" {
		t.Fatalf("attestation %+v %v", c, err)
	}
	// The band took two of the four thresholds of registration.basic: two
	// more pass, a fifth constant is refused.
	ask(`["years_since_founding >= 1", "years_since_founding >= 2"]`, 200)
	_, body := ask(`["years_since_founding >= 50"]`, 429)
	if !strings.Contains(body, "verify.limit_thresholds") {
		t.Fatalf("refusal %s", body)
	}
	// A band of a variable without a scale is a clear 400.
	if _, body := ask(`["band(tax_credit_grade)"]`, 400); !strings.Contains(body, "verify.band_unsupported") {
		t.Fatalf("refusal %s", body)
	}
	// The variables list documents band questions.
	rec = do(t, w.h, "GET", "/api/v1/verifications/variables", w.actors["institution_officer"], "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"name":"band(NAME)"`) {
		t.Fatalf("variables: %d %s", rec.Code, rec.Body)
	}
}
