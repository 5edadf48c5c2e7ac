package deptfiles

import (
	"context"
	"testing"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// generated returns a real synthetic region of n enterprises.
func generated(t testing.TB, n int, seed uint64) []synth.Bundle {
	t.Helper()
	g, err := synth.New(synth.Config{Enterprises: n, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	var out []synth.Bundle
	if err := g.Each(context.Background(), func(b synth.Bundle) error {
		out = append(out, b)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestGeneratedRegion writes a generated region of 500 enterprises and
// reads every file back.
func TestGeneratedRegion(t *testing.T) {
	if testing.Short() {
		t.Skip("skipping generated region in -short mode")
	}
	t.Parallel()
	bundles := generated(t, 500, 20261031)
	dir := t.TempDir()
	m := writeRegion(t, dir, Options{Seed: 1}, bundles)
	checkRegion(t, dir, bundles)
	if m.Province != "江苏省" || m.AsOf != "2026-10-31" {
		t.Errorf("province %q as of %s", m.Province, m.AsOf)
	}
	seen := map[string]bool{}
	for _, f := range m.Files {
		seen[f.Dataset] = true
		if f.Dataset == genericSpec.dataset {
			t.Errorf("%s: a generated fact has no file of its own", f.Path)
		}
	}
	for _, d := range []string{"registrations", "shareholders", "tax.returns", "tax.credit_grades", "hrss.contributions",
		"hf.deposits", "grid.electricity", "water.usage", "gas.usage", "penalties", "court_cases", "loans"} {
		if !seen[d] {
			t.Errorf("no %s file", d)
		}
	}
}

// TestItemsHaveFiles checks that every item the generator lists has a
// file of its own for its department.
func TestItemsHaveFiles(t *testing.T) {
	t.Parallel()
	c := newCatalogue()
	for _, it := range synth.Items() {
		if it.Shape == facts.Measure {
			if _, ok := c.measures[[2]string{it.Department, it.Code}]; !ok {
				t.Errorf("measure %s from %s has no column", it.Code, it.Department)
			}
			continue
		}
		f := facts.Fact{Item: it.Code, Shape: it.Shape, Source: it.Department}
		if s := c.factSpec(&f); s == genericSpec {
			t.Errorf("%s %s from %s has no file", it.Shape, it.Code, it.Department)
		}
	}
}
