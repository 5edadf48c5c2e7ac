package bench

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestCUMCMFeatures checks the invoice features of firm E1 against counts
// taken from the file with zcat/grep/awk: 8110 output invoices, 224 of
// them void; invoices end in February 2020, E1's last sale is in January.
func TestCUMCMFeatures(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("..", "..", "..", "shared", "datasets", "cumcm2020c-sme-invoices")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("SKIPPED: the CUMCM invoices are not at %s (%v); the invoice feature check did not run", dir, err)
	}
	tb, err := CUMCMFeatures(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(tb.Rows) != 123 {
		t.Fatalf("%d firms, want 123", len(tb.Rows))
	}
	if slices.Contains(tb.Header, "信誉评级") || tb.Header[len(tb.Header)-1] != "default" {
		t.Fatalf("header %v: the rating leaks the label and must not be a feature", tb.Header)
	}
	defaults := 0
	for _, r := range tb.Rows {
		if r[len(r)-1] == "1" {
			defaults++
		}
	}
	if defaults != 27 {
		t.Errorf("%d defaults, want 27", defaults)
	}
	e1 := tb.Rows[0]
	get := func(col string) string { return e1[tb.Col(col)] }
	if e1[0] != "E1" || get("sales_invoices") != "8110" || get("sales_void_share") != "0.027620222" || get("sales_months_since_last") != "1" {
		t.Errorf("E1: firm %s invoices %s void share %s months since last sale %s", e1[0], get("sales_invoices"), get("sales_void_share"), get("sales_months_since_last"))
	}
}
