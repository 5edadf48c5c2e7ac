package storetest

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
	vq "github.com/creditbridge/creditbridge/internal/verify"
)

func asked(org, ent int64, q string, at time.Time, probes ...vq.Probe) vq.Asked {
	return vq.Asked{OrgID: org, EnterpriseID: ent, Question: q, Answer: vq.True, AttestationID: label("att-%d-%d-%s-%d", org, ent, q, at.UnixNano()),
		Probes: probes, AskedAt: at}
}

// about is an organisation's history about an enterprise as the service
// reads it: what LockVerifications returns.
func about(t *testing.T, s store.Store, org, ent int64, since time.Time) ([]vq.Asked, error) {
	t.Helper()
	l, err := lockOne(t, s, org, ent, since)
	return l.History, err
}

// lockOne is LockVerifications of one request reading since.
func lockOne(t *testing.T, s store.Store, org, ent int64, since time.Time) (vq.Locked, error) {
	t.Helper()
	ls, err := s.LockVerifications(ctx(t), []vq.LockRequest{{OrgID: org, EnterpriseID: ent, DaySince: since, WindowSince: since}})
	if err != nil {
		return vq.Locked{}, err
	}
	if len(ls) != 1 {
		t.Fatalf("LockVerifications of one request returned %d results", len(ls))
	}
	return ls[0], nil
}

// bound is the organisation's day bound LockVerifications returns.
func bound(t *testing.T, s store.Store, org int64, since time.Time) (int, error) {
	t.Helper()
	l, err := lockOne(t, s, org, 0, since)
	return l.DayBound, err
}

var verifyCases = []testCase{
	{"RecordVerifications_round_trip_read_back_through_LockVerifications", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 1), "甲", "A", "320505"))
		b := create(t, s, record(code("320505", 2), "乙", "B", "320505"))
		t0 := utc(2026, 11, 1, 8, 0, 0, 123456)
		p1 := vq.Probe{Item: "tax.paid_total", Variable: "tax_paid_12m", Value: "1000000"}
		p2 := vq.Probe{Item: "tax.paid_total", Variable: "tax_paid_12m", Value: "2e+06"}
		as := []vq.Asked{
			asked(7, a.ID, "tax_paid_12m >= 1000000", t0, p1),
			asked(7, a.ID, "tax_paid_12m between 1000000 and 2000000", t0.Add(time.Hour), p1, p2),
			asked(7, b.ID, "has_enforcement_case == false", t0.Add(2*time.Hour)),
			asked(8, a.ID, "tax_paid_12m >= 1000000", t0.Add(3*time.Hour), p1),
		}
		as[2].Answer = vq.Unknown
		must(t, s.RecordVerifications(ctx(t), as, nil))
		for i, x := range as {
			if x.ID == 0 {
				t.Fatalf("question %d: ID not set", i)
			}
		}
		got, err := about(t, s, 7, a.ID, t0.Add(-time.Second))
		must(t, err)
		want := []vq.Asked{as[0], as[1]}
		want[0].Probes, want[1].Probes = []vq.Probe{p1}, []vq.Probe{p1, p2}
		equal(t, "history(7, a)", got, want)
		got, err = about(t, s, 7, a.ID, t0) // strictly after since
		must(t, err)
		equal(t, "history(7, a, since t0)", ids(got, func(x vq.Asked) int64 { return x.ID }), []int64{as[1].ID})
		got, err = about(t, s, 7, b.ID, t0.Add(-time.Second))
		must(t, err)
		if len(got) != 1 || got[0].Answer != vq.Unknown || len(got[0].Probes) != 0 {
			t.Fatalf("history(7, b) = %+v, want the one unknown answer without probes", got)
		}
		n, oldest, err := s.CountVerifications(ctx(t), 7, t0.Add(-time.Second), 0)
		must(t, err)
		if n != 3 || !oldest.Equal(t0) {
			t.Fatalf("CountVerifications(7) = %d, %s; want 3, %s", n, oldest, t0)
		}
		n, oldest, err = s.CountVerifications(ctx(t), 7, t0.Add(-time.Second), 2)
		must(t, err)
		if n != 2 || !oldest.Equal(t0) {
			t.Fatalf("CountVerifications(7, limit 2) = %d, %s; want 2, %s", n, oldest, t0)
		}
		n, oldest, err = s.CountVerifications(ctx(t), 9, t0.Add(-time.Second), 0)
		must(t, err)
		if n != 0 || !oldest.IsZero() {
			t.Fatalf("CountVerifications(9) = %d, %s; want 0 and zero time", n, oldest)
		}
	}},
	{"LockVerifications_of_several_requests_reads_each_as_alone", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 6), "己", "F", "320505"))
		b := create(t, s, record(code("320505", 7), "庚", "G", "320505"))
		t0 := utc(2026, 11, 2, 9, 0, 0, 0)
		p := vq.Probe{Item: "tax.paid_total", Variable: "tax_paid_12m", Value: "1000000"}
		must(t, s.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, "q1", t0), asked(7, b.ID, "q2", t0.Add(time.Minute)),
			asked(7, a.ID, "q3", t0.Add(2*time.Minute)), asked(8, b.ID, "q4", t0.Add(3*time.Minute)), asked(8, b.ID, "q5", t0.Add(4*time.Minute), p)}, nil))
		since := t0.Add(-time.Hour)
		reqs := []vq.LockRequest{
			{OrgID: 7, EnterpriseID: a.ID, DaySince: since, WindowSince: since},
			{OrgID: 7, EnterpriseID: b.ID, DaySince: since, WindowSince: t0.Add(30 * time.Second)},
			{OrgID: 8, EnterpriseID: a.ID, DaySince: since, WindowSince: since},
			{OrgID: 8, EnterpriseID: b.ID, DaySince: t0.Add(2 * time.Hour), WindowSince: since},
		}
		var got []vq.Locked
		must(t, s.InTx(ctx(t), func(tx store.Store) error {
			var err error
			got, err = tx.LockVerifications(ctx(t), reqs)
			return err
		}))
		if len(got) != len(reqs) {
			t.Fatalf("%d results for %d requests", len(got), len(reqs))
		}
		questions := func(as []vq.Asked) []string {
			out := []string{}
			for _, x := range as {
				out = append(out, x.Question)
			}
			return out
		}
		for i, want := range []struct {
			bound int
			hist  []string
		}{{3, []string{"q1", "q3"}}, {3, []string{"q2"}}, {2, []string{}},
			// Before the day: q4 compared no constant, so the limits do not
			// count it and it is not read; q5 compared one.
			{0, []string{"q5"}}} {
			if got[i].DayBound != want.bound {
				t.Errorf("request %d: day bound %d, want %d", i, got[i].DayBound, want.bound)
			}
			equal(t, label("request %d: history", i), questions(got[i].History), want.hist)
		}
	}},
	{"LockVerifications_day_bound_sums_the_hours_from_since's_on", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 5), "戊", "E", "320505"))
		t0 := utc(2026, 11, 1, 8, 0, 0, 123456) // 08:00:00.123456
		must(t, s.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, "q1", t0), asked(7, a.ID, "q2", t0.Add(59*time.Minute))}, nil))
		must(t, s.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, "q3", t0.Add(time.Hour)), asked(8, a.ID, "q4", t0.Add(time.Hour))}, nil))
		must(t, s.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, "q5", t0.Add(26*time.Hour))}, nil))
		for _, c := range []struct {
			org   int64
			since time.Time
			want  int
		}{
			{7, t0.Add(-time.Hour), 4},
			{7, t0.Add(-time.Second), 4},     // 07:59:59: its hour holds none
			{7, t0.Add(30 * time.Minute), 4}, // 08:30: the 08 hour's two count, one of them older
			{7, t0.Add(time.Hour), 2},        // 09:00:00.123456: q3 and q5
			{7, t0.Add(2 * time.Hour), 1},
			{7, t0.Add(27 * time.Hour), 0},
			{8, t0.Add(-time.Hour), 1},
			{9, t0.Add(-time.Hour), 0},
		} {
			got, err := bound(t, s, c.org, c.since)
			must(t, err)
			if got != c.want {
				t.Errorf("day bound(%d, %s) = %d, want %d", c.org, c.since.Format(time.RFC3339Nano), got, c.want)
			}
			exact, _, err := s.CountVerifications(ctx(t), c.org, c.since, 0)
			must(t, err)
			if exact > got {
				t.Errorf("CountVerifications(%d, %s) = %d exceeds the bound %d", c.org, c.since.Format(time.RFC3339Nano), exact, got)
			}
		}
		// A failed append counts nothing.
		err := s.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, "x", t0), asked(7, a.ID+1000, "y", t0)}, nil)
		wantFault(t, err, fault.Invalid, "store.reference")
		got, err := bound(t, s, 7, t0.Add(-time.Hour))
		must(t, err)
		if got != 4 {
			t.Fatalf("after a failed append the bound is %d, want 4", got)
		}
	}},
	{"RecordVerifications_stores_questions_and_chains_their_evidence_or_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 6), "己", "F", "320505"))
		t0 := utc(2026, 11, 4, 9, 0, 0, 0)
		p1 := vq.Probe{Item: "tax.paid_total", Variable: "tax_paid_12m", Value: "1000000"}
		must(t, s.AppendAudit(ctx(t), entry(0)))
		as := []vq.Asked{asked(7, a.ID, "q1", t0, p1), asked(7, a.ID, "q2", t0.Add(time.Second))}
		es := []*audit.Entry{entry(1), entry(2), entry(3)}
		must(t, s.RecordVerifications(ctx(t), as, es))
		if as[0].ID == 0 || as[1].ID <= as[0].ID {
			t.Fatalf("IDs %d, %d", as[0].ID, as[1].ID)
		}
		got, err := about(t, s, 7, a.ID, t0.Add(-time.Second))
		must(t, err)
		equal(t, "questions", ids(got, func(x vq.Asked) int64 { return x.ID }), []int64{as[0].ID, as[1].ID})
		equal(t, "probes", got[0].Probes, []vq.Probe{p1})
		head, err := s.AuditHead(ctx(t))
		must(t, err)
		if es[0].Seq != 2 || es[2].Seq != 4 || es[1].PrevHash != es[0].Hash || head != (audit.Head{Seq: 4, Hash: es[2].Hash}) {
			t.Fatalf("evidence chain: %d %d prev %q, head %+v", es[0].Seq, es[2].Seq, es[1].PrevHash, head)
		}
		pub, priv := newKey(t)
		c := audit.SignCheckpoint(priv, head, time.Now())
		must(t, s.InsertCheckpoint(ctx(t), &c))
		if rep := verify(t, s, pub); !rep.OK() {
			t.Fatalf("the log does not verify: %+v", rep)
		}
		// An unknown enterprise: neither the questions nor the evidence.
		err = s.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, "q3", t0), asked(7, a.ID+1000, "q4", t0)}, []*audit.Entry{entry(4)})
		wantFault(t, err, fault.Invalid, "store.reference")
		n, _, err := s.CountVerifications(ctx(t), 7, t0.Add(-time.Hour), 0)
		must(t, err)
		after, err := s.AuditHead(ctx(t))
		must(t, err)
		if n != 2 || after != head {
			t.Fatalf("after a failed record: %d questions, head %+v; want 2 and %+v", n, after, head)
		}
	}},
	{"RecordVerifications_unknown_enterprise_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 3), "丙", "C", "320505"))
		t0 := utc(2026, 11, 2, 9, 0, 0, 0)
		err := s.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, "x", t0), asked(7, a.ID+1000, "y", t0)}, nil)
		wantFault(t, err, fault.Invalid, "store.reference")
		n, _, err := s.CountVerifications(ctx(t), 7, t0.Add(-time.Hour), 0)
		must(t, err)
		if n != 0 {
			t.Fatalf("%d questions stored after a failed append, want 0", n)
		}
	}},
	{"A_verification_transaction_chains_all_its_evidence_onto_the_head_it_locked", func(t *testing.T, h Harness) {
		// LockVerifications takes the evidence log's head for the
		// transaction; the transaction's appends (the answers', then any
		// other) chain one after another onto it, an append from outside
		// waits for the transaction and chains after it, and a failed
		// transaction leaves the head where it was.
		s := h.Open(t)
		a := create(t, s, record(code("320505", 7), "庚", "G", "320505"))
		t0 := utc(2026, 11, 5, 9, 0, 0, 0)
		must(t, s.AppendAudit(ctx(t), entry(0)))
		locked := make(chan struct{})
		outside := entry(9)
		waited := make(chan error, 1)
		es := []*audit.Entry{entry(1), entry(2)}
		more := []*audit.Entry{entry(3), entry(4)}
		as := []vq.Asked{asked(7, a.ID, "q1", t0)}
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if _, err := lockOne(t, tx, 7, a.ID, t0.Add(-time.Hour)); err != nil {
				return err
			}
			close(locked)
			go func() { waited <- s.AppendAudit(ctx(t), outside) }()
			time.Sleep(20 * time.Millisecond) // the outside append, were the head not held, would land here
			if err := tx.RecordVerifications(ctx(t), as, es); err != nil {
				return err
			}
			if err := tx.AppendAudit(ctx(t), more[0]); err != nil {
				return err
			}
			return tx.AppendAuditBatch(ctx(t), more[1:])
		})
		must(t, err)
		<-locked
		must(t, <-waited)
		if as[0].ID == 0 {
			t.Fatal("the question's ID was not set")
		}
		chain := []*audit.Entry{es[0], es[1], more[0], more[1], outside}
		for i, e := range chain {
			if e.Seq != int64(i+2) || (i > 0 && e.PrevHash != chain[i-1].Hash) {
				t.Fatalf("entry %d: seq %d, prev %q; want seq %d after %q", i, e.Seq, e.PrevHash, i+2, chain[max(i-1, 0)].Hash)
			}
		}
		head, err := s.AuditHead(ctx(t))
		must(t, err)
		equal(t, "head", head, audit.Head{Seq: 6, Hash: outside.Hash})
		pub, priv := newKey(t)
		c := audit.SignCheckpoint(priv, head, time.Now())
		must(t, s.InsertCheckpoint(ctx(t), &c))
		if rep := verify(t, s, pub); !rep.OK() {
			t.Fatalf("the log does not verify: %+v", rep)
		}
		// The same transaction failing on an unknown enterprise: no
		// question, no evidence, the head unchanged.
		err = s.InTx(ctx(t), func(tx store.Store) error {
			if _, err := lockOne(t, tx, 7, a.ID, t0.Add(-time.Hour)); err != nil {
				return err
			}
			return tx.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID+1000, "q2", t0)}, []*audit.Entry{entry(5)})
		})
		wantFault(t, err, fault.Invalid, "store.reference")
		after, err := s.AuditHead(ctx(t))
		must(t, err)
		n, _, err := s.CountVerifications(ctx(t), 7, t0.Add(-time.Hour), 0)
		must(t, err)
		if after != head || n != 1 {
			t.Fatalf("after a failed transaction: head %+v, %d questions; want %+v and 1", after, n, head)
		}
	}},
	{"LockVerifications_serializes_one_organisations_check_and_insert", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 4), "丁", "D", "320505"))
		t0 := utc(2026, 11, 3, 10, 0, 0, 0)
		const workers = 4
		seen := make([]int, workers)
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for i := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs <- s.InTx(ctx(t), func(tx store.Store) error {
					l, err := lockOne(t, tx, 7, a.ID, t0.Add(-time.Hour))
					if err != nil {
						return err
					}
					n, _, err := tx.CountVerifications(ctx(t), 7, t0.Add(-time.Hour), 0)
					if err != nil {
						return err
					}
					if l.DayBound != n || len(l.History) != n {
						return fmt.Errorf("under the lock: bound %d, history %d, count %d", l.DayBound, len(l.History), n)
					}
					seen[i] = n
					time.Sleep(20 * time.Millisecond) // widen the window a missing lock would leave
					return tx.RecordVerifications(ctx(t), []vq.Asked{asked(7, a.ID, label("q%d", i), t0)}, nil)
				})
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			must(t, err)
		}
		slices.Sort(seen)
		equal(t, "counts seen under the lock", seen, []int{0, 1, 2, 3})
	}},
}
