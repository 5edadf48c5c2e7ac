package personid

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Length is the number of characters in a resident identity number.
const Length = 18

// weights[i] is 2^(17-i) mod 11, the ISO 7064 MOD 11-2 weight of position i+1.
var weights = [Length - 1]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}

// checkChars[sum mod 11] is the check character.
const checkChars = "10X98765432"

// china is UTC+8 without tz data: "today" for the birth-date rule is the
// calendar day in China.
var china = time.FixedZone("CST", 8*60*60)

// now is the clock of the birth-date rule; tests replace it.
var now = time.Now

// Validate normalises s and checks it as a resident identity number,
// returning the number with an upper-case 'X'. It trims white space and folds
// full-width characters, then checks, in this order, the length, the
// character set (17 digits, then a digit or X), the birth date (a real date
// from 1900-01-01 up to today in China) and the check character. The error is
// a *fault.Error of kind Invalid naming the first problem found.
func Validate(s string) (string, error) {
	n := normalize(s)
	if got := utf8.RuneCountInString(n); got != Length {
		return "", fault.Newf(fault.Invalid, "personid.length",
			"a resident identity number has 18 characters, got %d", got).
			With("got", strconv.Itoa(got))
	}
	if err := checkCharset(n, true); err != nil {
		return "", err
	}
	if err := checkBirthdate(n[6:14]); err != nil {
		return "", err
	}
	if want := checkChar(n[:Length-1]); n[Length-1] != want {
		return "", fault.Newf(fault.Invalid, "personid.check_char",
			"check character should be %c", want).
			With("want", string(want))
	}
	return n, nil
}

// CheckChar returns the ISO 7064 MOD 11-2 check character ('0'-'9' or 'X')
// for the first 17 digits of a number. It checks only the length and that
// all 17 characters are digits.
func CheckChar(first17 string) (byte, error) {
	n, err := prefix(first17)
	if err != nil {
		return 0, err
	}
	return checkChar(n), nil
}

// Complete appends the check character to the first 17 digits and returns
// the validated number; the synthetic data generator uses it. The birth date
// must pass Validate's rule.
func Complete(first17 string) (string, error) {
	n, err := prefix(first17)
	if err != nil {
		return "", err
	}
	return Validate(n + string(checkChar(n)))
}

func normalize(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII block
			r -= 0xFF01 - 0x21
		}
		if r == 'x' {
			r = 'X'
		}
		b.WriteRune(r)
	}
	return b.String()
}

func prefix(first17 string) (string, error) {
	n := normalize(first17)
	if got := utf8.RuneCountInString(n); got != Length-1 {
		return "", fault.Newf(fault.Invalid, "personid.prefix_length",
			"the first 17 digits of a resident identity number are needed, got %d characters", got).
			With("got", strconv.Itoa(got))
	}
	if err := checkCharset(n, false); err != nil {
		return "", err
	}
	return n, nil
}

// checkCharset requires digits, allowing 'X' in position 18 when full is set.
func checkCharset(n string, full bool) error {
	pos := 0
	for _, r := range n {
		pos++
		if r >= '0' && r <= '9' || full && pos == Length && r == 'X' {
			continue
		}
		return fault.Newf(fault.Invalid, "personid.charset",
			"character %q at position %d is not allowed in a resident identity number", r, pos).
			With("char", string(r)).
			With("pos", strconv.Itoa(pos))
	}
	return nil
}

// checkBirthdate validates 8 ASCII digits YYYYMMDD. The error carries no
// params: a birth date is personal information.
func checkBirthdate(d string) error {
	t, err := time.ParseInLocation("20060102", d, china)
	today := now().In(china)
	if err != nil || t.Year() < 1900 || t.After(today) {
		return fault.New(fault.Invalid, "personid.birthdate",
			"the birth date in a resident identity number must be a real date from 1900 to today")
	}
	return nil
}

// checkChar computes the check character of 17 ASCII digits.
func checkChar(first17 string) byte {
	sum := 0
	for i := 0; i < Length-1; i++ {
		sum += int(first17[i]-'0') * weights[i]
	}
	return checkChars[sum%11]
}
