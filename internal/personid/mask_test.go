package personid

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestMask(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"identity number", "11010519491231002X", "110105********002X"},
		{"surrounding white space", " 11010519491231002X ", "110105********002X"},
		{"longer than a number", "1234567890123456789012", "123456************9012"},
		{"old 15-digit number", "110105491231002", "1101********002"},
		{"ten characters", "0123456789", "012*****89"},
		{"four characters", "abcd", "a**d"},
		{"three characters", "abc", "a**"},
		{"one character", "a", "*"},
		{"empty", "", ""},
		{"han characters", "一二三四五六", "一二***六"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Mask(tc.in)
			if got != tc.want {
				t.Fatalf("Mask(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestMaskNeverRevealsMoreThanHalf checks the graceful rule for inputs
// shorter than an identity number.
func TestMaskNeverRevealsMoreThanHalf(t *testing.T) {
	t.Parallel()
	for n := 0; n < Length; n++ {
		in := strings.Repeat("7", n)
		got := Mask(in)
		if utf8.RuneCountInString(got) != n {
			t.Fatalf("Mask of %d characters = %q, length changed", n, got)
		}
		if shown := n - strings.Count(got, "*"); shown*2 > n {
			t.Fatalf("Mask of %d characters shows %d", n, shown)
		}
	}
}

func TestMaskName(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"two characters", "张三", "张*"},
		{"three characters", "王小明", "王**"},
		{"compound family name", "欧阳修明", "欧***"},
		{"one character", "张", "*"},
		{"minority name with dot", "阿沛·阿旺晋美", "阿******"},
		{"latin two words", "John Smith", "J*** S****"},
		{"latin one word", "Alice", "A****"},
		{"latin hyphen", "Mary-Jane Watson", "M***-J*** W*****"},
		{"accented latin", "Zoë Ångström", "Z** Å*******"},
		{"surrounding white space", "  李四 ", "李*"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := MaskName(tc.in); got != tc.want {
				t.Fatalf("MaskName(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestMaskPhone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		in   string
		want string
	}{
		{"mobile", "13812345678", "138****5678"},
		{"mobile with spaces around", " 13812345678 ", "138****5678"},
		{"landline", "021-12345678", "02******5678"},
		{"international", "+8613812345678", "+86*******5678"},
		{"short", "110", "**0"},
		{"empty", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := MaskPhone(tc.in); got != tc.want {
				t.Fatalf("MaskPhone(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
