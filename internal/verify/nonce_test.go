package verify

import (
	"testing"
	"time"
)

// TestAttestationIDsSortByIssueTimeAndDiffer: an id issued a millisecond
// later sorts after, ids of the same millisecond differ, and all are
// URL-safe text of one length.
func TestAttestationIDsSortByIssueTimeAndDiffer(t *testing.T) {
	t0 := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	prev := ""
	for i := range 2000 {
		at := t0.Add(time.Duration(i/2) * time.Millisecond)
		id := nonce(at)
		if len(id) != 28 {
			t.Fatalf("id %q has %d characters, want 28", id, len(id))
		}
		for _, r := range id {
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-' || r == '_') {
				t.Fatalf("id %q holds %q", id, r)
			}
		}
		if seen[id] {
			t.Fatalf("id %q issued twice", id)
		}
		seen[id] = true
		if i > 0 && i%2 == 0 && id[:12] <= prev[:12] {
			t.Fatalf("id %q of a later millisecond does not sort after %q", id, prev)
		}
		prev = id
	}
}
