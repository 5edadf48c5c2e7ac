package bench

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/creditcode"
)

func TestStoreOnSQLitePrintsOneJSONObjectWithEveryRatePositive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.db")
	var out bytes.Buffer
	if err := Store(t.Context(), path, 200, &out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(strings.TrimSpace(out.String()), "\n"); lines != 0 {
		t.Fatalf("output has %d lines, want one JSON object on one line:\n%s", lines+1, out.String())
	}
	var raw map[string]any
	if err := json.Unmarshal(out.Bytes(), &raw); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	for _, key := range []string{"backend", "enterprises", "store_register_per_sec", "store_lookup_per_sec",
		"baseline_insert_per_sec", "baseline_lookup_per_sec", "baseline_insert_tx_per_sec", "ratio_register", "ratio_register_tx", "ratio_lookup",
		"go_version", "cpus", "started_at"} {
		if _, ok := raw[key]; !ok {
			t.Errorf("output lacks %q: %s", key, out.String())
		}
	}
	var res Result
	dec := json.NewDecoder(&out)
	dec.DisallowUnknownFields()
	if err := dec.Decode(&res); err != nil {
		t.Fatalf("output is not a Result: %v", err)
	}
	if res.Backend != "sqlite" || res.Enterprises != 200 || res.GoVersion == "" || res.CPUs <= 0 || res.StartedAt == "" {
		t.Fatalf("result = %+v", res)
	}
	for name, v := range map[string]float64{
		"store_register_per_sec": res.StoreRegisterPerSec, "store_lookup_per_sec": res.StoreLookupPerSec,
		"baseline_insert_per_sec": res.BaselineInsertPerSec, "baseline_lookup_per_sec": res.BaselineLookupPerSec,
		"ratio_register": res.RatioRegister, "ratio_lookup": res.RatioLookup, "baseline_insert_tx_per_sec": res.BaselineInsertTxPerSec, "ratio_register_tx": res.RatioRegisterTx,
	} {
		if !(v > 0) {
			t.Errorf("%s = %v, want > 0", name, v)
		}
	}
}

func TestStoreRefusesASQLiteFileThatHoldsEnterprises(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bench.db")
	if err := Store(t.Context(), path, 5, &bytes.Buffer{}); err != nil {
		t.Fatal(err)
	}
	if err := Store(t.Context(), path, 5, &bytes.Buffer{}); err == nil {
		t.Fatal("a second run into the same file succeeded; want a refusal")
	}
}

func TestStoreOnPostgresDropsItsSchema(t *testing.T) {
	url := os.Getenv("CREDITBRIDGE_TEST_POSTGRES_URL")
	if url == "" {
		t.Skip("CREDITBRIDGE_TEST_POSTGRES_URL not set: PostgreSQL bench test SKIPPED")
	}
	var out bytes.Buffer
	if err := Store(t.Context(), url, 50, &out); err != nil {
		t.Fatal(err)
	}
	var res Result
	if err := json.Unmarshal(out.Bytes(), &res); err != nil || res.Backend != "postgres" || !(res.RatioLookup > 0) {
		t.Fatalf("result %+v, err %v", res, err)
	}
}

func TestGeneratedCodesAreValidAndDistinct(t *testing.T) {
	recs, err := generate(2000)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		if !creditcode.Valid(r.Code) {
			t.Fatalf("invalid code %s", r.Code)
		}
		if seen[r.Code] {
			t.Fatalf("duplicate code %s", r.Code)
		}
		seen[r.Code] = true
		if got := creditcode.OrgCodeCheck(r.Code[8:16]); got != r.Code[16] {
			t.Fatalf("code %s: organisation code check %c, want %c", r.Code, r.Code[16], got)
		}
	}
}

func TestOrgCodeCheckMatchesPublishedCodes(t *testing.T) {
	// Organisation codes inside real unified social credit codes.
	for _, c := range []string{"914403001922038216", "91110108551385082Q"} {
		if got := creditcode.OrgCodeCheck(c[8:16]); got != c[16] {
			t.Errorf("%s: check of %s = %c, want %c", c, c[8:16], got, c[16])
		}
	}
}
