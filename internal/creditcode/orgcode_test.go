package creditcode

import "testing"

func TestOrgCodeCheck(t *testing.T) {
	t.Parallel()
	// Positions 9-17 of published codes are GB 11714 organisation codes.
	for _, code := range []string{"914403001922038216", "91110108551385082Q"} {
		if got := OrgCodeCheck(code[8:16]); got != code[16] {
			t.Errorf("%s: check = %q, want %q", code, got, code[16])
		}
	}
	for _, bad := range []string{"", "1234567", "1234567a", "12345678X"} {
		if got := OrgCodeCheck(bad); got != 0 {
			t.Errorf("OrgCodeCheck(%q) = %q, want 0", bad, got)
		}
	}
}
