package creditcode

import (
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Real, published codes (DOMAIN.md §4).
const (
	huawei = "914403001922038216" // 华为技术有限公司
	xiaomi = "91110108551385082Q" // 北京小米科技有限责任公司
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want Code
	}{
		{"huawei", huawei, huawei},
		{"xiaomi", xiaomi, xiaomi},
		{"lower case", "91110108551385082q", xiaomi},
		{"surrounding white space", " \t" + huawei + "\n", huawei},
		{"ideographic space", "\u3000" + huawei + "\u3000", huawei},
		{"full-width digits", "９１４４０３００１９２２０３８２１６", huawei},
		{"full-width lower-case check", "９１１１０１０８５５１３８５０８２ｑ", xiaomi},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q) error = %v", tc.in, err)
			}
			if got != tc.want {
				t.Fatalf("Parse(%q) = %q, want %q", tc.in, got, tc.want)
			}
			if !Valid(tc.in) {
				t.Fatalf("Valid(%q) = false, want true", tc.in)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		in      string
		code    string
		params  map[string]string
		message string // substring of the English message, if set
	}{
		{"empty", "", "creditcode.length", map[string]string{"got": "0"}, "18 characters, got 0"},
		{"too short", huawei[:17], "creditcode.length", map[string]string{"got": "17"}, ""},
		{"too long", huawei + "0", "creditcode.length", map[string]string{"got": "19"}, ""},
		{"han characters counted as characters", "华为技术有限公司", "creditcode.length", map[string]string{"got": "8"}, ""},
		{"letter I", "91440300I922038216", "creditcode.charset", map[string]string{"char": "I", "pos": "9"}, "position 9"},
		{"letter O", "O14403001922038216", "creditcode.charset", map[string]string{"char": "O", "pos": "1"}, ""},
		{"letter Z", "9144030019220382Z6", "creditcode.charset", map[string]string{"char": "Z", "pos": "17"}, ""},
		{"letter S", "91S403001922038216", "creditcode.charset", map[string]string{"char": "S", "pos": "3"}, ""},
		{"letter V", "91440300192203821V", "creditcode.charset", map[string]string{"char": "V", "pos": "18"}, ""},
		{"punctuation", "91440300-922038216", "creditcode.charset", map[string]string{"char": "-", "pos": "9"}, ""},
		{"inner space", "91440300 922038216", "creditcode.charset", map[string]string{"char": " ", "pos": "9"}, ""},
		{"han character", "9144030019220382中6", "creditcode.charset", map[string]string{"char": "中", "pos": "17"}, ""},
		{"letter in division", "9144A3001922038216", "creditcode.division", map[string]string{"got": "44A300"}, ""},
		{"wrong check digit", "914403001922038217", "creditcode.check_char", map[string]string{"want": "6"}, "check character should be 6"},
		{"wrong check letter", "911101085513850820", "creditcode.check_char", map[string]string{"want": "Q"}, "check character should be Q"},
		{"transposed digits", "914403001922038126", "creditcode.check_char", nil, "check character should be "},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Parse(tc.in)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want error %s", tc.in, got, tc.code)
			}
			fe, ok := fault.As(err)
			if !ok {
				t.Fatalf("Parse(%q) error %v is not a *fault.Error", tc.in, err)
			}
			if fe.Kind != fault.Invalid || fe.Code != tc.code {
				t.Fatalf("Parse(%q) error = %v/%s, want invalid/%s", tc.in, fe.Kind, fe.Code, tc.code)
			}
			for k, v := range tc.params {
				if fe.Params[k] != v {
					t.Fatalf("Parse(%q) param %s = %q, want %q", tc.in, k, fe.Params[k], v)
				}
			}
			if !strings.Contains(fe.Error(), tc.message) {
				t.Fatalf("Parse(%q) message %q does not contain %q", tc.in, fe.Error(), tc.message)
			}
			if Valid(tc.in) {
				t.Fatalf("Valid(%q) = true, want false", tc.in)
			}
		})
	}
}

func TestCheckCharAndComplete(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		first string
		want  byte
	}{
		{"huawei", huawei[:17], '6'},
		{"xiaomi", xiaomi[:17], 'Q'},
		{"xiaomi lower case", strings.ToLower(xiaomi[:17]), 'Q'},
		{"check value 31 written as 0", zeroCheckPrefix(t), '0'},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := CheckChar(tc.first)
			if err != nil {
				t.Fatalf("CheckChar(%q) error = %v", tc.first, err)
			}
			if got != tc.want {
				t.Fatalf("CheckChar(%q) = %c, want %c", tc.first, got, tc.want)
			}
			code, err := Complete(tc.first)
			if err != nil {
				t.Fatalf("Complete(%q) error = %v", tc.first, err)
			}
			if want := Code(strings.ToUpper(tc.first) + string(tc.want)); code != want {
				t.Fatalf("Complete(%q) = %q, want %q", tc.first, code, want)
			}
		})
	}
}

// zeroCheckPrefix finds a 17-character prefix whose weighted sum is a
// multiple of 31, so the check value 31 must be written as '0'.
func zeroCheckPrefix(t *testing.T) string {
	t.Helper()
	b := []byte("91320506MA0000000")
	for i := 0; i < len(Alphabet); i++ {
		b[16] = Alphabet[i]
		sum := 0
		for j := 0; j < 17; j++ {
			sum += strings.IndexByte(Alphabet, b[j]) * weights[j]
		}
		if sum%31 == 0 {
			return string(b)
		}
	}
	t.Fatal("no prefix with a weighted sum divisible by 31")
	return ""
}

func TestCheckCharAndCompleteErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name        string
		first       string
		checkCode   string // error of CheckChar
		completeErr string // error of Complete
	}{
		{"full code", huawei, "creditcode.prefix_length", "creditcode.prefix_length"},
		{"too short", "9144", "creditcode.prefix_length", "creditcode.prefix_length"},
		{"bad character", "91440300I92203821", "creditcode.charset", "creditcode.charset"},
		{"bad division only checked by Complete", "9144A300192203821", "", "creditcode.division"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := CheckChar(tc.first)
			if got := codeOf(err); got != tc.checkCode {
				t.Fatalf("CheckChar(%q) error code = %q, want %q", tc.first, got, tc.checkCode)
			}
			_, err = Complete(tc.first)
			if got := codeOf(err); got != tc.completeErr {
				t.Fatalf("Complete(%q) error code = %q, want %q", tc.first, got, tc.completeErr)
			}
		})
	}
}

func codeOf(err error) string {
	if err == nil {
		return ""
	}
	if fe, ok := fault.As(err); ok {
		return fe.Code
	}
	return "not a fault: " + err.Error()
}

func TestAccessors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                  string
		code                  Code
		authority, entityType byte
		division, org         string
	}{
		{"huawei", huawei, '9', '1', "440300", "192203821"},
		{"xiaomi", xiaomi, '9', '1', "110108", "551385082"},
		{"not a code", "123", 0, 0, "", ""},
		{"zero value", "", 0, 0, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := tc.code.RegistrationAuthority(); got != tc.authority {
				t.Fatalf("RegistrationAuthority() = %q, want %q", got, tc.authority)
			}
			if got := tc.code.EntityType(); got != tc.entityType {
				t.Fatalf("EntityType() = %q, want %q", got, tc.entityType)
			}
			if got := tc.code.Division(); got != tc.division {
				t.Fatalf("Division() = %q, want %q", got, tc.division)
			}
			if got := tc.code.OrgCode(); got != tc.org {
				t.Fatalf("OrgCode() = %q, want %q", got, tc.org)
			}
			if got := tc.code.String(); got != string(tc.code) {
				t.Fatalf("String() = %q, want %q", got, tc.code)
			}
		})
	}
}

func TestWeights(t *testing.T) {
	t.Parallel()
	w := 1
	for i, got := range weights {
		if got != w {
			t.Fatalf("weights[%d] = %d, want 3^%d mod 31 = %d", i, got, i, w)
		}
		w = w * 3 % 31
	}
}

// TestMessages checks that every error code the package returns has English
// and Chinese templates whose placeholders are exactly the error's params.
func TestMessages(t *testing.T) {
	t.Parallel()
	inputs := []string{"", "91440300I922038216", "9144A3001922038216", "914403001922038217"}
	var errs []error
	for _, in := range inputs {
		_, err := Parse(in)
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

func FuzzParse(f *testing.F) {
	for _, s := range []string{huawei, xiaomi, "", "９１４４０３００１９２２０３８２１６", "91440300I922038216", "\xff\xfe", " 91110108551385082q "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		code, err := Parse(s)
		if err != nil {
			if _, ok := fault.As(err); !ok {
				t.Fatalf("Parse(%q) error %v is not a *fault.Error", s, err)
			}
			return
		}
		if len(code) != Length {
			t.Fatalf("Parse(%q) = %q, not %d bytes", s, code, Length)
		}
		again, err := Complete(string(code[:Length-1]))
		if err != nil {
			t.Fatalf("Complete(%q) error = %v for accepted code %q", code[:Length-1], err, code)
		}
		if again != code {
			t.Fatalf("Complete(%q) = %q, want %q", code[:Length-1], again, code)
		}
		if reparsed, err := Parse(string(code)); err != nil || reparsed != code {
			t.Fatalf("Parse(%q) = %q, %v; want the code back", code, reparsed, err)
		}
	})
}

func TestRealCodes(t *testing.T) {
	t.Parallel()
	data, err := os.ReadFile("testdata/real_codes.txt")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, line := range strings.Split(string(data), "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		code, name, _ := strings.Cut(line, " ")
		n++
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Parse(code); err != nil {
				t.Fatalf("Parse(%q) error = %v", code, err)
			}
		})
	}
	if n < 2 {
		t.Fatalf("testdata/real_codes.txt has %d codes, want at least 2", n)
	}
}
