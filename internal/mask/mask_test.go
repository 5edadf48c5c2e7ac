package mask

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValue(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		kind Kind
		in   string
		want string
	}{
		{"name three characters", KindName, "张三丰", "张**"},
		{"name two characters", KindName, "李四", "李*"},
		{"name one character", KindName, "王", "*"},
		{"name compound family", KindName, "欧阳修明", "欧***"},
		{"name latin", KindName, "John Smith", "J*** S****"},
		{"name empty", KindName, "", ""},
		{"id 18 digits", KindIDNumber, "320102199001011234", "320102********1234"},
		{"id 18 with X", KindIDNumber, "11010519491231002X", "110105********002X"},
		{"id 15-digit old number", KindIDNumber, "320102900101123", "3201********123"},
		{"id short", KindIDNumber, "1234", "1**4"},
		{"phone mobile", KindPhone, "13812345678", "138****5678"},
		{"phone landline", KindPhone, "025-84561234", "02******1234"},
		{"person name and id", KindPerson, "张三 320102199001011234", "张* 320102********1234"},
		{"person already masked", KindPerson, "张* 320102********1234", "张* 320102********1234"},
		{"person name only", KindPerson, "王小明", "王**"},
		{"person id only", KindPerson, "320102199001011234", "320102********1234"},
		{"drop", KindDrop, "anything", ""},
		{"secret", KindSecret, "anything", ""},
		{"unknown kind masks as a name", Kind("typo"), "张三丰", "张**"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Value(tc.kind, tc.in); got != tc.want {
				t.Fatalf("Value(%s, %q) = %q, want %q", tc.kind, tc.in, got, tc.want)
			}
		})
	}
}

func TestText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"mixed chinese text", "身份证号320102199001011234，电话13812345678", "身份证号320102********1234，电话138****5678"},
		{"id with X inside text", "证件:11010519491231002X;", "证件:110105********002X;"},
		{"old 15-digit id", "旧证320102900101123号", "旧证3201********123号"},
		{"mobile with country code", "+86 13912345678", "+86 139****5678"},
		{"amount kept", "罚款 12000.50 元", "罚款 12000.50 元"},
		{"date kept", "2024-01-31", "2024-01-31"},
		{"eleven digits not a mobile", "02584561234", "02584561234"},
		{"twelve digits kept", "138123456789", "138123456789"},
		{"credit code kept", "统一社会信用代码91320102MA1XYZ1234", "统一社会信用代码91320102MA1XYZ1234"},
		{"case number kept", "(2024)苏0102执1234号", "(2024)苏0102执1234号"},
		{"nineteen digits kept", "3201021990010112345", "3201021990010112345"},
		{"empty", "", ""},
		{"only a mobile", "15900001111", "159****1111"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := Text(tc.in); got != tc.want {
				t.Fatalf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// platform loads the platform's rules as the application's wiring does.
func platform(t *testing.T) *Rules {
	t.Helper()
	rs, err := Platform()
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestPlatformRulesValid(t *testing.T) {
	t.Parallel()
	rs := platform(t)
	for _, item := range []string{"registration.legal_representative", "registration.key_personnel", "registration.shareholders",
		"registration.change", "judicial.consumption_restriction"} {
		if !slices.Contains(rs.Items(), item) || len(rs.For(item, false)) == 0 {
			t.Errorf("no platform rules for personal item %s", item)
		}
	}
}

// TestRulesCannotBeChangedThroughFor: what For hands out is a copy, so no
// caller can change a loaded value shared by every reader.
func TestRulesCannotBeChangedThroughFor(t *testing.T) {
	t.Parallel()
	rs := platform(t)
	got := rs.For("registration.legal_representative", true)
	got[0].Kind = KindSecret
	if rs.For("registration.legal_representative", true)[0].Kind == KindSecret {
		t.Fatal("For returned the loaded rules themselves")
	}
}

// TestNilRulesMaskPersonalItemsByFallback: without loaded rules nothing
// personal goes out in clear.
func TestNilRulesMaskPersonalItemsByFallback(t *testing.T) {
	t.Parallel()
	var rs *Rules
	got, masked := rs.Apply("registration.legal_representative", true, true, Fields{Text: "张三丰", Ref: "13812345678", Detail: json.RawMessage(`{"id_number":"320102199001011234"}`)})
	if got.Text != "张**" || got.Ref != "138****5678" || got.Detail != nil || !masked {
		t.Fatalf("nil rules: %+v masked=%v", got, masked)
	}
	if got, _ := rs.Apply("tax.vat_sales", false, true, Fields{Text: "x"}); got.Text != "x" {
		t.Fatalf("non-personal item changed: %+v", got)
	}
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	cases := map[string]string{
		"bad field":     `{"x": [{"field": "name", "kind": "name"}]}`,
		"empty detail":  `{"x": [{"field": "detail.", "kind": "name"}]}`,
		"bad kind":      `{"x": [{"field": "text", "kind": "blur"}]}`,
		"bad condition": `{"x": [{"field": "text", "kind": "name", "when": "natural"}]}`,
		"not json":      `[`,
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			if _, err := Parse([]byte(in)); err == nil {
				t.Fatalf("Parse(%s) accepted", in)
			}
		})
	}
}

func TestApply(t *testing.T) {
	t.Parallel()
	legalRep := Fields{Text: "张三丰", Detail: json.RawMessage(`{"name":"张三丰","id_number":"320102199001011234","phone":"13812345678","note":"手机13912345678","synthetic":true}`)}
	natural := Fields{Text: "张三 320102199001011234", Ref: "natural:320102199001011234", Detail: json.RawMessage(`{"holder_type":"natural","share_bp":6000,"sealed":"c2VhbGVk"}`)}
	legal := Fields{Text: "江苏某某控股有限公司", Ref: "legal:91320102MA1XYZ1234", Detail: json.RawMessage(`{"holder_type":"legal","share_bp":4000}`)}
	change := Fields{Text: "legal_representative", Detail: json.RawMessage(`{"field":"legal_representative","old":"张三","new":"李四"}`)}
	address := Fields{Text: "address", Detail: json.RawMessage(`{"field":"address","old":"南京市玄武区1号","new":"南京市秦淮区2号"}`)}
	cases := []struct {
		name       string
		item       string
		personal   bool
		hide       bool
		in         Fields
		wantText   string
		wantRef    string
		wantDetail string // "" : no detail
		wantMasked bool
	}{
		{"legal rep masked", "registration.legal_representative", true, true, legalRep, "张**", "",
			`{"id_number":"320102********1234","name":"张**","note":"手机139****5678","phone":"138****5678","synthetic":true}`, true},
		{"legal rep with consent", "registration.legal_representative", true, false, legalRep, "张三丰", "", string(legalRep.Detail), false},
		{"natural shareholder masked", "registration.shareholders", true, true, natural, "张* 320102********1234", "natural:320102********1234",
			`{"holder_type":"natural","share_bp":6000}`, true},
		{"natural shareholder unmasked never shows the sealed blob", "registration.shareholders", true, false, natural, natural.Text, natural.Ref,
			`{"holder_type":"natural","share_bp":6000}`, false},
		{"shareholder of unknown type is masked as a person", "registration.shareholders", true, true, Fields{Text: "任正非", Detail: json.RawMessage(`{"share_bp":100}`)},
			"任**", "", `{"share_bp":100}`, true},
		{"legal-person shareholder keeps its name", "registration.shareholders", true, true, legal, legal.Text, legal.Ref, string(legal.Detail), true},
		{"legal rep change", "registration.change", true, true, change, "legal_representative", "", `{"field":"legal_representative","new":"李*","old":"张*"}`, true},
		{"address change keeps addresses", "registration.change", true, true, address, "address", "", string(address.Detail), true},
		{"unknown personal item falls back", "x.personal", true, true, Fields{Text: "赵六", Ref: "13812345678", Detail: json.RawMessage(`{"a":"b"}`)},
			"赵*", "138****5678", "", true},
		{"unknown personal item unmasked", "x.personal", true, false, Fields{Text: "赵六", Detail: json.RawMessage(`{"a":"b"}`)}, "赵六", "", `{"a":"b"}`, false},
		{"non-personal item untouched", "tax.vat_sales", false, true, Fields{Text: "13812345678"}, "13812345678", "", "", false},
		{"non-object detail dropped", "registration.key_personnel", true, true, Fields{Text: "王五", Detail: json.RawMessage(`["王五"]`)}, "王*", "", "", true},
	}
	rs := platform(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, masked := rs.Apply(tc.item, tc.personal, tc.hide, tc.in)
			if got.Text != tc.wantText || got.Ref != tc.wantRef || string(got.Detail) != tc.wantDetail || masked != tc.wantMasked {
				t.Fatalf("Apply = %q %q %s masked=%v, want %q %q %s masked=%v", got.Text, got.Ref, got.Detail, masked,
					tc.wantText, tc.wantRef, tc.wantDetail, tc.wantMasked)
			}
		})
	}
}

// TestApplyNeverLeaksNumbers: whatever the item's rules, a masked
// legal-representative value holds no full identity or mobile number.
func TestApplyNeverLeaksNumbers(t *testing.T) {
	t.Parallel()
	rs := platform(t)
	for _, item := range rs.Items() {
		f := Fields{Text: "张三 320102199001011234 13812345678", Ref: "320102199001011234",
			Detail: json.RawMessage(`{"name":"张三","id_number":"320102199001011234","phone":"13812345678","person":"张三","old":"320102199001011234","new":"13812345678","x":"13812345678"}`)}
		got, _ := rs.Apply(item, true, true, f)
		all := got.Text + got.Ref + string(got.Detail)
		for _, secret := range []string{"320102199001011234", "13812345678"} {
			if strings.Contains(all, secret) {
				t.Errorf("%s: %q leaks %s", item, all, secret)
			}
		}
	}
}

// FuzzText: masking free text keeps its length in characters, is
// idempotent, and leaves no identity or mobile number behind.
func FuzzText(f *testing.F) {
	for _, s := range []string{"身份证号320102199001011234，电话13812345678", "11010519491231002X", "320102900101123", "abc 123", "", "１３８１２３４５６７８"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return
		}
		got := Text(s)
		if utf8.RuneCountInString(got) != utf8.RuneCountInString(s) {
			t.Fatalf("Text(%q) = %q changes the length", s, got)
		}
		if again := Text(got); again != got {
			t.Fatalf("Text not idempotent: %q → %q → %q", s, got, again)
		}
		start := -1
		check := func(end int) {
			if start >= 0 {
				if run := got[start:end]; isIDNumber(run) || isMobile(run) {
					t.Fatalf("Text(%q) = %q keeps %q", s, got, run)
				}
			}
			start = -1
		}
		for i, r := range got {
			if r < 128 && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
				if start < 0 {
					start = i
				}
				continue
			}
			check(i)
		}
		check(len(got))
	})
}
