package bench

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"
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
	if res = run(); res.Seeded || res.Enterprises != 30 || res.Answers == 0 {
		t.Fatalf("second run: %+v", res)
	}
}
