package personid

import (
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// The two examples printed in GB 11643-1999 §8.
const (
	stdExample1949 = "11010519491231002X"
	stdExample1880 = "440524188001010014" // valid checksum, but born before 1900
)

func TestMain(m *testing.M) {
	// Fix "today" so the birth-date rule is reproducible.
	now = func() time.Time { return time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC) }
	m.Run()
}

func TestValidateValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"standard example", stdExample1949, stdExample1949},
		{"lower-case x", "11010519491231002x", stdExample1949},
		{"surrounding white space", "  " + stdExample1949 + "\n", stdExample1949},
		{"full-width", "１１０１０５１９４９１２３１００２Ｘ", stdExample1949},
		{"digit check character", mustComplete(t, "32050619900307123"), mustComplete(t, "32050619900307123")},
		{"born 1900-01-01", mustComplete(t, "32050619000101123"), mustComplete(t, "32050619000101123")},
		{"born today in China", mustComplete(t, "32050620250615123"), mustComplete(t, "32050620250615123")},
		{"leap day", mustComplete(t, "32050620000229123"), mustComplete(t, "32050620000229123")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Validate(tc.in)
			if err != nil {
				t.Fatalf("Validate(%q) error = %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("Validate(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func mustComplete(t *testing.T, first17 string) string {
	t.Helper()
	c, err := CheckChar(first17)
	if err != nil {
		t.Fatalf("CheckChar(%q) error = %v", first17, err)
	}
	return first17 + string(c)
}

func TestValidateInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		in     string
		code   string
		params map[string]string
	}{
		{"empty", "", "personid.length", map[string]string{"got": "0"}},
		{"old 15-digit number", "110105491231002", "personid.length", map[string]string{"got": "15"}},
		{"too long", stdExample1949 + "1", "personid.length", map[string]string{"got": "19"}},
		{"letter inside", "1101051949123100AX", "personid.charset", map[string]string{"char": "A", "pos": "17"}},
		{"X not last", "X10105194912310021", "personid.charset", map[string]string{"char": "X", "pos": "1"}},
		{"wrong letter last", "11010519491231002Y", "personid.charset", map[string]string{"char": "Y", "pos": "18"}},
		{"hyphen", "110105-9491231002X", "personid.charset", map[string]string{"char": "-", "pos": "7"}},
		{"born before 1900", stdExample1880, "personid.birthdate", nil},
		{"month 13", mustComplete(t, "32050619901301123"), "personid.birthdate", nil},
		{"february 30", mustComplete(t, "32050619900230123"), "personid.birthdate", nil},
		{"no leap day in 1900", mustComplete(t, "32050619000229123"), "personid.birthdate", nil},
		{"born tomorrow", mustComplete(t, "32050620250616123"), "personid.birthdate", nil},
		{"born in the future", mustComplete(t, "32050621000101123"), "personid.birthdate", nil},
		{"day zero", mustComplete(t, "32050619900100123"), "personid.birthdate", nil},
		{"wrong check character", "110105194912310021", "personid.check_char", map[string]string{"want": "X"}},
		{"transposed digits", "11010519491231020X", "personid.check_char", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Validate(tc.in)
			if err == nil {
				t.Fatalf("Validate(%q) = %q, want error %s", tc.in, got, tc.code)
			}
			fe, ok := fault.As(err)
			if !ok {
				t.Fatalf("Validate(%q) error %v is not a *fault.Error", tc.in, err)
			}
			if fe.Kind != fault.Invalid || fe.Code != tc.code {
				t.Fatalf("Validate(%q) error = %v/%s, want invalid/%s", tc.in, fe.Kind, fe.Code, tc.code)
			}
			for k, v := range tc.params {
				if fe.Params[k] != v {
					t.Fatalf("Validate(%q) param %s = %q, want %q", tc.in, k, fe.Params[k], v)
				}
			}
			if len(tc.in) >= 14 && strings.Contains(fe.Error(), tc.in[6:14]) {
				t.Fatalf("Validate(%q) error %q reveals the birth date", tc.in, fe.Error())
			}
		})
	}
}

func TestCheckChar(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		first string
		want  byte
		code  string
	}{
		{"standard example X", stdExample1949[:17], 'X', ""},
		{"standard example digit", stdExample1880[:17], '4', ""},
		{"full number", stdExample1949, 0, "personid.prefix_length"},
		{"short", "1101", 0, "personid.prefix_length"},
		{"X not allowed in prefix", "1101051949123100X", 0, "personid.charset"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CheckChar(tc.first)
			if tc.code != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Code != tc.code {
					t.Fatalf("CheckChar(%q) error = %v, want %s", tc.first, err, tc.code)
				}
				return
			}
			if err != nil {
				t.Fatalf("CheckChar(%q) error = %v", tc.first, err)
			}
			if got != tc.want {
				t.Fatalf("CheckChar(%q) = %c, want %c", tc.first, got, tc.want)
			}
		})
	}
}

// TestCheckCharAllResidues checks the MOD 11-2 table for every residue.
func TestCheckCharAllResidues(t *testing.T) {
	t.Parallel()
	seen := map[byte]bool{}
	for i := 0; i < 200 && len(seen) < 11; i++ {
		first := "3205061990030" + strings.Repeat("0", 4-len(itoa(i))) + itoa(i)
		c, err := CheckChar(first)
		if err != nil {
			t.Fatal(err)
		}
		// Brute-force the MOD 11-2 definition: the full number's weighted
		// sum, with weight 1 on the check value, is 1 mod 11.
		sum := 0
		for j := 0; j < 17; j++ {
			sum += int(first[j]-'0') * (1 << (17 - j) % 11)
		}
		v := int(c - '0')
		if c == 'X' {
			v = 10
		}
		if (sum+v)%11 != 1 {
			t.Fatalf("CheckChar(%q) = %c, breaks ISO 7064 MOD 11-2", first, c)
		}
		seen[c] = true
	}
	if len(seen) != 11 {
		t.Fatalf("saw %d distinct check characters, want 11", len(seen))
	}
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	s := ""
	for ; i > 0; i /= 10 {
		s = string(rune('0'+i%10)) + s
	}
	return s
}

func TestComplete(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		first string
		want  string
		code  string
	}{
		{"standard example", stdExample1949[:17], stdExample1949, ""},
		{"before 1900", stdExample1880[:17], "", "personid.birthdate"},
		{"bad length", "123", "", "personid.prefix_length"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Complete(tc.first)
			if tc.code != "" {
				fe, ok := fault.As(err)
				if !ok || fe.Code != tc.code {
					t.Fatalf("Complete(%q) error = %v, want %s", tc.first, err, tc.code)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Complete(%q) = %q, %v; want %q", tc.first, got, err, tc.want)
			}
		})
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	var errs []error
	for _, in := range []string{"", "1101051949123100AX", stdExample1880, "110105194912310021"} {
		_, err := Validate(in)
		errs = append(errs, err)
	}
	_, err := CheckChar("1")
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

func FuzzValidate(f *testing.F) {
	for _, s := range []string{stdExample1949, stdExample1880, "", "11010519491231002x", "１１０１０５１９４９１２３１００２Ｘ", "110105491231002", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := Validate(s)
		if err != nil {
			if _, ok := fault.As(err); !ok {
				t.Fatalf("Validate(%q) error %v is not a *fault.Error", s, err)
			}
			return
		}
		if len(got) != Length {
			t.Fatalf("Validate(%q) = %q, not %d bytes", s, got, Length)
		}
		again, err := Complete(got[:Length-1])
		if err != nil || again != got {
			t.Fatalf("Complete(%q) = %q, %v; want %q", got[:Length-1], again, err, got)
		}
		if m := Mask(got); strings.Contains(m, got[6:14]) || len([]rune(m)) != Length {
			t.Fatalf("Mask(%q) = %q reveals the birth date or changes the length", got, m)
		}
	})
}
