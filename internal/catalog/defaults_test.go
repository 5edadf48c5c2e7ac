package catalog

import (
	"slices"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/synth"
)

func TestDefaultsAreValidAndCoverEveryCategory(t *testing.T) {
	t.Parallel()
	items, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	if len(items) < 40 {
		t.Fatalf("default catalogue has %d items, want at least 40", len(items))
	}
	seen := map[Category]int{}
	for _, it := range items {
		seen[it.Category]++
	}
	for _, c := range Categories {
		if seen[c] == 0 {
			t.Errorf("category %s has no default item", c)
		}
	}
	byCode := map[string]Item{}
	for _, it := range items {
		byCode[it.Code] = it
	}
	lr, ok := byCode["registration.legal_representative"]
	if !ok || !lr.Personal || lr.Grade != 4 {
		t.Errorf("legal representative = %+v, want personal L4", lr)
	}
	if g := byCode["tax.credit_grade"]; g.Shape != "attribute" {
		t.Errorf("tax credit grade = %+v, want an attribute", g)
	}
}

func TestSynthItemsAreInTheDefaultCatalogue(t *testing.T) {
	t.Parallel()
	items, err := Defaults()
	if err != nil {
		t.Fatal(err)
	}
	byCode := map[string]Item{}
	for _, it := range items {
		byCode[it.Code] = it
	}
	for _, s := range synth.Items() {
		it, ok := byCode[s.Code]
		if !ok {
			t.Errorf("synth item %s is not in the default catalogue", s.Code)
			continue
		}
		if it.Shape != s.Shape || it.Unit != s.Unit || it.Department != s.Department || it.Frequency != s.Frequency || it.Personal != s.Personal {
			t.Errorf("%s: catalogue %s/%q/%s/%s/%v, synth %s/%q/%s/%s/%v", s.Code, it.Shape, it.Unit, it.Department, it.Frequency, it.Personal,
				s.Shape, s.Unit, s.Department, s.Frequency, s.Personal)
		}
	}
}

func TestValidateNamesEveryBadField(t *testing.T) {
	t.Parallel()
	good := Item{Code: "tax.vat_sales", NameZH: "增值税", NameEN: "VAT", Category: CatTax, Department: "tax", Shape: "measure",
		Unit: "fen", Frequency: "monthly", Modes: []Mode{ModeInterface, ModePhysical}, Sharing: Conditional, Disclosure: NotPublic,
		Grade: 3, LegalBasis: "《中华人民共和国税收征收管理法》", EffectiveFrom: "2022-01-01"}
	v, err := Validate(good)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(v.Modes, []Mode{ModePhysical, ModeInterface}) {
		t.Fatalf("modes not in canonical order: %v", v.Modes)
	}
	cases := []struct {
		name  string
		edit  func(*Item)
		field string
		code  string
	}{
		{"grade 0", func(i *Item) { i.Grade = 0 }, "grade", "catalog.grade"},
		{"grade 5", func(i *Item) { i.Grade = 5 }, "grade", "catalog.grade"},
		{"personal L2", func(i *Item) { i.Personal, i.Grade = true, 2 }, "grade", "catalog.personal_grade"},
		{"L3 unconditional", func(i *Item) { i.Sharing = Unconditional }, "sharing", "catalog.grade_sharing"},
		{"L3 public", func(i *Item) { i.Disclosure = Public }, "disclosure", "catalog.grade_disclosure"},
		{"bad code", func(i *Item) { i.Code = "VAT" }, "code", "catalog.code"},
		{"bad category", func(i *Item) { i.Category = "misc" }, "category", "catalog.category"},
		{"bad shape", func(i *Item) { i.Shape = "table" }, "shape", "catalog.shape"},
		{"no modes", func(i *Item) { i.Modes = nil }, "modes", "catalog.modes_empty"},
		{"bad mode", func(i *Item) { i.Modes = []Mode{"fax"} }, "modes", "catalog.mode"},
		{"bad frequency", func(i *Item) { i.Frequency = "hourly" }, "frequency", "catalog.frequency"},
		{"no legal basis", func(i *Item) { i.LegalBasis = " " }, "legal_basis", "catalog.legal_basis"},
		{"bad date", func(i *Item) { i.EffectiveFrom = "2022/01/01" }, "effective_from", "catalog.date"},
		{"end before start", func(i *Item) { i.EffectiveTo = "2021-12-31" }, "effective_to", "catalog.date_order"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			it := good
			it.Modes = slices.Clone(good.Modes)
			tc.edit(&it)
			_, err := Validate(it)
			var fe *fault.FieldsError
			if !asFields(err, &fe) {
				t.Fatalf("Validate = %v, want field errors", err)
			}
			found := false
			for _, f := range fe.Fields {
				found = found || (f.Field == tc.field && f.Err.Code == tc.code)
			}
			if !found {
				t.Fatalf("errors %v lack %s %s", fe.Fields, tc.field, tc.code)
			}
		})
	}
}

func TestEveryCodeHasBothLanguages(t *testing.T) {
	t.Parallel()
	for k, v := range Messages {
		if v[0] == "" || v[1] == "" {
			t.Errorf("%s lacks a language", k)
		}
	}
}
