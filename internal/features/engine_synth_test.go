package features_test

import (
	"context"
	"crypto/rand"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// region seeds a synthetic region of n enterprises with 36 months of data
// into a fresh store of backend b and returns the store, its enterprises
// and the region's as-of instant.
func region(tb testing.TB, b string, n int) (store.Store, []enterprise.Record, time.Time) {
	tb.Helper()
	ctx := context.Background()
	st := scratch.Open(tb, b)
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		tb.Fatal(err)
	}
	sealer, err := keys.NewSealer(k)
	if err != nil {
		tb.Fatal(err)
	}
	g, err := synth.New(synth.Config{Enterprises: n, Seed: 7, Months: 36})
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := seed.Run(ctx, g, seed.Options{Store: st, Enterprises: &enterprise.Service{Repo: st, Seal: sealer}}); err != nil {
		tb.Fatal(err)
	}
	ents, _, err := st.SearchEnterprises(ctx, enterprise.Query{Limit: n})
	if err != nil {
		tb.Fatal(err)
	}
	if len(ents) != n {
		tb.Fatalf("%d enterprises stored, want %d", len(ents), n)
	}
	return st, ents, g.AsOf()
}

// TestSyntheticRegion computes every enterprise of a small synthetic
// region: each feature reading an item the region produces is present for
// some enterprise, the event and loan features are not all zero, and no
// source is after the as-of instant.
func TestSyntheticRegion(t *testing.T) {
	t.Parallel()
	set, err := features.DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	st, ents, asOf := region(t, "sqlite", 300)
	eng := features.Engine{Set: set, Data: st}
	present, nonzero := map[string]int{}, map[string]int{}
	for _, e := range ents {
		v, err := eng.Compute(t.Context(), e, asOf)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range v.Sources {
			if s.ReceivedAt.After(asOf) || s.Period.After(asOf) {
				t.Fatalf("enterprise %d: source %+v after %s", e.ID, s, asOf)
			}
		}
		for name, x := range v.Num {
			present[name]++
			if x != 0 {
				nonzero[name]++
			}
		}
		for name := range v.Cat {
			present[name]++
			nonzero[name]++
		}
	}
	produced := map[string]bool{features.ItemLoan: true}
	for _, it := range synth.Items() {
		produced[it.Code] = true
	}
	for _, d := range set.Defs {
		// A ratio needs both its items, the other operators any one.
		reads := len(d.Items) == 0 // registry features
		all := true
		for _, it := range d.Items {
			reads = reads || produced[it]
			all = all && produced[it]
		}
		if d.Op == "ratio_months" {
			reads = all
		}
		if !reads {
			if nonzero[d.Name] != 0 {
				t.Errorf("%s reads no item the region produces, yet is non-zero for %d enterprises", d.Name, nonzero[d.Name])
			}
			t.Logf("%s: reads no item the synthetic region produces (%v)", d.Name, d.Items)
			continue
		}
		if nonzero[d.Name] == 0 {
			t.Errorf("%s is missing or zero for all %d enterprises", d.Name, len(ents))
		}
		t.Logf("%-28s present %3d, non-zero %3d of %d", d.Name, present[d.Name], nonzero[d.Name], len(ents))
	}
}

// BenchmarkCompute measures Compute per enterprise over a 200-enterprise
// synthetic region on each backend; "queries" is the baseline of the same
// run: the engine's two reads alone, so the difference is the in-memory
// work.
func BenchmarkCompute(b *testing.B) {
	set, err := features.DefaultSet()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for _, backend := range scratch.Backends(b) {
		st, ents, asOf := region(b, backend, 200)
		b.Run(backend+"/queries", func(b *testing.B) {
			i := 0
			for b.Loop() {
				e := ents[i%len(ents)]
				i++
				if _, err := st.QueryFacts(ctx, factsQuery(e.ID, asOf)); err != nil {
					b.Fatal(err)
				}
				if _, err := st.LoansOf(ctx, e.ID); err != nil {
					b.Fatal(err)
				}
			}
		})
		// The in-memory part alone: each enterprise's reads are served
		// from what the store returned the first time.
		b.Run(backend+"/in_memory", func(b *testing.B) {
			eng := features.Engine{Set: set, Data: &replay{st: st, facts: map[int64][]facts.Fact{}, loans: map[int64][]facts.Loan{}}}
			i := 0
			for _, e := range ents { // fill the replay outside the timing
				if _, err := eng.Compute(ctx, e, asOf); err != nil {
					b.Fatal(err)
				}
			}
			for b.Loop() {
				e := ents[i%len(ents)]
				i++
				if _, err := eng.Compute(ctx, e, asOf); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(backend+"/compute", func(b *testing.B) {
			eng := features.Engine{Set: set, Data: st}
			i, sources := 0, 0
			for b.Loop() {
				e := ents[i%len(ents)]
				i++
				v, err := eng.Compute(ctx, e, asOf)
				if err != nil {
					b.Fatal(err)
				}
				sources += len(v.Sources)
			}
			b.ReportMetric(float64(sources)/float64(i), "sources/op")
		})
	}
}

// replay serves each enterprise's reads from the store once, then from
// memory: the benchmark's way to time the engine without the database.
type replay struct {
	st    store.Store
	facts map[int64][]facts.Fact
	loans map[int64][]facts.Loan
}

func (r *replay) QueryFacts(ctx context.Context, q facts.Query) ([]facts.Fact, error) {
	if fs, ok := r.facts[q.EnterpriseID]; ok {
		return fs, nil
	}
	fs, err := r.st.QueryFacts(ctx, q)
	r.facts[q.EnterpriseID] = fs
	return fs, err
}

func (r *replay) LoansOf(ctx context.Context, id int64) ([]facts.Loan, error) {
	if ls, ok := r.loans[id]; ok {
		return ls, nil
	}
	ls, err := r.st.LoansOf(ctx, id)
	r.loans[id] = ls
	return ls, err
}
