package personid

import (
	"strings"
	"unicode"
)

// Mask hides the middle of an identity number for display: an 18-character
// number shows its first 6 (the address code) and last 4 characters, so the
// birth date and most of the sequence are hidden ("110101********1234").
// Input of any other length is masked gracefully: anything 18 runes or longer
// shows the same 6 and 4; anything shorter shows at most half of its
// characters, split about 3:2 between the start and the end. The empty
// string stays empty.
func Mask(id string) string {
	r := []rune(strings.TrimSpace(id))
	if len(r) >= Length {
		return maskMiddle(r, 6, 4)
	}
	shown := len(r) / 2
	head := (shown*6 + 5) / 10 // round 60 % of what may be shown
	return maskMiddle(r, head, shown-head)
}

// MaskName hides a person's name for display. A Chinese name keeps its first
// character (the family name, or the first of a compound one) and replaces
// every other character with '*' ("张三" → "张*", "欧阳修明" → "欧***"); a
// one-character name becomes "*". A name without Han characters (a Latin
// name) keeps the first letter of each word ("John Smith" → "J*** S****").
// White space is kept; the empty string stays empty.
func MaskName(name string) string {
	r := []rune(strings.TrimSpace(name))
	if len(r) == 0 {
		return ""
	}
	han := false
	for _, c := range r {
		if unicode.Is(unicode.Han, c) {
			han = true
			break
		}
	}
	out := make([]rune, len(r))
	if han {
		for i, c := range r {
			switch {
			case unicode.IsSpace(c):
				out[i] = c
			case i == 0 && len(r) > 1:
				out[i] = c
			default:
				out[i] = '*'
			}
		}
		return string(out)
	}
	startOfWord := true
	for i, c := range r {
		switch {
		case !unicode.IsLetter(c) && !unicode.IsMark(c):
			out[i] = c
			startOfWord = true
		case startOfWord:
			out[i] = c
			startOfWord = false
		default:
			out[i] = '*'
		}
	}
	return string(out)
}

// MaskPhone hides the middle of a phone number for display. An 11-character
// number (a mainland mobile number) shows its first 3 and last 4 characters
// ("13812345678" → "138****5678"); any other length shows at most half of
// its characters, split between the start and the end. Surrounding white
// space is dropped; the empty string stays empty.
func MaskPhone(p string) string {
	r := []rune(strings.TrimSpace(p))
	if len(r) == 11 {
		return maskMiddle(r, 3, 4)
	}
	shown := len(r) / 2
	head := shown * 3 / 7
	return maskMiddle(r, head, shown-head)
}

// maskMiddle keeps head runes at the start and tail runes at the end and
// replaces the rest with '*'.
func maskMiddle(r []rune, head, tail int) string {
	out := make([]rune, len(r))
	for i, c := range r {
		if i < head || i >= len(r)-tail {
			out[i] = c
		} else {
			out[i] = '*'
		}
	}
	return string(out)
}
