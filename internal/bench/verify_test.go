package bench

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/verify"
)

// TestVerifySeedsAnEmptyDatabaseAndAnswers runs the verification
// benchmark briefly on a fresh SQLite file: it must seed the region, get
// answers through the service and baseline lookups, and print one JSON
// object; a second run reuses the data.
func TestVerifySeedsAnEmptyDatabaseAndAnswers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "verify.db")
	run := func() VerifyResult {
		t.Helper()
		var out bytes.Buffer
		if err := Verify(t.Context(), path, VerifyOptions{Concurrency: 2, Duration: 300 * time.Millisecond, Enterprises: 30, Months: 15}, &out); err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(strings.TrimSpace(out.String()), "\n"); lines != 0 {
			t.Fatalf("output has %d lines, want one JSON object:\n%s", lines+1, out.String())
		}
		var res VerifyResult
		dec := json.NewDecoder(&out)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&res); err != nil {
			t.Fatalf("output is not a VerifyResult: %v", err)
		}
		return res
	}
	res := run()
	if !res.Seeded || res.Backend != "sqlite" || res.Enterprises != 30 || res.Answers == 0 || res.BaselineLookups == 0 ||
		res.P50Ms <= 0 || res.P99Ms < res.P50Ms || res.BaselineP99Ms < res.BaselineP50Ms || res.Institutions != benchInstitutions {
		t.Fatalf("first run: %+v", res)
	}
	if ph := res.Phases; ph == nil || ph.BatchMean < 1 || ph.P50["tx"] <= 0 || ph.P50["read"] <= 0 || len(ph.SlowestMean) != len(phaseNames) {
		t.Fatalf("first run's phases: %+v", res.Phases)
	}
	if res = run(); res.Seeded || res.Enterprises != 30 || res.Answers == 0 {
		t.Fatalf("second run: %+v", res)
	}
}

// TestPhaseStatsDescribeTheSlowest: the slowest 1 % is chosen by total
// time, and its means are of those answers only.
func TestPhaseStatsDescribeTheSlowest(t *testing.T) {
	ms := time.Millisecond
	var ts []verify.Timing
	for range 198 {
		ts = append(ts, verify.Timing{Read: ms, Wait: 0, Tx: ms, Wake: 0, Sign: 0, Batch: 1})
	}
	// Two slow answers: one slow in its read, one waiting for a commit.
	ts = append(ts, verify.Timing{Read: 9 * ms, Tx: ms, Batch: 3}, verify.Timing{Read: ms, Wait: 6 * ms, Tx: 2 * ms, Batch: 3})
	ps := phaseStats(ts)
	want := map[string]float64{"read": 5, "wait": 3, "tx": 1.5, "wake": 0, "sign": 0}
	for k, v := range want {
		if ps.SlowestMean[k] != v {
			t.Errorf("slowest mean %s = %v, want %v (all: %v)", k, ps.SlowestMean[k], v, ps.SlowestMean)
		}
	}
	if ps.P50["read"] != 1 || ps.P99["read"] != 1 || ps.P99["wait"] != 0 {
		t.Errorf("p50 %v p99 %v", ps.P50, ps.P99)
	}
	if ps.BatchMean != (198+6)/200.0 {
		t.Errorf("requests per commit %v, want %v", ps.BatchMean, (198+6)/200.0)
	}
	if phaseStats(nil) != nil {
		t.Error("no timings gave stats")
	}
}
