package region

import (
	"bytes"
	"encoding/csv"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"github.com/creditbridge/creditbridge/internal/fault"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name                   string
		code                   string
		province, city, county string // NameZH, "" for none
		zh, en                 string
	}{
		{"huawei's division: Shenzhen", "440300", "广东省", "深圳市", "", "广东省深圳市", "Shenzhen, Guangdong"},
		{"xiaomi's division: Haidian", "110108", "北京市", "北京市", "海淀区", "北京市海淀区", "Haidian District, Beijing"},
		{"municipality itself", "110000", "北京市", "北京市", "", "北京市", "Beijing"},
		{"chongqing county", "500229", "重庆市", "重庆市", "城口县", "重庆市城口县", "Chengkou County, Chongqing"},
		{"wuzhong district", "320506", "江苏省", "苏州市", "吴中区", "江苏省苏州市吴中区", "Wuzhong District, Suzhou, Jiangsu"},
		{"kunshan", "320583", "江苏省", "苏州市", "昆山市", "江苏省苏州市昆山市", "Kunshan, Suzhou, Jiangsu"},
		{"haimen district (2020)", "320614", "江苏省", "南通市", "海门区", "江苏省南通市海门区", "Haimen District, Nantong, Jiangsu"},
		{"xuyi county", "320830", "江苏省", "淮安市", "盱眙县", "江苏省淮安市盱眙县", "Xuyi County, Huai'an, Jiangsu"},
		{"nanjing gulou", "320106", "江苏省", "南京市", "鼓楼区", "江苏省南京市鼓楼区", "Gulou District, Nanjing, Jiangsu"},
		{"xuzhou gulou", "320302", "江苏省", "徐州市", "鼓楼区", "江苏省徐州市鼓楼区", "Gulou District, Xuzhou, Jiangsu"},
		{"jiangsu province", "320000", "江苏省", "", "", "江苏省", "Jiangsu"},
		{"unlisted jiangsu county", "320599", "江苏省", "苏州市", "", "江苏省苏州市", "Suzhou, Jiangsu"},
		{"county outside the table", "440305", "广东省", "深圳市", "", "广东省深圳市", "Shenzhen, Guangdong"},
		{"unknown city of a known province", "329900", "江苏省", "", "", "江苏省", "Jiangsu"},
		{"county-level city under a province", "419001", "河南省", "", "济源市", "河南省济源市", "Jiyuan, Henan"},
		{"autonomous prefecture", "222400", "吉林省", "延边朝鲜族自治州", "", "吉林省延边朝鲜族自治州", "Yanbian Korean Autonomous Prefecture, Jilin"},
		{"hong kong", "810000", "香港特别行政区", "", "", "香港特别行政区", "Hong Kong"},
		{"taiwan", "710000", "台湾省", "", "", "台湾省", "Taiwan"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p, err := Resolve(tc.code)
			if err != nil {
				t.Fatalf("Resolve(%q) error = %v", tc.code, err)
			}
			if p.Province.NameZH != tc.province || p.City.NameZH != tc.city || p.County.NameZH != tc.county {
				t.Fatalf("Resolve(%q) = %s/%s/%s, want %s/%s/%s", tc.code,
					p.Province.NameZH, p.City.NameZH, p.County.NameZH, tc.province, tc.city, tc.county)
			}
			if got := p.Name("zh"); got != tc.zh {
				t.Fatalf("Resolve(%q).Name(zh) = %q, want %q", tc.code, got, tc.zh)
			}
			if got := p.Name("zh-CN"); got != tc.zh {
				t.Fatalf("Resolve(%q).Name(zh-CN) = %q, want %q", tc.code, got, tc.zh)
			}
			if got := p.Name("en"); got != tc.en {
				t.Fatalf("Resolve(%q).Name(en) = %q, want %q", tc.code, got, tc.en)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		code string
		want string
	}{
		{"empty", "", "region.malformed"},
		{"five digits", "32050", "region.malformed"},
		{"seven digits", "3205060", "region.malformed"},
		{"letter", "32O506", "region.malformed"},
		{"full-width digits", "３２０５０６", "region.malformed"},
		{"surrounding space", " 32050", "region.malformed"},
		{"unknown province", "990101", "region.unknown"},
		{"zero", "000000", "region.unknown"},
		{"retired province code", "190000", "region.unknown"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Resolve(tc.code)
			fe, ok := fault.As(err)
			if !ok {
				t.Fatalf("Resolve(%q) error = %v, want %s", tc.code, err, tc.want)
			}
			if fe.Kind != fault.Invalid || fe.Code != tc.want || fe.Params["code"] != tc.code {
				t.Fatalf("Resolve(%q) error = %v/%s %v, want invalid/%s code=%q", tc.code, fe.Kind, fe.Code, fe.Params, tc.want, tc.code)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		code string
		want Division
		ok   bool
	}{
		{"suzhou", "320500", Division{"320500", "苏州市", "Suzhou", City}, true},
		{"wuzhong", "320506", Division{"320506", "吴中区", "Wuzhong District", County}, true},
		{"kunshan", "320583", Division{"320583", "昆山市", "Kunshan", County}, true},
		{"jiangsu", "320000", Division{"320000", "江苏省", "Jiangsu", Province}, true},
		{"macao", "820000", Division{"820000", "澳门特别行政区", "Macao", Province}, true},
		{"retired wujiang city code", "320584", Division{}, false},
		{"malformed", "3205", Division{}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, ok := Lookup(tc.code)
			if ok != tc.ok || got != tc.want {
				t.Fatalf("Lookup(%q) = %+v, %v; want %+v, %v", tc.code, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestProvinces(t *testing.T) {
	t.Parallel()
	ps := Provinces()
	if len(ps) != 34 {
		t.Fatalf("Provinces() has %d entries, want 34", len(ps))
	}
	want := map[string]string{"11": "北京市", "32": "江苏省", "65": "新疆维吾尔自治区", "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区"}
	for _, p := range ps {
		if p.Level != Province {
			t.Fatalf("Provinces() contains %+v", p)
		}
		if name, ok := want[p.Code[:2]]; ok && name != p.NameZH {
			t.Fatalf("province %s = %s, want %s", p.Code, p.NameZH, name)
		}
		delete(want, p.Code[:2])
	}
	if len(want) != 0 {
		t.Fatalf("Provinces() is missing %v", want)
	}
	if !sort.SliceIsSorted(ps, func(i, j int) bool { return ps[i].Code < ps[j].Code }) {
		t.Fatal("Provinces() is not sorted by code")
	}
	ps[0].NameZH = "changed"
	if Provinces()[0].NameZH == "changed" {
		t.Fatal("Provinces() returns the package's own slice")
	}
}

func TestChildren(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		code  string
		count int
		first string
		has   []string
	}{
		{"jiangsu cities", "320000", 13, "320100", []string{"320500", "321300"}},
		{"suzhou counties", "320500", 9, "320505", []string{"320506", "320583", "320585"}},
		{"nanjing districts", "320100", 11, "320102", []string{"320118"}},
		{"beijing districts", "110000", 16, "110101", []string{"110108", "110119"}},
		{"chongqing districts and counties", "500000", 38, "500101", []string{"500243"}},
		{"guangdong cities", "440000", 21, "440100", []string{"440300", "441900", "445300"}},
		{"henan cities and jiyuan", "410000", 18, "410100", []string{"419001"}},
		{"hubei cities and direct counties", "420000", 17, "420100", []string{"422800", "429004", "429021"}},
		{"hainan", "460000", 19, "460100", []string{"460400", "469030"}},
		{"xinjiang", "650000", 26, "650100", []string{"654300", "659012"}},
		{"counties of a city outside jiangsu are not listed", "440300", 0, "", nil},
		{"county", "320506", 0, "", nil},
		{"unknown", "999999", 0, "", nil},
		{"hong kong", "810000", 0, "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			kids := Children(tc.code)
			if len(kids) != tc.count {
				t.Fatalf("Children(%q) has %d entries, want %d", tc.code, len(kids), tc.count)
			}
			if tc.count == 0 {
				if kids != nil {
					t.Fatalf("Children(%q) = %v, want nil", tc.code, kids)
				}
				return
			}
			if kids[0].Code != tc.first {
				t.Fatalf("Children(%q)[0] = %s, want %s", tc.code, kids[0].Code, tc.first)
			}
			if !sort.SliceIsSorted(kids, func(i, j int) bool { return kids[i].Code < kids[j].Code }) {
				t.Fatalf("Children(%q) is not sorted by code", tc.code)
			}
			codes := map[string]bool{}
			for _, k := range kids {
				codes[k.Code] = true
			}
			for _, c := range tc.has {
				if !codes[c] {
					t.Fatalf("Children(%q) lacks %s", tc.code, c)
				}
			}
		})
	}
}

// TestData checks the embedded table as a whole.
func TestData(t *testing.T) {
	t.Parallel()
	r := csv.NewReader(bytes.NewReader(divisionsCSV))
	r.Comment = '#'
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(rows[0], ","); got != "code,name_zh,name_en" {
		t.Fatalf("header = %q", got)
	}
	rows = rows[1:]
	sixDigits := regexp.MustCompile(`^[0-9]{6}$`)
	seen := map[string]bool{}
	levels := map[Level]int{}
	jiangsuCounties := 0
	for _, row := range rows {
		code, zh, en := row[0], row[1], row[2]
		if !sixDigits.MatchString(code) {
			t.Fatalf("code %q is not 6 digits", code)
		}
		if seen[code] {
			t.Fatalf("code %s appears twice", code)
		}
		seen[code] = true
		if zh == "" || !unicode.Is(unicode.Han, []rune(zh)[0]) {
			t.Fatalf("%s: Chinese name %q", code, zh)
		}
		if en == "" || strings.TrimSpace(en) != en {
			t.Fatalf("%s: English name %q", code, en)
		}
		for _, c := range en {
			if unicode.Is(unicode.Han, c) {
				t.Fatalf("%s: English name %q has Han characters", code, en)
			}
		}
		lvl := levelOf(code)
		levels[lvl]++
		if lvl != Province {
			if _, ok := Lookup(code[:2] + "0000"); !ok {
				t.Fatalf("%s %s has no province in the table", code, zh)
			}
		}
		if lvl == County && strings.HasPrefix(code, "32") {
			jiangsuCounties++
			if _, ok := Lookup(code[:4] + "00"); !ok {
				t.Fatalf("Jiangsu county %s %s has no city in the table", code, zh)
			}
		}
		wantSuffix := map[Level][]string{
			Province: {"省", "市", "自治区", "特别行政区"},
			City:     {"市", "地区", "自治州", "盟"},
			County:   {"区", "县", "市", "旗", "林区"},
		}[lvl]
		ok := false
		for _, s := range wantSuffix {
			ok = ok || strings.HasSuffix(zh, s)
		}
		if !ok {
			t.Fatalf("%s %s: name does not end like a %s", code, zh, lvl)
		}
	}
	if levels[Province] != 34 {
		t.Fatalf("%d provinces, want 34", levels[Province])
	}
	if levels[City] != 333 {
		t.Fatalf("%d prefecture-level divisions, want 333", levels[City])
	}
	if jiangsuCounties != 95 {
		t.Fatalf("%d Jiangsu county-level divisions, want 95", jiangsuCounties)
	}
	if len(table().byCode) != len(rows) {
		t.Fatalf("index has %d divisions, CSV %d", len(table().byCode), len(rows))
	}
}

func TestParseRejectsBadData(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		data string
	}{
		{"bad header", "code,name\n"},
		{"duplicate", "code,name_zh,name_en\n320000,江苏省,Jiangsu\n320000,江苏省,Jiangsu\n"},
		{"short code", "code,name_zh,name_en\n32000,江苏省,Jiangsu\n"},
		{"empty name", "code,name_zh,name_en\n320000,,Jiangsu\n"},
		{"missing column", "code,name_zh,name_en\n320000,江苏省\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := parse([]byte(tc.data)); err == nil {
				t.Fatalf("parse(%q) succeeded, want an error", tc.data)
			}
		})
	}
}

func TestLevelString(t *testing.T) {
	t.Parallel()
	for l, want := range map[Level]string{Province: "province", City: "city", County: "county", 0: "unknown"} {
		if got := l.String(); got != want {
			t.Fatalf("Level(%d).String() = %q, want %q", l, got, want)
		}
	}
}

func TestMessages(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for _, code := range []string{"1", "990000"} {
		_, err := Resolve(code)
		fe, ok := fault.As(err)
		if !ok {
			t.Fatalf("Resolve(%q) error %v is not a *fault.Error", code, err)
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

func FuzzResolve(f *testing.F) {
	for _, s := range []string{"320506", "110108", "", "99", "810000", "419001", "３２０５０６"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, code string) {
		p, err := Resolve(code)
		if err != nil {
			if _, ok := fault.As(err); !ok {
				t.Fatalf("Resolve(%q) error %v is not a *fault.Error", code, err)
			}
			return
		}
		if p.Province.Level != Province || p.Province.Code != code[:2]+"0000" {
			t.Fatalf("Resolve(%q).Province = %+v", code, p.Province)
		}
		if p.Name("zh") == "" || p.Name("en") == "" {
			t.Fatalf("Resolve(%q) has an empty name", code)
		}
	})
}

func TestMalformedCodeIsClipped(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("9", 100)
	_, err := Resolve(long)
	fe, ok := fault.As(err)
	if !ok || fe.Code != "region.malformed" {
		t.Fatalf("Resolve(100 digits) error = %v", err)
	}
	if got := fe.Params["code"]; got != strings.Repeat("9", 32)+"…" {
		t.Fatalf("param code = %q, want 32 digits and an ellipsis", got)
	}
}
