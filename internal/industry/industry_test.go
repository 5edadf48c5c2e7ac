package industry

import (
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
)

func TestSections(t *testing.T) {
	t.Parallel()
	ss := Sections()
	if len(ss) != 20 {
		t.Fatalf("Sections() has %d entries, want 20", len(ss))
	}
	for i, s := range ss {
		if want := string(rune('A' + i)); s.Code != want {
			t.Fatalf("Sections()[%d] = %s, want %s", i, s.Code, want)
		}
		if s.NameZH == "" || s.NameEN == "" {
			t.Fatalf("section %s lacks a name", s.Code)
		}
	}
	ss[0].NameEN = "changed"
	if Sections()[0].NameEN == "changed" {
		t.Fatal("Sections() returns the package's own slice")
	}
}

func TestDivisionsOf(t *testing.T) {
	t.Parallel()
	// Number of divisions per section and their range, GB/T 4754-2017.
	cases := []struct {
		section     string
		count       int
		first, last string
	}{
		{"A", 5, "01", "05"}, {"B", 7, "06", "12"}, {"C", 31, "13", "43"}, {"D", 3, "44", "46"},
		{"E", 4, "47", "50"}, {"F", 2, "51", "52"}, {"G", 8, "53", "60"}, {"H", 2, "61", "62"},
		{"I", 3, "63", "65"}, {"J", 4, "66", "69"}, {"K", 1, "70", "70"}, {"L", 2, "71", "72"},
		{"M", 3, "73", "75"}, {"N", 4, "76", "79"}, {"O", 3, "80", "82"}, {"P", 1, "83", "83"},
		{"Q", 2, "84", "85"}, {"R", 5, "86", "90"}, {"S", 6, "91", "96"}, {"T", 1, "97", "97"},
		{"Z", 0, "", ""}, {"c", 0, "", ""}, {"", 0, "", ""},
	}
	total := 0
	for _, tc := range cases {
		t.Run("section "+tc.section, func(t *testing.T) {
			t.Parallel()
			ds := DivisionsOf(tc.section)
			if len(ds) != tc.count {
				t.Fatalf("DivisionsOf(%q) has %d entries, want %d", tc.section, len(ds), tc.count)
			}
			if tc.count == 0 {
				if ds != nil {
					t.Fatalf("DivisionsOf(%q) = %v, want nil", tc.section, ds)
				}
				return
			}
			if ds[0].Code != tc.first || ds[len(ds)-1].Code != tc.last {
				t.Fatalf("DivisionsOf(%q) runs %s-%s, want %s-%s", tc.section, ds[0].Code, ds[len(ds)-1].Code, tc.first, tc.last)
			}
			for _, d := range ds {
				if d.Section != tc.section {
					t.Fatalf("division %s has section %s, want %s", d.Code, d.Section, tc.section)
				}
			}
		})
		total += tc.count
	}
	if total != 97 {
		t.Fatalf("sections hold %d divisions, want 97", total)
	}
}

func TestDivisionByCode(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		code string
		want Division
		ok   bool
	}{
		{"agricultural food processing", "13", Division{"13", "C", "农副食品加工业", "Processing of Food from Agricultural Products"}, true},
		{"software", "65", Division{"65", "I", "软件和信息技术服务业", "Software and Information Technology Services"}, true},
		{"first", "01", Division{"01", "A", "农业", "Agriculture"}, true},
		{"last", "97", Division{"97", "T", "国际组织", "International Organizations"}, true},
		{"zero", "00", Division{}, false},
		{"after last", "98", Division{}, false},
		{"one digit", "1", Division{}, false},
		{"with section", "C13", Division{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := DivisionByCode(tc.code)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("DivisionByCode(%q) = %+v, %v; want %+v, %v", tc.code, got, ok, tc.want, tc.ok)
			}
		})
	}
	for i := 1; i <= 97; i++ {
		code := string(rune('0'+i/10)) + string(rune('0'+i%10))
		if _, ok := DivisionByCode(code); !ok {
			t.Fatalf("division %s is missing", code)
		}
	}
}

func TestSectionByCodeAndParseSection(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		in        string
		byCode    bool // SectionByCode finds it
		parsed    string
		errorCode string
	}{
		{"upper case", "C", true, "C", ""},
		{"lower case", "c", false, "C", ""},
		{"white space", " t ", false, "T", ""},
		{"last letter", "T", true, "T", ""},
		{"after T", "U", false, "", "industry.unknown_section"},
		{"division code", "13", false, "", "industry.unknown_section"},
		{"two letters", "CC", false, "", "industry.unknown_section"},
		{"empty", "", false, "", "industry.unknown_section"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, ok := SectionByCode(tc.in); ok != tc.byCode {
				t.Fatalf("SectionByCode(%q) ok = %v, want %v", tc.in, ok, tc.byCode)
			}
			got, err := ParseSection(tc.in)
			if tc.errorCode != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Kind != fault.Invalid || fe.Code != tc.errorCode || fe.Params["section"] != tc.in {
					t.Fatalf("ParseSection(%q) error = %v, want invalid %s", tc.in, err, tc.errorCode)
				}
				return
			}
			if err != nil || got.Code != tc.parsed {
				t.Fatalf("ParseSection(%q) = %+v, %v; want %s", tc.in, got, err, tc.parsed)
			}
		})
	}
}

func TestParseClassificationRejectsBadData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		data string
	}{
		{"not json", "{"},
		{"bad section", `{"sections":[{"code":"1","name_zh":"x","name_en":"x"}]}`},
		{"duplicate section", `{"sections":[{"code":"A","name_zh":"x","name_en":"x"},{"code":"A","name_zh":"x","name_en":"x"}]}`},
		{"division of unknown section", `{"sections":[{"code":"A","name_zh":"x","name_en":"x"}],"divisions":[{"code":"01","section":"B","name_zh":"x","name_en":"x"}]}`},
		{"three-digit division", `{"sections":[{"code":"A","name_zh":"x","name_en":"x"}],"divisions":[{"code":"011","section":"A","name_zh":"x","name_en":"x"}]}`},
		{"unnamed division", `{"sections":[{"code":"A","name_zh":"x","name_en":"x"}],"divisions":[{"code":"01","section":"A","name_zh":"","name_en":"x"}]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := parseClassification([]byte(tc.data)); err == nil {
				t.Fatalf("parseClassification(%s) succeeded, want an error", tc.data)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	var errs []error
	_, err := ParseSection("Z")
	errs = append(errs, err)
	_, err = ParseSize("huge")
	errs = append(errs, err)
	_, err = ParseSector("mining")
	errs = append(errs, err)
	seen := map[string]bool{}
	for _, err := range errs {
		fe, ok := fault.As(err)
		if !ok {
			t.Fatalf("error %v is not a *fault.Error", err)
		}
		seen[fe.Code] = true
		tmpl, ok := Messages[fe.Code]
		if !ok {
			t.Fatalf("code %s missing from Messages", fe.Code)
		}
		var params []string
		for k := range fe.Params {
			params = append(params, k)
		}
		sort.Strings(params)
		for i, lang := range []string{"en", "zh"} {
			if got := placeholders(tmpl[i]); strings.Join(got, ",") != strings.Join(params, ",") {
				t.Fatalf("%s %s template placeholders = %v, want params %v", fe.Code, lang, got, params)
			}
		}
	}
	for code := range Messages {
		if !seen[code] {
			t.Fatalf("Messages lists %s, which no test input produced", code)
		}
	}
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

func placeholders(tmpl string) []string {
	var out []string
	for _, m := range placeholderRE.FindAllStringSubmatch(tmpl, -1) {
		out = append(out, m[1])
	}
	sort.Strings(out)
	return out
}

func TestClip(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("门", 40)
	if got := clip(long); got != strings.Repeat("门", 32)+"…" {
		t.Fatalf("clip(40 runes) = %q", got)
	}
	if got := clip("C"); got != "C" {
		t.Fatalf("clip(C) = %q", got)
	}
}
