package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/scoring"
)

// Score sentinels: the reason value (text) and the points (number) of
// each stored score. Enterprise 1 has an old score (as of 2019-06-30,
// inside the out_of_range_dates grant's range) and a current one;
// enterprise 2 has one nobody reading enterprise 1 may see.
var scoreSentinels = []struct {
	ent    int
	text   string
	points float64
	asOf   time.Time
}{
	{1, "SCOREQ1OLDZ", 7_319_001, time.Date(2019, 6, 30, 12, 0, 0, 0, time.UTC)},
	{1, "SCOREQ1NEWZ", 7_319_002, time.Now().UTC().Add(-time.Hour)},
	{2, "SCOREQ2NEWZ", 7_319_003, time.Now().UTC().Add(-time.Hour)},
}

func storeMatrixScores(t *testing.T, w *matrixWorld) {
	t.Helper()
	var ss []scoring.Score
	for _, s := range scoreSentinels {
		id := w.e1.ID
		if s.ent == 2 {
			id = w.e2.ID
		}
		ss = append(ss, scoring.Score{EnterpriseID: id, AsOf: s.asOf, ComputedAt: time.Now().UTC(), Points: s.points, Grade: "BBB",
			IndicatorScore: 61, IndicatorGrade: "BBB", IndicatorVer: "matrix", FeatureSet: "features/v1", Cause: "matrix",
			Reasons: []scoring.Reason{{Variable: "tax_credit_grade", Value: s.text, Bin: "C", Points: 1, Lost: 23, Source: "indicator",
				NameZH: "纳税信用等级", NameEN: "Tax credit grade"}},
			Features: scoring.Features{Cat: map[string]string{"tax_credit_grade": s.text}}})
	}
	if err := w.n.Store.AppendScores(context.Background(), ss); err != nil {
		t.Fatal(err)
	}
}

// scoreExpect is the oracle for reading enterprise 1's score item
// (financing.credit_evaluation: L3, conditional, not public, the
// platform's own item) under loan_application: which sentinels must
// show (want) and which may not (the rest).
func scoreExpect(c caller) (status int, want map[int]bool) {
	deny := func(s int) (int, map[int]bool) { return s, nil }
	switch c.kind {
	case "anon":
		return deny(http.StatusUnauthorized)
	case "apikey_noscope", "other_enterprise", "department":
		return deny(http.StatusForbidden)
	case "operator", "auditor", "self":
		return http.StatusOK, map[int]bool{1: true}
	case "institution":
		if c.tier < 3 {
			return deny(http.StatusForbidden)
		}
		switch c.state {
		case "active":
			return http.StatusOK, map[int]bool{1: true}
		case "out_of_range_dates":
			return http.StatusOK, map[int]bool{0: true} // the 2019 score is inside the range
		}
		return deny(http.StatusForbidden)
	}
	panic("unknown caller kind " + c.kind)
}

// checkScoreBody fails on a sentinel that must not be in body and on a
// wanted one that is missing; allowed ones may appear either way.
func checkScoreBody(t *testing.T, label, body string, want, allowed map[int]bool) {
	t.Helper()
	for i, s := range scoreSentinels {
		num := fmt.Sprintf("%d", int64(s.points))
		has := strings.Contains(body, s.text) || strings.Contains(body, num)
		switch {
		case want[i] && !(strings.Contains(body, s.text) || strings.Contains(body, num)):
			t.Errorf("%s: score sentinel %s should be visible but is missing", label, s.text)
		case !want[i] && !allowed[i] && has:
			t.Errorf("LEAK %s: score sentinel %s (enterprise %d) in the body", label, s.text, s.ent)
		}
	}
	// The item sentinels of the data matrix never come with a score.
	checkBodyAllowing(t, label, body, nil, nil)
}

// TestScoreAuthorizationMatrix reads enterprise 1's score as every caller
// of the authorization matrix through the score API, the score page and
// the data API (item financing.credit_evaluation): status by the oracle,
// and no score the caller may not see in any body.
func TestScoreAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	w := newMatrixWorld(t, "sqlite", []int{1, 2, 3, 4}, authStates)
	storeMatrixScores(t, w)
	cases, leaks := 0, 0
	for _, c := range w.callers {
		status, want := scoreExpect(c)
		q := url.Values{}
		if c.kind == "institution" || c.kind == "apikey_noscope" {
			q.Set("purpose", access.PurposeLoan)
		}
		// The score API: the latest score within the caller's range.
		path := "/api/v1/enterprises/" + w.e1.Code + "/score?" + q.Encode()
		rec := do(t, w.h, "GET", path, c.a, "", nil)
		label := fmt.Sprintf("%s GET %s", c.name, path)
		if rec.Code != status {
			t.Errorf("%s: status %d, want %d: %.300s", label, rec.Code, status, rec.Body)
		}
		checkScoreBody(t, label, rec.Body.String(), want, nil)
		cases++
		leaks++
		// The data API: the score history within the caller's range.
		dq := url.Values{"items": {scoring.ItemCode}}
		for k, v := range q {
			dq[k] = v
		}
		path = "/api/v1/enterprises/" + w.e1.Code + "/data?" + dq.Encode()
		rec = do(t, w.h, "GET", path, c.a, "", nil)
		label = fmt.Sprintf("%s GET %s", c.name, path)
		if rec.Code != status {
			t.Errorf("%s: status %d, want %d: %.300s", label, rec.Code, status, rec.Body)
		}
		allowed := map[int]bool{}
		if status == http.StatusOK && want[1] {
			allowed[0] = true // the whole history, within the range
		}
		checkScoreBody(t, label, rec.Body.String(), want, allowed)
		cases++
		leaks++
		// The score page, for web sessions.
		if !c.session && c.kind != "anon" {
			continue
		}
		path = "/enterprises/" + w.e1.Code + "/score?" + q.Encode()
		rec = do(t, w.h, "GET", path, c.a, "", nil)
		label = fmt.Sprintf("%s GET %s", c.name, path)
		switch {
		case status == http.StatusOK && rec.Code != http.StatusOK:
			t.Errorf("%s: status %d, want 200: %.300s", label, rec.Code, rec.Body)
		case status != http.StatusOK && rec.Code == http.StatusOK:
			t.Errorf("%s: status 200, want a refusal", label)
		}
		checkScoreBody(t, label, rec.Body.String(), want, nil)
		cases++
		leaks++
	}
	t.Logf("score matrix (sqlite): %d callers, %d cases, %d bodies checked for leaks", len(w.callers), cases, leaks)
}
