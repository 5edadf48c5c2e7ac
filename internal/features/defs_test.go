package features

import (
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/synth"
)

func TestDefaultSetLoads(t *testing.T) {
	t.Parallel()
	s, err := DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "features/v1" || len(s.Defs) < 30 {
		t.Fatalf("set %s with %d definitions", s.Version, len(s.Defs))
	}
	if !s.readsLoans() {
		t.Fatal("the default set reads no loans: financing history is not covered")
	}
}

// Every catalogue category the synthetic region produces facts of has a
// feature reading an item of that category.
func TestDefaultSetCoversSynthCategories(t *testing.T) {
	t.Parallel()
	s, err := DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	items, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	catOf := map[string]catalog.Category{}
	for _, it := range items {
		catOf[it.Code] = it.Category
	}
	read := map[catalog.Category]bool{}
	for _, d := range s.Defs {
		for _, it := range d.Items {
			read[catOf[it]] = true
		}
	}
	for _, it := range synth.Items() {
		c, ok := catOf[it.Code]
		if !ok {
			t.Errorf("synthetic item %s is not in the default catalogue", it.Code)
			continue
		}
		if !read[c] {
			t.Errorf("no feature reads category %s (synthetic item %s)", c, it.Code)
		}
	}
}

func TestLoadRejects(t *testing.T) {
	t.Parallel()
	items, err := catalog.Defaults()
	if err != nil {
		t.Fatal(err)
	}
	const head = `{"version":"features/v1","categories":[{"code":"tax","name_zh":"纳税","name_en":"Tax"}],"features":[`
	const texts = `"name_zh":"z","name_en":"e","meaning_zh":"z","meaning_en":"e"`
	cases := []struct {
		name, def, want string
	}{
		{"unknown operator", `{"name":"a","category":"tax","kind":"numeric","unit":"fen",` + texts + `,"items":["tax.vat_sales"],"op":"median"}`, `unknown operator "median"`},
		{"unknown item", `{"name":"a","category":"tax","kind":"numeric","unit":"fen",` + texts + `,"items":["tax.nope"],"op":"sum_months","params":{"months":3}}`, `unknown catalogue item "tax.nope"`},
		{"wrong shape", `{"name":"a","category":"tax","kind":"numeric","unit":"count",` + texts + `,"items":["tax.vat_sales"],"op":"count_events"}`, "cannot read measure item"},
		{"missing months", `{"name":"a","category":"tax","kind":"numeric","unit":"fen",` + texts + `,"items":["tax.vat_sales"],"op":"sum_months"}`, "params.months >= 1"},
		{"wrong kind", `{"name":"a","category":"tax","kind":"categorical","unit":"",` + texts + `,"items":["tax.vat_sales"],"op":"sum_months","params":{"months":3}}`, `kind "categorical"`},
		{"unknown category", `{"name":"a","category":"weather","kind":"numeric","unit":"fen",` + texts + `,"items":["tax.vat_sales"],"op":"sum_months","params":{"months":3}}`, `unknown category "weather"`},
		{"bad name", `{"name":"VatSales","category":"tax","kind":"numeric","unit":"fen",` + texts + `,"items":["tax.vat_sales"],"op":"sum_months","params":{"months":3}}`, "snake_case"},
		{"unknown field", `{"name":"a","category":"tax","kind":"numeric","unit":"fen",` + texts + `,"items":["tax.vat_sales"],"op":"sum_months","params":{"months":3,"lag":1}}`, `unknown field "lag"`},
		{"loan op on a fact item", `{"name":"a","category":"tax","kind":"numeric","unit":"count",` + texts + `,"items":["tax.vat_sales"],"op":"loan_count"}`, `reads item "loan" only`},
		{"no meaning", `{"name":"a","category":"tax","kind":"numeric","unit":"fen","name_zh":"z","name_en":"e","items":["tax.vat_sales"],"op":"sum_months","params":{"months":3}}`, "meaning_zh"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Load([]byte(head+tc.def+`]}`), items)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tc.want)
			}
		})
	}
	t.Run("duplicate", func(t *testing.T) {
		t.Parallel()
		d := `{"name":"a","category":"tax","kind":"numeric","unit":"fen",` + texts + `,"items":["tax.vat_sales"],"op":"sum_months","params":{"months":3}}`
		if _, err := Load([]byte(head+d+","+d+`]}`), items); err == nil || !strings.Contains(err.Error(), "defined twice") {
			t.Fatalf("err = %v", err)
		}
	})
}

// FuzzLoad: the loader never panics, and whatever it accepts passes its
// own validation again and names every feature uniquely.
func FuzzLoad(f *testing.F) {
	items, err := catalog.Defaults()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(v1JSON)
	f.Add([]byte(`{"version":"features/v1","categories":[],"features":[]}`))
	f.Add([]byte(`{"version":"features/v2","categories":[{"code":"tax","name_zh":"纳税","name_en":"Tax"}],"features":[{"name":"a","category":"tax","kind":"numeric","unit":"fen","name_zh":"z","name_en":"e","meaning_zh":"z","meaning_en":"e","items":["tax.vat_sales"],"op":"sum_months","params":{"months":3}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Load(data, items)
		if err != nil {
			return
		}
		if err := s.validate(items); err != nil {
			t.Fatalf("accepted set fails validation: %v", err)
		}
		names := map[string]bool{}
		for _, d := range s.Defs {
			if names[d.Name] {
				t.Fatalf("duplicate %s accepted", d.Name)
			}
			names[d.Name] = true
		}
	})
}
