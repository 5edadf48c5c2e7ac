package storetest

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/store"
)

// Each tamper case builds the same log on a fresh store: 20 entries, a
// checkpoint signed at entry 20, then 5 more entries. It then alters the
// tables with raw SQL, as an operator with database access could, and
// expects audit.Verify to name the first entry concerned.
const (
	signedAt = 20
	total    = 25
)

func signedLog(t *testing.T, h Harness) (store.Store, ed25519.PublicKey, []audit.Entry) {
	t.Helper()
	s := h.Open(t)
	pub, priv := newKey(t)
	entries := appendN(t, s, signedAt)
	head, err := s.AuditHead(ctx(t))
	must(t, err)
	cp := audit.SignCheckpoint(priv, head, time.Now())
	must(t, s.InsertCheckpoint(ctx(t), &cp))
	entries = append(entries, appendN(t, s, total-signedAt)...)
	return s, pub, entries
}

// wantProblem checks Verify reports a problem at seq whose reason mentions
// hint.
func wantProblem(t *testing.T, s store.Store, pub ed25519.PublicKey, seq int64, hint string) {
	t.Helper()
	rep := verify(t, s, pub)
	if rep.OK() {
		t.Fatalf("Verify accepted a tampered log: %+v", rep)
	}
	if rep.Problem.Seq != seq || !strings.Contains(rep.Problem.Reason, hint) {
		t.Fatalf("Verify problem = %v, want one at entry %d mentioning %q", rep.Problem, seq, hint)
	}
}

var tamperCases = []testCase{
	{"Verify_accepts_the_untampered_signed_log", func(t *testing.T, h Harness) {
		s, pub, _ := signedLog(t, h)
		rep := verify(t, s, pub)
		if !rep.OK() || rep.Entries != total || rep.LastSigned != signedAt || rep.Head.Seq != total {
			t.Fatalf("Verify = %+v (problem %v), want OK, %d entries, signed to %d", rep, rep.Problem, total, signedAt)
		}
	}},
	{"Tamper_edited_field_is_caught_at_that_entry", func(t *testing.T, h Harness) {
		s, pub, _ := signedLog(t, h)
		h.Exec(t, s, `UPDATE audit_log SET detail = $1 WHERE seq = $2`, `{"i":"rewritten"}`, 7)
		wantProblem(t, s, pub, 7, "edited")
	}},
	{"Tamper_edited_field_after_the_checkpoint_is_caught_too", func(t *testing.T, h Harness) {
		s, pub, _ := signedLog(t, h)
		h.Exec(t, s, `UPDATE audit_log SET enterprise_id = enterprise_id + 1 WHERE seq = $1`, 23)
		wantProblem(t, s, pub, 23, "edited")
	}},
	{"Tamper_deleted_middle_entry_is_caught_at_its_seq", func(t *testing.T, h Harness) {
		s, pub, _ := signedLog(t, h)
		h.Exec(t, s, `DELETE FROM audit_log WHERE seq = $1`, 12)
		wantProblem(t, s, pub, 12, "missing")
	}},
	{"Tamper_reordered_entries_are_caught_at_the_first_swapped_seq", func(t *testing.T, h Harness) {
		s, pub, entries := signedLog(t, h)
		// Swap every column but seq between entries 5 and 6, by moving
		// the rows through a free seq.
		h.Exec(t, s, `UPDATE audit_log SET seq = -1 WHERE seq = 5`)
		h.Exec(t, s, `UPDATE audit_log SET seq = 5 WHERE seq = 6`)
		h.Exec(t, s, `UPDATE audit_log SET seq = 6 WHERE seq = -1`)
		var at5 audit.Entry
		if err := s.ScanAudit(ctx(t), 4, func(e audit.Entry) error { at5 = e; return errStop }); !errors.Is(err, errStop) {
			t.Fatalf("ScanAudit: %v", err)
		}
		if at5.Hash != entries[5].Hash {
			t.Fatalf("swap did not happen: entry at seq 5 has hash %s", at5.Hash)
		}
		wantProblem(t, s, pub, 5, "reordered")
	}},
	{"Tamper_truncated_tail_past_the_checkpoint_is_caught", func(t *testing.T, h Harness) {
		s, pub, entries := signedLog(t, h)
		const keep = 15
		h.Exec(t, s, `DELETE FROM audit_log WHERE seq > $1`, keep)
		h.Exec(t, s, `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, keep, entries[keep-1].Hash)
		head, err := s.AuditHead(ctx(t))
		must(t, err)
		equal(t, "head after truncation", head, audit.Head{Seq: keep, Hash: entries[keep-1].Hash})
		wantProblem(t, s, pub, keep+1, "truncated")
	}},
}
