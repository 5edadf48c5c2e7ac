package storetest

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

// Concurrent appends outside a transaction may be committed together
// (group commit); whatever the store does, each append returns only once
// its entry is stored, the chain is whole and in order, and one caller's
// entries keep the order it appended them in.

type groupMark struct {
	Caller int `json:"caller"`
	N      int `json:"n"`
}

// appendConcurrently runs callers goroutines appending per entries each
// (entry(i) marked with caller and n in Detail; bad(c, n) makes that one
// entry's outcome invalid) and returns, per caller, the entries as the
// store sealed them and the errors.
func appendConcurrently(t *testing.T, s store.Store, callers, per int, bad func(c, n int) bool) ([][]audit.Entry, [][]error) {
	t.Helper()
	got := make([][]audit.Entry, callers)
	errs := make([][]error, callers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for c := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			for n := range per {
				e := entry(c*per + n)
				b, _ := json.Marshal(groupMark{Caller: c, N: n})
				e.Detail = string(b)
				if bad != nil && bad(c, n) {
					e.Outcome = "maybe"
				}
				err := s.AppendAudit(ctx(t), e)
				got[c] = append(got[c], *e)
				errs[c] = append(errs[c], err)
			}
		}()
	}
	close(start)
	wg.Wait()
	return got, errs
}

// storedMarks scans the whole log and returns each entry's mark by seq,
// checking that the stored entries equal what the appenders got back.
func storedMarks(t *testing.T, s store.Store, sealed map[int64]audit.Entry) []groupMark {
	t.Helper()
	var marks []groupMark
	must(t, s.ScanAudit(ctx(t), 0, func(e audit.Entry) error {
		var m groupMark
		if err := json.Unmarshal([]byte(e.Detail), &m); err != nil {
			return fmt.Errorf("entry %d detail %q: %w", e.Seq, e.Detail, err)
		}
		want, ok := sealed[e.Seq]
		if !ok {
			return fmt.Errorf("stored entry %d was not returned to any caller as committed", e.Seq)
		}
		if e.Hash != want.Hash || e.PrevHash != want.PrevHash || e.Detail != want.Detail {
			return fmt.Errorf("stored entry %d = %s prev %s %s, the caller was told %s prev %s %s",
				e.Seq, e.Hash, e.PrevHash, e.Detail, want.Hash, want.PrevHash, want.Detail)
		}
		marks = append(marks, m)
		return nil
	}))
	return marks
}

var auditGroupCases = []testCase{
	{"AppendAudit_concurrent_appends_form_one_verifying_chain_in_each_callers_order", func(t *testing.T, h Harness) {
		s := h.Open(t)
		const callers, per = 8, 40
		got, errs := appendConcurrently(t, s, callers, per, nil)
		sealed := map[int64]audit.Entry{}
		for c := range callers {
			for n, err := range errs[c] {
				must(t, err)
				e := got[c][n]
				if prev, dup := sealed[e.Seq]; dup {
					t.Fatalf("seq %d returned to two appends: %s and %s", e.Seq, prev.Detail, e.Detail)
				}
				sealed[e.Seq] = e
				if n > 0 && e.Seq <= got[c][n-1].Seq {
					t.Fatalf("caller %d: append %d got seq %d after seq %d", c, n, e.Seq, got[c][n-1].Seq)
				}
			}
		}
		head, err := s.AuditHead(ctx(t))
		must(t, err)
		if head.Seq != callers*per || head.Hash != sealed[head.Seq].Hash {
			t.Fatalf("head %+v, want seq %d with the last sealed hash %s", head, callers*per, sealed[callers*per].Hash)
		}
		marks := storedMarks(t, s, sealed)
		if len(marks) != callers*per {
			t.Fatalf("stored %d entries, want %d", len(marks), callers*per)
		}
		next := make([]int, callers)
		for i, m := range marks {
			if m.N != next[m.Caller] {
				t.Fatalf("stored entry %d is caller %d's append %d, want its append %d (a caller's order was not kept)", i+1, m.Caller, m.N, next[m.Caller])
			}
			next[m.Caller]++
		}
		pub, _ := newKey(t)
		if rep := verify(t, s, pub); !rep.OK() || rep.Entries != callers*per {
			t.Fatalf("verify after concurrent appends: %+v (problem %+v)", rep, rep.Problem)
		}
	}},
	{"AppendAudit_a_bad_entry_among_concurrent_appends_fails_alone", func(t *testing.T, h Harness) {
		s := h.Open(t)
		const callers, per = 6, 20
		bad := func(c, n int) bool { return n%7 == 3 && c%2 == 0 }
		got, errs := appendConcurrently(t, s, callers, per, bad)
		sealed := map[int64]audit.Entry{}
		want := 0
		for c := range callers {
			for n, err := range errs[c] {
				if bad(c, n) {
					wantFault(t, err, fault.Invalid, "store.check")
					continue
				}
				must(t, err)
				sealed[got[c][n].Seq] = got[c][n]
				want++
			}
		}
		marks := storedMarks(t, s, sealed)
		if len(marks) != want {
			t.Fatalf("stored %d entries, want the %d good ones", len(marks), want)
		}
		for _, m := range marks {
			if bad(m.Caller, m.N) {
				t.Fatalf("the bad entry of caller %d, append %d, was stored", m.Caller, m.N)
			}
		}
		pub, _ := newKey(t)
		if rep := verify(t, s, pub); !rep.OK() || rep.Entries != int64(want) {
			t.Fatalf("verify: %+v (problem %+v)", rep, rep.Problem)
		}
	}},
	{"AppendAudit_inside_a_transaction_joins_it_beside_concurrent_appends", func(t *testing.T, h Harness) {
		s := h.Open(t)
		var wg sync.WaitGroup
		outside := make([]error, 4)
		for i := range outside {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for n := range 10 {
					e := entry(n)
					e.Detail = fmt.Sprintf(`{"caller":%d,"n":%d}`, i, n)
					if err := s.AppendAudit(ctx(t), e); err != nil {
						outside[i] = err
						return
					}
				}
			}()
		}
		rolled := fmt.Errorf("roll back")
		err := s.InTx(ctx(t), func(tx store.Store) error {
			e := entry(99)
			e.Detail = `{"caller":99,"n":0}`
			if err := tx.AppendAudit(ctx(t), e); err != nil {
				return err
			}
			return rolled
		})
		if err != rolled {
			t.Fatalf("InTx = %v, want the rollback error", err)
		}
		wg.Wait()
		for _, err := range outside {
			must(t, err)
		}
		n := 0
		must(t, s.ScanAudit(ctx(t), 0, func(e audit.Entry) error {
			if e.Detail == `{"caller":99,"n":0}` {
				return fmt.Errorf("entry %d of a rolled-back transaction was stored", e.Seq)
			}
			n++
			return nil
		}))
		pub, _ := newKey(t)
		if rep := verify(t, s, pub); !rep.OK() || rep.Entries != 40 || n != 40 {
			t.Fatalf("verify: %+v (problem %+v), scanned %d, want 40", rep, rep.Problem, n)
		}
	}},
}
