package creditcode

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Alphabet lists the 31 characters a code may contain; a character's value is
// its index here.
const Alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// Length is the number of characters in a code.
const Length = 18

// weights[i] is 3^i mod 31, the weight of position i+1 (GB 32100-2015 §5).
var weights = [Length - 1]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}

// values maps an ASCII byte to its value plus one; zero means not allowed.
var values = func() (v [256]int8) {
	for i := 0; i < len(Alphabet); i++ {
		v[Alphabet[i]] = int8(i + 1)
	}
	return v
}()

// Code is a validated unified social credit code: 18 upper-case characters
// from Alphabet with a correct check character. Only Parse and Complete make
// one; a Code converted from an arbitrary string may be invalid, and its
// accessors then return zero values.
type Code string

// Parse normalises s and validates it as a unified social credit code. It
// trims surrounding white space, folds full-width ASCII (such as "９１") to
// half-width and lower case to upper case, then checks, in this order, the
// length, the character set, the division digits and the check character.
// The error is a *fault.Error of kind Invalid naming the first problem found.
func Parse(s string) (Code, error) {
	n := normalize(s)
	if got := utf8.RuneCountInString(n); got != Length {
		return "", fault.Newf(fault.Invalid, "creditcode.length",
			"a unified social credit code has 18 characters, got %d", got).
			With("got", strconv.Itoa(got))
	}
	if err := checkCharset(n); err != nil {
		return "", err
	}
	if err := checkDivision(n); err != nil {
		return "", err
	}
	want := checkChar(n[:Length-1])
	if n[Length-1] != want {
		return "", fault.Newf(fault.Invalid, "creditcode.check_char",
			"check character should be %c", want).
			With("want", string(want))
	}
	return Code(n), nil
}

// Valid reports whether s parses as a unified social credit code.
func Valid(s string) bool {
	_, err := Parse(s)
	return err == nil
}

// CheckChar returns the check character (position 18) for the first 17
// characters of a code, normalised as Parse does. It checks only the length
// and the character set.
func CheckChar(first17 string) (byte, error) {
	n, err := prefix(first17)
	if err != nil {
		return 0, err
	}
	return checkChar(n), nil
}

// Complete appends the check character to the first 17 characters of a code
// and returns the validated code; the synthetic data generator uses it to
// make well-formed codes. The prefix must pass every check Parse makes
// except the check character.
func Complete(first17 string) (Code, error) {
	n, err := prefix(first17)
	if err != nil {
		return "", err
	}
	return Parse(n + string(checkChar(n)))
}

// String returns the code as 18 characters.
func (c Code) String() string { return string(c) }

// RegistrationAuthority returns position 1, the registration authority
// (for example '9' for market regulation, '5' for civil affairs, '1' for
// institutional establishment), or 0 if c is not 18 characters long.
func (c Code) RegistrationAuthority() byte {
	if len(c) != Length {
		return 0
	}
	return c[0]
}

// EntityType returns position 2, the entity type within the registration
// authority (for example '1' for a company under authority '9'), or 0 if c is
// not 18 characters long.
func (c Code) EntityType() byte {
	if len(c) != Length {
		return 0
	}
	return c[1]
}

// Division returns positions 3-8, the GB/T 2260 administrative division code
// of the registering authority, or "" if c is not 18 characters long.
func (c Code) Division() string {
	if len(c) != Length {
		return ""
	}
	return string(c[2:8])
}

// OrgCode returns positions 9-17, the organisation code (组织机构代码, whose
// own check character is its last), or "" if c is not 18 characters long.
func (c Code) OrgCode() string {
	if len(c) != Length {
		return ""
	}
	return string(c[8:17])
}

// normalize trims white space, folds full-width ASCII to half-width and
// upper-cases ASCII letters.
func normalize(s string) string {
	s = strings.TrimSpace(s)
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		switch {
		case r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII block
			r -= 0xFF01 - 0x21
		case r == 0x3000: // ideographic space
			r = ' '
		}
		if r >= 'a' && r <= 'z' {
			r -= 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// prefix normalises and checks the first 17 characters of a code.
func prefix(first17 string) (string, error) {
	n := normalize(first17)
	if got := utf8.RuneCountInString(n); got != Length-1 {
		return "", fault.Newf(fault.Invalid, "creditcode.prefix_length",
			"the first 17 characters of a unified social credit code are needed, got %d", got).
			With("got", strconv.Itoa(got))
	}
	if err := checkCharset(n); err != nil {
		return "", err
	}
	return n, nil
}

// checkCharset reports the first character outside Alphabet with its
// 1-based position.
func checkCharset(n string) error {
	pos := 0
	for _, r := range n {
		pos++
		if r < utf8.RuneSelf && values[r] != 0 {
			continue
		}
		return fault.Newf(fault.Invalid, "creditcode.charset",
			"character %q at position %d is not allowed in a unified social credit code", r, pos).
			With("char", string(r)).
			With("pos", strconv.Itoa(pos))
	}
	return nil
}

// checkDivision requires positions 3-8 of an all-ASCII code to be digits.
func checkDivision(n string) error {
	d := n[2:8]
	for i := 0; i < len(d); i++ {
		if d[i] < '0' || d[i] > '9' {
			return fault.Newf(fault.Invalid, "creditcode.division",
				"positions 3-8 of a unified social credit code must be a 6-digit division code, got %s", d).
				With("got", d)
		}
	}
	return nil
}

// checkChar computes the check character of 17 valid ASCII characters.
func checkChar(first17 string) byte {
	sum := 0
	for i := 0; i < Length-1; i++ {
		sum += int(values[first17[i]]-1) * weights[i]
	}
	c := 31 - sum%31
	if c == 31 {
		c = 0
	}
	return Alphabet[c]
}
