package creditcode

// OrgCodeCheck returns the GB 11714 check character of an 8-character
// organisation code body (digits and upper-case letters): weights 3 7 9 10
// 5 8 4 2 with letters worth 10 for A onwards, C9 = 11 - sum mod 11, 10
// written X and 11 written 0. Positions 9-17 of a unified social credit
// code are such an organisation code. It returns 0 for a malformed body.
func OrgCodeCheck(body string) byte {
	if len(body) != 8 {
		return 0
	}
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 8 {
		c := body[i]
		var v int
		switch {
		case c >= '0' && c <= '9':
			v = int(c - '0')
		case c >= 'A' && c <= 'Z':
			v = int(c-'A') + 10
		default:
			return 0
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}
