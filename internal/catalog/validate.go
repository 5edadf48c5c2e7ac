package catalog

import (
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

var (
	codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	deptRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)
)

func invalid(code, msg string) *fault.Error { return fault.New(fault.Invalid, code, msg) }

// Normalize trims text fields and puts modes in canonical order, so that
// two items that mean the same compare equal.
func Normalize(it Item) Item {
	it.Code = strings.TrimSpace(it.Code)
	it.NameZH = strings.TrimSpace(it.NameZH)
	it.NameEN = strings.TrimSpace(it.NameEN)
	it.Category = Category(strings.TrimSpace(string(it.Category)))
	it.Department = strings.TrimSpace(it.Department)
	it.Shape = facts.Shape(strings.TrimSpace(string(it.Shape)))
	it.Unit = strings.TrimSpace(it.Unit)
	it.Frequency = strings.TrimSpace(it.Frequency)
	it.Sharing = Sharing(strings.TrimSpace(string(it.Sharing)))
	it.Disclosure = Disclosure(strings.TrimSpace(string(it.Disclosure)))
	it.LegalBasis = strings.TrimSpace(it.LegalBasis)
	it.EffectiveFrom = strings.TrimSpace(it.EffectiveFrom)
	it.EffectiveTo = strings.TrimSpace(it.EffectiveTo)
	it.Note = strings.TrimSpace(it.Note)
	var modes []Mode
	for _, m := range Modes {
		for _, x := range it.Modes {
			if Mode(strings.TrimSpace(string(x))) == m {
				modes = append(modes, m)
				break
			}
		}
	}
	// Unknown modes are kept (after the known ones) so Validate can name them.
	for _, x := range it.Modes {
		if x := Mode(strings.TrimSpace(string(x))); !slices.Contains(Modes, x) {
			modes = append(modes, x)
		}
	}
	it.Modes = modes
	return it
}

// Equal reports whether two items have the same content.
func Equal(a, b Item) bool {
	a, b = Normalize(a), Normalize(b)
	return reflect.DeepEqual(a, b)
}

// Validate checks an item (normalized first) and returns every problem as
// one fault.Invalid carrying per-field errors.
func Validate(it Item) (Item, error) {
	it = Normalize(it)
	var fs fault.Fields
	if len(it.Code) > 64 || !codeRE.MatchString(it.Code) {
		fs.Add("code", invalid("catalog.code", "the item code must look like tax.vat_sales").With("value", it.Code))
	}
	if n := utf8.RuneCountInString(it.NameZH); n == 0 || n > 100 {
		fs.Add("name_zh", invalid("catalog.name_zh", "the Chinese name must have 1 to 100 characters"))
	}
	if n := utf8.RuneCountInString(it.NameEN); n == 0 || n > 200 {
		fs.Add("name_en", invalid("catalog.name_en", "the English name must have 1 to 200 characters"))
	}
	if !slices.Contains(Categories, it.Category) {
		fs.Add("category", invalid("catalog.category", "unknown category").With("value", string(it.Category)))
	}
	if !deptRE.MatchString(it.Department) {
		fs.Add("department", invalid("catalog.department", "the department code must be 2 to 32 lower-case letters, digits or _").With("value", it.Department))
	}
	if !slices.Contains(Shapes, it.Shape) {
		fs.Add("shape", invalid("catalog.shape", "the shape must be attribute, measure or event").With("value", string(it.Shape)))
	}
	if utf8.RuneCountInString(it.Unit) > 20 {
		fs.Add("unit", invalid("catalog.unit", "the unit must have at most 20 characters"))
	}
	if !slices.Contains(Frequencies, it.Frequency) {
		fs.Add("frequency", invalid("catalog.frequency", "unknown update frequency").With("value", it.Frequency))
	}
	if len(it.Modes) == 0 {
		fs.Add("modes", invalid("catalog.modes_empty", "name at least one sharing mode"))
	}
	for _, m := range it.Modes {
		if !slices.Contains(Modes, m) {
			fs.Add("modes", invalid("catalog.mode", "unknown sharing mode").With("value", string(m)))
		}
	}
	if !slices.Contains(SharingValues, it.Sharing) {
		fs.Add("sharing", invalid("catalog.sharing", "the sharing attribute must be unconditional, conditional or not_shared").With("value", string(it.Sharing)))
	}
	if !slices.Contains(DisclosureValues, it.Disclosure) {
		fs.Add("disclosure", invalid("catalog.disclosure", "the disclosure attribute must be public, on_application or not_public").With("value", string(it.Disclosure)))
	}
	switch {
	case it.Grade < 1 || it.Grade > 4:
		fs.Add("grade", invalid("catalog.grade", "the data grade must be 1 to 4").With("value", strconv.Itoa(it.Grade)))
	case it.Personal && it.Grade < 3:
		// Personal information is at least sensitive (DOMAIN.md §6).
		fs.Add("grade", invalid("catalog.personal_grade", "an item with personal information must be graded L3 or L4"))
	case it.Grade >= 3 && it.Sharing == Unconditional:
		// L3 and L4 need an authorization, so they cannot be shared unconditionally.
		fs.Add("sharing", invalid("catalog.grade_sharing", "items graded L3 or L4 cannot be shared unconditionally"))
	case it.Grade >= 3 && it.Disclosure == Public:
		fs.Add("disclosure", invalid("catalog.grade_disclosure", "items graded L3 or L4 cannot be disclosed publicly"))
	}
	if n := utf8.RuneCountInString(it.LegalBasis); n == 0 || n > 500 {
		fs.Add("legal_basis", invalid("catalog.legal_basis", "name the legal basis (1 to 500 characters)"))
	}
	from, errFrom := time.Parse(time.DateOnly, it.EffectiveFrom)
	if errFrom != nil {
		fs.Add("effective_from", invalid("catalog.date", "the date must look like 2026-01-01").With("value", it.EffectiveFrom))
	}
	if it.EffectiveTo != "" {
		to, err := time.Parse(time.DateOnly, it.EffectiveTo)
		switch {
		case err != nil:
			fs.Add("effective_to", invalid("catalog.date", "the date must look like 2026-01-01").With("value", it.EffectiveTo))
		case errFrom == nil && to.Before(from):
			fs.Add("effective_to", invalid("catalog.date_order", "the end date must not be before the start date"))
		}
	}
	if utf8.RuneCountInString(it.Note) > 1000 {
		fs.Add("note", invalid("catalog.note", "the note must have at most 1000 characters"))
	}
	if err := fs.Err(); err != nil {
		return Item{}, err
	}
	return it, nil
}
