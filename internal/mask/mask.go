package mask

import (
	"strings"
	"unicode"

	"github.com/creditbridge/creditbridge/internal/personid"
)

// Kind is how one value is masked.
type Kind string

// Masking kinds.
const (
	// KindName keeps a person's family name (first character) or, for a
	// Latin name, the first letter of each word: 张三丰 → 张**.
	KindName Kind = "name"
	// KindIDNumber keeps the address code and the last four characters of
	// an 18-character resident identity number (320102**********1234 style);
	// shorter numbers (15-digit old numbers) show at most half.
	KindIDNumber Kind = "id_number"
	// KindPhone keeps the first 3 and last 4 digits of a mobile number:
	// 138****5678.
	KindPhone Kind = "phone"
	// KindText is free text: identity numbers and mobile numbers found
	// inside it are masked, everything else is kept.
	KindText Kind = "text"
	// KindPerson is a name optionally followed, after white space, by an
	// identity number (the registry's "name id" form): 张三 320102199001011234
	// → 张* 320102********1234.
	KindPerson Kind = "person"
	// KindDrop removes the value when masking is asked for.
	KindDrop Kind = "drop"
	// KindSecret removes the value whether or not masking is asked for
	// (sealed blobs): it must never leave the platform.
	KindSecret Kind = "secret"
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{KindName, KindIDNumber, KindPhone, KindText, KindPerson, KindDrop, KindSecret}
}

// Value masks s by kind k; an unknown kind masks like KindName (the
// strictest that keeps a value), so a typo in a rule never leaks.
func Value(k Kind, s string) string {
	switch k {
	case KindIDNumber:
		return IDNumber(s)
	case KindPhone:
		return Phone(s)
	case KindText:
		return Text(s)
	case KindPerson:
		return Person(s)
	case KindDrop, KindSecret:
		return ""
	default:
		return Name(s)
	}
}

// Name masks a person's name (see KindName). A one-character name becomes
// "*".
func Name(s string) string { return personid.MaskName(s) }

// IDNumber masks a resident identity number (see KindIDNumber).
func IDNumber(s string) string { return personid.Mask(s) }

// Phone masks a phone number (see KindPhone).
func Phone(s string) string { return personid.MaskPhone(s) }

// Person masks a name optionally followed by an identity number (see
// KindPerson); text after the first white space is masked as free text.
func Person(s string) string {
	s = strings.TrimSpace(s)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		if isIDNumber(s) {
			return IDNumber(s)
		}
		return Name(s)
	}
	return Name(s[:i]) + s[i:i+1] + Text(strings.TrimSpace(s[i:]))
}

// Text masks the identity numbers and mainland mobile numbers found in
// free text. A candidate is a maximal run of ASCII letters and digits: 18
// characters of 17 digits and a digit or X, or 15 digits, is an identity
// number; 11 digits starting 13-19 is a mobile number. Runs of other
// lengths (amounts, dates, case numbers, credit codes with letters) are
// kept, so "身份证号320102199001011234，电话13812345678" becomes
// "身份证号320102********1234，电话138****5678".
func Text(s string) string {
	var b strings.Builder
	start := -1 // start of the current alphanumeric run
	flush := func(end int) {
		if start < 0 {
			return
		}
		run := s[start:end]
		switch {
		case isIDNumber(run):
			b.WriteString(IDNumber(run))
		case isMobile(run):
			b.WriteString(Phone(run))
		default:
			b.WriteString(run)
		}
		start = -1
	}
	for i, r := range s {
		if r < unicode.MaxASCII && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			if start < 0 {
				start = i
			}
			continue
		}
		flush(i)
		b.WriteRune(r)
	}
	flush(len(s))
	return b.String()
}

func isIDNumber(run string) bool {
	switch len(run) {
	case personid.Length:
		return allDigits(run[:17]) && (isDigit(run[17]) || run[17] == 'X' || run[17] == 'x')
	case 15:
		return allDigits(run)
	}
	return false
}

func isMobile(run string) bool {
	return len(run) == 11 && run[0] == '1' && run[1] >= '3' && run[1] <= '9' && allDigits(run)
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
