package verify

import (
	"reflect"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
)

func TestCompileAcceptsTheDocumentedForms(t *testing.T) {
	t.Parallel()
	h := IDHash("110101199003071234")
	cases := []struct {
		name, text string
		vars       []string
		probes     []string // values
	}{
		{"threshold", "tax_paid_12m >= 1000000", []string{"tax_paid_12m"}, []string{"1e+06"}},
		{"constant_first", "1000000 <= tax_paid_12m", []string{"tax_paid_12m"}, []string{"1e+06"}},
		{"decimal", "tax_paid_12m > 999999.5", []string{"tax_paid_12m"}, []string{"999999.5"}},
		{"between", "vat_sales_12m between 5000000 and 20000000", []string{"vat_sales_12m"}, []string{"5e+06", "2e+07"}},
		{"between_in_and", "insured_headcount between 10 and 50 && has_enforcement_case == false", []string{"insured_headcount", "has_enforcement_case"}, []string{"10", "50"}},
		{"bool_bare", "!has_enforcement_case", []string{"has_enforcement_case"}, nil},
		{"in_list", `tax_credit_grade in ["A", "B"]`, []string{"tax_credit_grade"}, []string{"A", "B"}},
		{"legal_rep", `legal_rep_id_matches("` + h + `")`, nil, []string{h}},
		{"years", "years_since_founding >= 3 || arrears_any_12m == false", []string{"years_since_founding", "arrears_any_12m"}, []string{"3"}},
		{"negative", "tax_paid_12m > -1", []string{"tax_paid_12m"}, []string{"-1"}},
		{"string_with_between", `tax_credit_grade == "between"`, []string{"tax_credit_grade"}, []string{"between"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			q, err := Compile(c.text)
			if err != nil {
				t.Fatalf("Compile(%q): %v", c.text, err)
			}
			var vars, probes []string
			for _, v := range q.Vars {
				vars = append(vars, v.Name)
			}
			for _, p := range q.Probes {
				probes = append(probes, p.Value)
			}
			// Vars come in Variables order.
			want := []string{}
			for _, v := range Variables {
				if contains(c.vars, v.Name) {
					want = append(want, v.Name)
				}
			}
			if len(want) == 0 {
				want = nil
			}
			if !reflect.DeepEqual(vars, want) || !reflect.DeepEqual(probes, c.probes) {
				t.Fatalf("Compile(%q): vars %v probes %v, want %v %v", c.text, vars, probes, want, c.probes)
			}
		})
	}
}

func TestCompileRefusesWhatCouldRevealMoreThanOneBit(t *testing.T) {
	t.Parallel()
	cases := []struct{ name, text, code string }{
		{"empty", "  ", "verify.question_empty"},
		{"arithmetic", "tax_paid_12m / 1000 >= 5", "verify.question_form"},
		{"modulo", "tax_paid_12m % 2 == 0", "verify.question_form"},
		{"two_variables", "tax_paid_12m >= vat_sales_12m", "verify.question_form"},
		{"ternary", "tax_paid_12m > 1 ? true : false", "verify.question_form"},
		{"conversion", "int(tax_paid_12m) == 5", "verify.question_form"},
		{"macro", "[1,2].exists(x, x == tax_paid_12m)", "verify.question_form"},
		{"unknown_variable", "profit_12m > 5", "verify.unknown_variable"},
		{"not_boolean", "tax_paid_12m", "verify.question_form"},
		{"string_for_number", `tax_paid_12m == "5"`, "verify.question_type"},
		{"number_for_text", "tax_credit_grade == 5", "verify.question_type"},
		{"order_on_bool", "has_enforcement_case > false", "verify.question_form"},
		{"bad_hash", `legal_rep_id_matches("abc")`, "verify.bad_hash"},
		{"bad_between", "tax_paid_12m between 5", "verify.question_between"},
		{"syntax", "tax_paid_12m >=", "verify.question_syntax"},
		{"constant_only", "true", "verify.question_no_variable"},
		{"long_list", "insured_headcount in [1,2,3,4,5,6,7,8,9]", "verify.question_list"},
		{"too_many_constants", "insured_headcount in [1,2,3,4,5,6,7,8] || insured_headcount == 9", "verify.question_too_many_constants"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(c.text)
			fe, ok := fault.As(err)
			if !ok || fe.Kind != fault.Invalid || fe.Code != c.code {
				t.Fatalf("Compile(%q) = %v, want fault.Invalid %s", c.text, err, c.code)
			}
			if _, ok := Messages[fe.Code]; !ok {
				t.Fatalf("code %s has no message", fe.Code)
			}
		})
	}
}
