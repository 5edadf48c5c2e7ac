package storetest

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

func entry(i int) *audit.Entry {
	return &audit.Entry{
		ActorUserID: int64(1 + i%3), ActorName: fmt.Sprintf("user%d", 1+i%3), OrgID: int64(10 + i%2),
		Action: "enterprise.read", EnterpriseID: int64(100 + i%4), Items: []string{"registration", "tax.grade"},
		Purpose: "loan_application", AuthorizationID: fmt.Sprintf("auth-%d", i), Detail: fmt.Sprintf(`{"i":%d}`, i),
		RemoteAddr: "192.0.2.1",
	}
}

func appendN(t *testing.T, s store.Store, n int) []audit.Entry {
	t.Helper()
	out := make([]audit.Entry, 0, n)
	for i := range n {
		e := entry(i)
		must(t, s.AppendAudit(ctx(t), e))
		out = append(out, *e)
	}
	return out
}

func newKey(t *testing.T) (ed25519.PublicKey, ed25519.PrivateKey) {
	t.Helper()
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	must(t, err)
	return pub, priv
}

func verify(t *testing.T, s store.Store, pub ed25519.PublicKey) audit.Report {
	t.Helper()
	rep, err := audit.Verify(ctx(t), s, []ed25519.PublicKey{pub})
	must(t, err)
	return rep
}

var auditCases = []testCase{
	{"AppendAudit_seals_links_and_advances_AuditHead_and_entries_round_trip", func(t *testing.T, h Harness) {
		s := h.Open(t)
		head, err := s.AuditHead(ctx(t))
		must(t, err)
		equal(t, "empty head", head, audit.Head{})

		first := &audit.Entry{ActorName: "system", Action: "platform.start"} // no time, items or outcome
		must(t, s.AppendAudit(ctx(t), first))
		second := entry(1)
		second.Outcome = audit.Denied
		must(t, s.AppendAudit(ctx(t), second))
		if first.Seq != 1 || first.PrevHash != "" || second.Seq != 2 || second.PrevHash != first.Hash {
			t.Fatalf("chain links: first %d/%q, second %d prev %q", first.Seq, first.PrevHash, second.Seq, second.PrevHash)
		}
		if first.Outcome != audit.OK || first.Time.IsZero() || first.Hash != audit.ComputeHash(*first) {
			t.Fatalf("Seal did not complete the first entry: %+v", first)
		}
		head, err = s.AuditHead(ctx(t))
		must(t, err)
		equal(t, "head", head, audit.Head{Seq: 2, Hash: second.Hash})

		got, err := s.ListAudit(ctx(t), audit.Filter{})
		must(t, err)
		equal(t, "ListAudit newest first", got, []audit.Entry{*second, *first})
	}},
	{"AppendAudit_bad_outcome_is_Invalid_store.check_and_leaves_the_head", func(t *testing.T, h Harness) {
		s := h.Open(t)
		appendN(t, s, 2)
		before, err := s.AuditHead(ctx(t))
		must(t, err)
		bad := entry(9)
		bad.Outcome = "maybe"
		wantFault(t, s.AppendAudit(ctx(t), bad), fault.Invalid, "store.check")
		after, err := s.AuditHead(ctx(t))
		must(t, err)
		equal(t, "head after failed append", after, before)
		next := entry(10)
		must(t, s.AppendAudit(ctx(t), next))
		if next.Seq != 3 {
			t.Fatalf("next append got seq %d, want 3 (no gap)", next.Seq)
		}
	}},
	{"AppendAudit_time_round_trips_at_microsecond_precision_and_hash_survives", func(t *testing.T, h Harness) {
		s := h.Open(t)
		cst := time.FixedZone("CST", 8*3600)
		times := []time.Time{
			time.Date(2025, 7, 1, 8, 0, 0, 123456789, cst), // nanoseconds dropped
			time.Date(1999, 12, 31, 23, 59, 59, 999999000, time.UTC),
			time.Date(2030, 1, 1, 0, 0, 0, 1000, time.UTC),
			time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC), // whole second: no fraction to lose
		}
		var want []audit.Entry
		for i, at := range times {
			e := entry(i)
			e.Time = at
			must(t, s.AppendAudit(ctx(t), e))
			equal(t, label("sealed time %d", i), e.Time, at.UTC().Truncate(time.Microsecond))
			want = append([]audit.Entry{*e}, want...)
		}
		got, err := s.ListAudit(ctx(t), audit.Filter{})
		must(t, err)
		equal(t, "entries read back", got, want)
		for _, e := range got {
			if audit.ComputeHash(e) != e.Hash {
				t.Fatalf("entry %d read back hashes differently", e.Seq)
			}
		}
	}},
	{"ListAudit_filters_by_enterprise_actor_org_action_and_pages_newest_first", func(t *testing.T, h Harness) {
		s := h.Open(t)
		actions := []string{"auth.sign_in", "auth.sign_out", "authz.grant", "auth.sign_in2", "a_b.c", "axb.c", "enterprise.read"}
		for i, a := range actions {
			e := entry(i)
			e.Action, e.EnterpriseID, e.ActorUserID, e.OrgID = a, int64(100+i%2), int64(1+i%3), int64(10+i%4)
			must(t, s.AppendAudit(ctx(t), e))
		}
		seq := func(e audit.Entry) int64 { return e.Seq }
		tests := []struct {
			name string
			f    audit.Filter
			want []int64
		}{
			{"all newest first", audit.Filter{}, []int64{7, 6, 5, 4, 3, 2, 1}},
			{"enterprise", audit.Filter{EnterpriseID: 101}, []int64{6, 4, 2}},
			{"actor", audit.Filter{ActorUserID: 1}, []int64{7, 4, 1}},
			{"org", audit.Filter{OrgID: 10}, []int64{5, 1}},
			{"exact action", audit.Filter{Action: "auth.sign_in"}, []int64{1}},
			{"action prefix", audit.Filter{Action: "auth."}, []int64{4, 2, 1}},
			{"action prefix with literal underscore", audit.Filter{Action: "a_b."}, []int64{5}},
			{"before seq", audit.Filter{BeforeSeq: 4}, []int64{3, 2, 1}},
			{"limit", audit.Filter{Limit: 2}, []int64{7, 6}},
			{"combined", audit.Filter{EnterpriseID: 100, Action: "auth.", BeforeSeq: 7}, []int64{1}},
			{"nothing matches", audit.Filter{EnterpriseID: 5}, []int64{}},
		}
		for _, tc := range tests {
			got, err := s.ListAudit(ctx(t), tc.f)
			must(t, err)
			equal(t, tc.name, ids(got, seq), tc.want)
		}
	}},
	{"ScanAudit_streams_in_seq_order_across_batches_from_after_and_stops_at_fn_error", func(t *testing.T, h Harness) {
		s := h.Open(t)
		const n = 1203 // more than two internal batches
		inTx(t, s, func(tx store.Store) error {
			for i := range n {
				if err := tx.AppendAudit(ctx(t), entry(i)); err != nil {
					return err
				}
			}
			return nil
		})
		scan := func(after int64, stopAt int) ([]int64, error) {
			var seen []int64
			err := s.ScanAudit(ctx(t), after, func(e audit.Entry) error {
				seen = append(seen, e.Seq)
				if len(seen) == stopAt {
					return errStop
				}
				return nil
			})
			return seen, err
		}
		all, err := scan(0, -1)
		must(t, err)
		for i, q := range all {
			if q != int64(i+1) {
				t.Fatalf("scan position %d has seq %d", i, q)
			}
		}
		if len(all) != n {
			t.Fatalf("scanned %d entries, want %d", len(all), n)
		}
		tail, err := scan(1000, -1)
		must(t, err)
		if len(tail) != n-1000 || tail[0] != 1001 || tail[len(tail)-1] != n {
			t.Fatalf("scan after 1000: %d entries from %d to %d", len(tail), tail[0], tail[len(tail)-1])
		}
		stopped, err := scan(0, 3)
		if !errors.Is(err, errStop) || len(stopped) != 3 {
			t.Fatalf("scan with fn error: %d calls, err %v; want 3 calls and fn's error", len(stopped), err)
		}
		none, err := scan(n, -1)
		must(t, err)
		if len(none) != 0 {
			t.Fatalf("scan after the head returned %v", none)
		}
	}},
	{"InsertCheckpoint_sets_id_and_ListCheckpoints_returns_oldest_first", func(t *testing.T, h Harness) {
		s := h.Open(t)
		pub, priv := newKey(t)
		cps, err := s.ListCheckpoints(ctx(t))
		must(t, err)
		if len(cps) != 0 {
			t.Fatalf("fresh store has checkpoints: %v", cps)
		}
		var want []audit.Checkpoint
		for round := range 2 {
			appendN(t, s, 3)
			head, err := s.AuditHead(ctx(t))
			must(t, err)
			c := audit.SignCheckpoint(priv, head, time.Now().Add(time.Duration(round)*time.Nanosecond))
			must(t, s.InsertCheckpoint(ctx(t), &c))
			if c.ID == 0 {
				t.Fatal("InsertCheckpoint did not set ID")
			}
			want = append(want, c)
		}
		got, err := s.ListCheckpoints(ctx(t))
		must(t, err)
		equal(t, "ListCheckpoints", got, want)
		rep := verify(t, s, pub)
		if !rep.OK() || rep.LastSigned != 6 || rep.Checkpoints != 2 {
			t.Fatalf("Verify = %+v, want OK with LastSigned 6", rep)
		}
	}},
	{"AppendAudit_from_8_goroutines_x_25_leaves_a_gap_free_chain_that_Verify_accepts", func(t *testing.T, h Harness) {
		s := h.Open(t)
		const workers, each = 8, 25
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					e := entry(w*each + i)
					e.Detail = fmt.Sprintf("worker %d entry %d", w, i)
					if err := s.AppendAudit(ctx(t), e); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatalf("concurrent append: %v", err)
		}
		pub, _ := newKey(t)
		rep := verify(t, s, pub)
		if !rep.OK() || rep.Entries != workers*each || rep.Head.Seq != workers*each {
			t.Fatalf("Verify after concurrent appends = %+v (problem %v), want %d entries OK", rep, rep.Problem, workers*each)
		}
		head, err := s.AuditHead(ctx(t))
		must(t, err)
		equal(t, "AuditHead matches the verified chain", head, rep.Head)
	}},
}
