package indicator

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
)

// TestValidateRejectsBadSystems breaks a valid system in one way per case
// and checks the problem is reported at its path, with its code, and
// reads as a complete sentence in both languages (no placeholder left).
func TestValidateRejectsBadSystems(t *testing.T) {
	t.Parallel()
	cat, err := i18n.New(i18n.ZH, Messages)
	if err != nil {
		t.Fatal(err)
	}
	known := map[string]bool{"x": true, "g": true, "n": true}
	cases := []struct {
		name   string
		break_ func(s *System)
		field  string
		code   string
		wantEN string // part of the English message
		wantZH string // part of the Chinese message
	}{
		{"dimension weights not summing to 100", func(s *System) { s.Dimensions[1].Weight = 30 },
			"dimensions", "indicator.dimension_weights_sum", "sum to 90", "之和为 90"},
		{"indicator weights not summing to 100", func(s *System) { s.Dimensions[0].Indicators[1].Weight = 40 },
			"dimensions[0].indicators", "indicator.indicator_weights_sum", "in scale sum to 90", "维度 scale 内各指标权重之和为 90"},
		{"a zero weight", func(s *System) {
			s.Dimensions[0].Indicators[0].Weight, s.Dimensions[0].Indicators[1].Weight = 0, 100
		}, "dimensions[0].indicators[0].weight", "indicator.weight", "more than 0", "大于 0"},
		{"unknown scoring function", func(s *System) { s.Dimensions[1].Indicators[0].Score.Kind = "sigmoid" },
			"dimensions[1].indicators[0].score.kind", "indicator.function_unknown", `"sigmoid"`, "“sigmoid”"},
		{"a field of another function", func(s *System) { s.Dimensions[1].Indicators[0].Score.Points = []Point{{0, 1}, {1, 2}} },
			"dimensions[1].indicators[0].score.points", "indicator.function_field", "points does not belong to a count_penalty", "字段 points 不属于 count_penalty"},
		{"unknown feature", func(s *System) { s.Dimensions[0].Indicators[0].Feature = "sales_growth" },
			"dimensions[0].indicators[0].feature", "indicator.feature_unknown", "no feature named sales_growth", "没有名为 sales_growth 的特征"},
		{"a feature name that is not snake_case", func(s *System) { s.Dimensions[0].Indicators[0].Feature = "SalesGrowth" },
			"dimensions[0].indicators[0].feature", "indicator.feature_name", "snake_case", "小写下划线"},
		{"non-monotone breakpoints", func(s *System) {
			s.Dimensions[0].Indicators[0].Score.Points = []Point{{0, 0}, {50, 40}, {30, 60}, {100, 100}}
		}, "dimensions[0].indicators[0].score.points[2].x", "indicator.breakpoints_order", "30 does not come after 50", "30 未大于前一分点 50"},
		{"a repeated breakpoint", func(s *System) {
			s.Dimensions[0].Indicators[0].Score.Points = []Point{{0, 0}, {50, 40}, {50, 60}, {100, 100}}
		}, "dimensions[0].indicators[0].score.points[2].x", "indicator.breakpoints_order", "50 does not come after 50", "严格递增"},
		{"scores against the declared trend", func(s *System) {
			s.Dimensions[0].Indicators[0].Score.Points = []Point{{0, 0}, {50, 60}, {100, 40}}
		}, "dimensions[0].indicators[0].score", "indicator.trend_broken", "increasing trend at breakpoint 2", "第 2 个分点"},
		{"a single breakpoint", func(s *System) { s.Dimensions[0].Indicators[0].Score.Points = []Point{{0, 0}} },
			"dimensions[0].indicators[0].score.points", "indicator.breakpoints_few", "at least 2", "至少需要 2 个"},
		{"a score above 100", func(s *System) { s.Dimensions[0].Indicators[1].Score.Map["A"] = 120 },
			"dimensions[0].indicators[1].score.map.A", "indicator.score_range", "not 120", "而不是 120"},
		{"a categorical function without Other", func(s *System) { s.Dimensions[0].Indicators[1].Score.Other = nil },
			"dimensions[0].indicators[1].score.other", "indicator.category_other", "any other category", "其他类别"},
		{"steps out of order", func(s *System) {
			s.Dimensions[1].Indicators[0].Score = Function{Kind: KindSteps, Below: ptr(100), Steps: []Step{{0, 100}, {3, 30}, {1, 60}}}
		}, "dimensions[1].indicators[0].score.steps[2].from", "indicator.breakpoints_order", "1 does not come after 3", "1 未大于前一分点 3"},
		{"an unknown missing policy", func(s *System) { s.Dimensions[1].Indicators[0].Missing = Missing{Policy: "zero"} },
			"dimensions[1].indicators[0].missing.policy", "indicator.missing_policy", `not "zero"`, "而不是“zero”"},
		{"a score policy without a score", func(s *System) { s.Dimensions[0].Indicators[0].Missing.Score = nil },
			"dimensions[0].indicators[0].missing.score", "indicator.missing_score", "must state the score", "须给出缺失时的分值"},
		{"grades out of order", func(s *System) { s.Grades[3].Min = 75 },
			"grades[3].min", "indicator.grade_order", "lower bound of BBB", "BBB 级的下限"},
		{"a grade missing", func(s *System) { s.Grades = s.Grades[:8] },
			"grades", "indicator.grades", "AAA, AA, A, BBB, BB, B, CCC, CC, C", "AAA, AA, A, BBB, BB, B, CCC, CC, C"},
		{"the lowest grade not starting at 0", func(s *System) { s.Grades[8].Min = 5 },
			"grades[8].min", "indicator.grade_floor", "start at 0", "下限应为 0"},
		{"a duplicate indicator code", func(s *System) { s.Dimensions[0].Indicators[1].Code = "level" },
			"dimensions[0].indicators[1].code", "indicator.duplicate", "level is used twice", "代码 level 重复使用"},
		{"a wrong format", func(s *System) { s.Format = "v0" },
			"format", "indicator.format", Format, Format},
		{"an empty Chinese explanation", func(s *System) { s.Dimensions[0].Indicators[0].ExplainZH = " " },
			"dimensions[0].indicators[0].explain_zh", "indicator.text", "must have 1 to 1000 characters", "应为 1 至 1000 个字符"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := small()
			c.break_(s)
			err := s.Validate(known)
			var fe *fault.FieldsError
			if !errors.As(err, &fe) || fault.KindOf(err) != fault.Invalid {
				t.Fatalf("Validate = %v, want an Invalid FieldsError", err)
			}
			var found *fault.FieldError
			for i, f := range fe.Fields {
				if f.Field == c.field && f.Err.Code == c.code {
					found = &fe.Fields[i]
				}
			}
			if found == nil {
				t.Fatalf("no %s at %s among %v", c.code, c.field, err)
			}
			en, zh := cat.TMap(i18n.EN, c.code, found.Err.Params), cat.TMap(i18n.ZH, c.code, found.Err.Params)
			if !strings.Contains(en, c.wantEN) || !strings.Contains(zh, c.wantZH) {
				t.Errorf("messages %q / %q; want them to contain %q / %q", en, zh, c.wantEN, c.wantZH)
			}
			if strings.ContainsAny(en+zh, "{}") {
				t.Errorf("a placeholder is left in %q / %q", en, zh)
			}
		})
	}
}

func TestParseRejectsWhatIsNotASystem(t *testing.T) {
	t.Parallel()
	good, err := small().Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Parse(good); err != nil {
		t.Fatalf("Parse(canonical small system) = %v", err)
	}
	cases := map[string]struct {
		data   string
		detail string
	}{
		"not JSON":               {"{", "unexpected end"},
		"an unknown field":       {strings.Replace(string(good), `"grades"`, `"grade_cuts"`, 1), `unknown field "grade_cuts"`},
		"trailing data":          {string(good) + "{}", "data after the end of the object"},
		"a wrong type":           {strings.Replace(string(good), `"weight":60`, `"weight":"60"`, 1), "wrong type for dimensions.weight"},
		"an array, not a system": {"[]", "wrong type for "},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Parse([]byte(c.data))
			fe, ok := fault.As(err)
			if !ok || fe.Code != "indicator.json" || !strings.Contains(fe.Params["detail"], c.detail) {
				t.Fatalf("Parse = %v, want indicator.json with detail %q", err, c.detail)
			}
		})
	}
	if _, err := Parse(make([]byte, maxBody+1)); fault.KindOf(err) != fault.Invalid {
		t.Errorf("Parse(1 MiB + 1) = %v, want Invalid", err)
	}
}

func TestCanonicalRoundTrips(t *testing.T) {
	t.Parallel()
	sys, err := Default()
	if err != nil {
		t.Fatal(err)
	}
	b1, err := sys.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	again, err := Parse(b1)
	if err != nil {
		t.Fatal(err)
	}
	b2, err := again.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	if string(b1) != string(b2) || Digest(b1) != Digest(b2) {
		t.Fatal("canonical JSON changes on a round trip")
	}
}

// Every code this package (or the store, for indicator.*) returns has a
// message in both languages: codes are collected from the sources.
func TestEveryCodeHasAMessage(t *testing.T) {
	t.Parallel()
	re := regexp.MustCompile(`"(indicator\.[a-z_]+)"`)
	files, _ := filepath.Glob("*.go")
	files = append(files, "../store/sqldb/indicator.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "messages.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if m[1] == ActionLoadDefault || m[1] == ActionImport || m[1] == ActionActivate {
				continue // evidence actions, not error codes
			}
			if msg, ok := Messages[m[1]]; !ok || msg[0] == "" || msg[1] == "" {
				t.Errorf("%s: code %s has no message in both languages", f, m[1])
			}
		}
	}
}
