package web

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/i18n"
)

func TestSafeNext(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{"/enterprises", "/enterprises"},
		{"/enterprises?q=%E5%8D%8E&offset=20", "/enterprises?q=%E5%8D%8E&offset=20"},
		{"/", "/"},
		{"", ""},
		{"enterprises", ""},
		{"//evil.example", ""},
		{"/\\evil.example", ""},
		{"/a\\b", ""},
		{"https://evil.example/", ""},
		{"javascript:alert(1)", ""},
		{"/ok\r\nSet-Cookie: x=1", ""},
		{"/\tx", ""},
		{"/%zz", ""},
	}
	for _, c := range cases {
		if got := safeNext(c.in); got != c.want {
			t.Errorf("safeNext(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFormatCapital(t *testing.T) {
	t.Parallel()
	cat, err := i18n.New(i18n.ZH)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		fen    int64
		zh, en string
	}{
		{0, "", ""},
		{500_0000_00, "500 万元", "CNY 5,000,000"},
		{12_3456_78, "12.345678 万元", "CNY 123,456.78"},
		{1_2500_00, "1.25 万元", "CNY 12,500"},
		{40_341_800_000_00, "4,034,180 万元", "CNY 40,341,800,000"},
		{1, "0.000001 万元", "CNY 0.01"},
	}
	for _, c := range cases {
		if got := formatCapital(cat, i18n.ZH, c.fen); got != c.zh {
			t.Errorf("zh %d fen = %q, want %q", c.fen, got, c.zh)
		}
		if got := formatCapital(cat, i18n.EN, c.fen); got != c.en {
			t.Errorf("en %d fen = %q, want %q", c.fen, got, c.en)
		}
	}
}

func TestGroupDigits(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"0": "0", "999": "999", "1000": "1,000", "1234567": "1,234,567", "-1234": "-1,234", "100000": "100,000"} {
		if got := groupDigits(in); got != want {
			t.Errorf("groupDigits(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTimesAreBeijingTime(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 3, 1, 16, 30, 5, 0, time.UTC)
	if got := formatDateTime(at); got != "2026-03-02 00:30:05" {
		t.Errorf("formatDateTime = %q", got)
	}
	if got := formatDate(at); got != "2026-03-02" {
		t.Errorf("formatDate = %q", got)
	}
	if formatDateTime(time.Time{}) != "" {
		t.Error("zero time must show as empty")
	}
}
