package quality_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
)

func openSQLite(t *testing.T) store.Store { return scratch.Open(t, "sqlite") }

// openPostgres skips the test when CREDITBRIDGE_TEST_POSTGRES_URL is not set.
func openPostgres(t *testing.T) store.Store { return scratch.Open(t, "postgres") }

// services wires the catalogue (with its defaults) and the quality
// service (with the default rules) on st, with the clock at now.
func services(t *testing.T, st store.Store, now time.Time) *quality.Service {
	t.Helper()
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := items.LoadDefaults(t.Context()); err != nil {
		t.Fatal(err)
	}
	q := &quality.Service{Repo: st, Now: func() time.Time { return now }, InTx: func(ctx context.Context, fn func(quality.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if ok, err := q.LoadDefaults(t.Context()); err != nil || !ok {
		t.Fatalf("LoadDefaults = %v, %v; want true, nil", ok, err)
	}
	return q
}

// loadRegion stores a generated region as the seed loader does, leaving
// out the facts drop says to (to simulate a department that has not
// delivered) and passing each kept fact through edit.
func loadRegion(t *testing.T, st store.Store, g *synth.Generator, drop func(facts.Fact) bool) {
	t.Helper()
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	sealer, err := keys.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	ent := &enterprise.Service{Repo: st, Seal: sealer}
	var batch []synth.Bundle
	flush := func() error {
		recs := make([]*enterprise.Record, len(batch))
		for i, b := range batch {
			r, err := ent.Prepare(seed.Input(b.Profile))
			if err != nil {
				return err
			}
			recs[i] = &r
		}
		err := st.InTx(t.Context(), func(tx store.Store) error {
			if err := ent.Import(t.Context(), tx, access.System, "quality-test", recs); err != nil {
				return err
			}
			var fs []facts.Fact
			for i, b := range batch {
				for _, f := range b.Facts {
					if drop != nil && drop(f) {
						continue
					}
					f.EnterpriseID, f.Batch = recs[i].ID, "quality-test"
					fs = append(fs, f)
				}
			}
			return tx.AppendFacts(t.Context(), fs)
		})
		batch = batch[:0]
		return err
	}
	err = g.Each(t.Context(), func(b synth.Bundle) error {
		batch = append(batch, b)
		if len(batch) == 200 {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err != nil {
		t.Fatal(err)
	}
}

func region(t *testing.T, n int) *synth.Generator {
	t.Helper()
	g, err := synth.New(synth.Config{Enterprises: n, Seed: 11, Months: 6})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func result(t *testing.T, run quality.Run, id string) quality.Result {
	t.Helper()
	for _, r := range run.Results {
		if r.RuleID == id {
			return r
		}
	}
	t.Fatalf("run has no result for rule %s", id)
	return quality.Result{}
}

func coverage(t *testing.T, run quality.Run, item string) quality.Coverage {
	t.Helper()
	for _, c := range run.Coverage {
		if c.Item == item {
			return c
		}
	}
	t.Fatalf("run has no coverage of %s", item)
	return quality.Coverage{}
}

// october is the last month of the generated regions (synth's default
// end month).
var october = time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)

// TestRulesOnASyntheticRegion loads a small generated region without the
// water utility's October deliveries, then checks on both backends that
// the collection rates are exactly what the region holds, that water is
// late while the other departments are on time, and that a negative
// amount and a housing-fund headcount above the insured headcount, sent as
// corrections, are caught by the right rules with the right enterprises
// as examples.
func TestRulesOnASyntheticRegion(t *testing.T) {
	t.Parallel()
	g := region(t, 600) // immutable and safe for concurrent use
	for name, open := range map[string]func(*testing.T) store.Store{"sqlite": openSQLite, "postgres": openPostgres} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			st := open(t)
			noWaterInOctober := func(f facts.Fact) bool { return f.Source == synth.DeptWater && f.Period.Equal(october) }
			loadRegion(t, st, g, noWaterInOctober)
			q := services(t, st, g.AsOf())
			ctx := t.Context()

			// What the region holds: operating enterprises with an October
			// VAT sales record, and with an October insured headcount.
			var operating, vatReporters, siReporters int64
			err := g.Each(ctx, func(b synth.Bundle) error {
				if b.Profile.Status != "operating" {
					return nil
				}
				operating++
				vat, si := false, false
				for _, f := range b.Facts {
					vat = vat || (f.Item == synth.ItemVATSales && f.Period.Equal(october))
					si = si || (f.Item == synth.ItemSIHeadcount && f.Period.Equal(october))
				}
				if vat {
					vatReporters++
				}
				if si {
					siReporters++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}

			run, err := q.Run(ctx, access.System, quality.RunOptions{Trigger: quality.TriggerDaily})
			if err != nil {
				t.Fatal(err)
			}
			vat := coverage(t, run, synth.ItemVATSales)
			if vat.Active != operating || vat.Reporters != vatReporters || !vat.Expected.Equal(october) || !vat.LastPeriod.Equal(october) {
				t.Fatalf("VAT sales coverage = %+v; want %d of %d operating enterprises for %v", vat, vatReporters, operating, october)
			}
			if vat.Rate() < 0.95 {
				t.Errorf("VAT sales collection rate %.3f, want at least 0.95 in a clean region", vat.Rate())
			}
			if si := coverage(t, run, synth.ItemSIHeadcount); si.Reporters != siReporters {
				t.Errorf("insured headcount reporters = %d, want %d", si.Reporters, siReporters)
			}
			for _, c := range run.Coverage {
				want := quality.OnTime
				if c.Department == synth.DeptWater {
					want = quality.Late
				}
				if c.Freshness != want {
					t.Errorf("%s (%s): freshness %s, want %s (last period %v, expected %v)", c.Item, c.Department, c.Freshness, want, c.LastPeriod, c.Expected)
				}
			}
			failing := map[string]bool{}
			for _, r := range run.Results {
				if r.Status == quality.Fail {
					failing[r.RuleID] = true
				}
			}
			wantFailing := map[string]bool{"util.water_m3.completeness": true, "util.water_m3.freshness": true}
			if fmt.Sprint(failing) != fmt.Sprint(wantFailing) {
				t.Fatalf("failing rules = %v, want only the late water department's %v", failing, wantFailing)
			}
			if r := result(t, run, "util.water_m3.completeness"); len(r.Examples) == 0 || r.Failed != operating {
				t.Errorf("water completeness = %+v; want every operating enterprise missing and examples of September reporters", r)
			}

			// Corrections bringing bad values: a negative VAT sales amount
			// and a housing-fund headcount far above the insured headcount.
			bad := pickEnterprises(t, st, g)
			corr := []facts.Fact{
				{EnterpriseID: bad.vatID, Item: synth.ItemVATSales, Shape: facts.Measure, Period: october, Num: -123_00, Source: "tax", Version: 9},
				{EnterpriseID: bad.hfID, Item: synth.ItemHFHeadcount, Shape: facts.Measure, Period: october, Num: bad.insured + 50, Source: "hf", Version: 9},
			}
			if err := st.AppendFacts(ctx, corr); err != nil {
				t.Fatal(err)
			}
			taxRun, err := q.AfterBatch(ctx, "tax/纳税人申报信息", "tax")
			if err != nil {
				t.Fatal(err)
			}
			if taxRun.Scope != "tax" || taxRun.Trigger != quality.TriggerBatch {
				t.Fatalf("AfterBatch run = scope %q trigger %q", taxRun.Scope, taxRun.Trigger)
			}
			for _, r := range taxRun.Results {
				if !strings.HasPrefix(r.Item, "tax.") {
					t.Errorf("the tax run evaluated %s", r.RuleID)
				}
			}
			neg := result(t, taxRun, "tax.vat_sales.non_negative")
			if neg.Status != quality.Fail || neg.Failed != 1 || len(neg.Examples) != 1 || neg.Examples[0].Code != bad.vatCode || neg.Examples[0].Value != -123_00 {
				t.Fatalf("negative VAT sales: %+v, want one failure naming %s", neg, bad.vatCode)
			}
			hfRun, err := q.AfterBatch(ctx, "hf/缴存信息", "hf")
			if err != nil {
				t.Fatal(err)
			}
			hf := result(t, hfRun, "hf.headcount.le_insured")
			if hf.Status != quality.Fail || len(hf.Examples) == 0 || hf.Examples[0].Code != bad.hfCode || hf.Examples[0].Other != bad.insured {
				t.Fatalf("housing-fund headcount: %+v, want a failure naming %s with insured %d", hf, bad.hfCode, bad.insured)
			}
			if none, err := q.AfterBatch(ctx, "x", "nobody"); err != nil || none.ID != 0 {
				t.Fatalf("AfterBatch for a department without rules = %+v, %v; want nothing run", none, err)
			}

			// The latest picture: the daily run with both department runs
			// laid over it.
			latest, err := q.Latest(ctx, access.System)
			if err != nil {
				t.Fatal(err)
			}
			if latest.ID != hfRun.ID || latest.Rules != run.Rules {
				t.Fatalf("Latest: id %d rules %d; want id %d and the daily run's %d rules", latest.ID, latest.Rules, hfRun.ID, run.Rules)
			}
			// Five fail: water's two, the negative amount (as an amount and
			// as VAT sales below VAT payable) and the headcount.
			if latest.Failing != 5 || result(t, latest, "tax.vat_sales.non_negative").Status != quality.Fail ||
				result(t, latest, "tax.vat_paid.le_vat_sales").Status != quality.Fail ||
				coverage(t, latest, synth.ItemWaterM3).Freshness != quality.Late {
				t.Fatalf("Latest: %d failing; want water's two, the negative amount twice and the headcount", latest.Failing)
			}

			// Every run left one evidence entry.
			es, err := st.ListAudit(ctx, audit.Filter{Action: "quality.run", Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 3 || !strings.Contains(es[len(es)-1].Detail+es[0].Detail, "util.water_m3 late") {
				t.Fatalf("quality.run evidence: %d entries %+v; want 3, the daily one naming water late", len(es), es)
			}
		})
	}
}

type badOnes struct {
	vatID, hfID     int64
	vatCode, hfCode string
	insured         int64
}

// pickEnterprises finds an enterprise with October VAT sales and one with
// an October housing-fund headcount and insured headcount.
func pickEnterprises(t *testing.T, st store.Store, g *synth.Generator) badOnes {
	t.Helper()
	var b badOnes
	rs, _, err := st.SearchEnterprises(t.Context(), enterprise.Query{Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range rs {
		fs, err := st.QueryFacts(t.Context(), facts.Query{EnterpriseID: r.ID, From: october, To: october})
		if err != nil {
			t.Fatal(err)
		}
		var vat, hf, si bool
		var insured int64
		for _, f := range fs {
			switch f.Item {
			case synth.ItemVATSales:
				vat = true
			case synth.ItemHFHeadcount:
				hf = true
			case synth.ItemSIHeadcount:
				si, insured = true, f.Num
			}
		}
		if vat && b.vatID == 0 {
			b.vatID, b.vatCode = r.ID, r.Code
		}
		if hf && si && b.hfID == 0 && r.ID != b.vatID {
			b.hfID, b.hfCode, b.insured = r.ID, r.Code, insured
		}
		if b.vatID != 0 && b.hfID != 0 {
			return b
		}
	}
	t.Fatal("the region has no enterprise with October VAT sales and one with housing fund and social insurance")
	return b
}

func TestCalibrate(t *testing.T) {
	if os.Getenv("QUALITY_CALIBRATE") == "" {
		t.Skip("set QUALITY_CALIBRATE=1 to print the default rules' results on a clean region")
	}
	st := openSQLite(t)
	g := region(t, 1500)
	loadRegion(t, st, g, nil)
	q := services(t, st, g.AsOf())
	run, err := q.Run(t.Context(), access.System, quality.RunOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range run.Coverage {
		fmt.Printf("%-24s %s exp %s last %s recv %s rate %.3f %s\n", c.Item, c.Department, c.Expected.Format("2006-01"), c.LastPeriod.Format("2006-01"),
			c.LastReceived.Format(time.DateOnly), c.Rate(), c.Freshness)
	}
	for _, r := range run.Results {
		fmt.Printf("%-40s %s %d/%d %v\n", r.RuleID, r.Status, r.Failed, r.Checked, r.Examples)
	}
}

// TestSchedulerRunsAtStartAndOnEachTick drives the scheduler with an
// injected clock: it catches up at start (no full run yet), runs again
// when the timer fires, and returns when its context ends.
func TestSchedulerRunsAtStartAndOnEachTick(t *testing.T) {
	t.Parallel()
	st := openSQLite(t)
	now := time.Date(2026, 12, 16, 10, 0, 0, 0, time.UTC)
	q := services(t, st, now)
	ticks := make(chan time.Time)
	waits := make(chan time.Duration, 4)
	s := &quality.Scheduler{Service: q, At: 2 * time.Hour, Now: func() time.Time { return now },
		After: func(d time.Duration) <-chan time.Time { waits <- d; return ticks }}
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	runs := func() int {
		es, err := st.ListAudit(t.Context(), audit.Filter{Action: "quality.run", Limit: 10})
		if err != nil {
			t.Fatal(err)
		}
		return len(es)
	}
	// 10:00 UTC is 18:00 in Beijing: the next 02:00 is 8 hours away.
	if w := <-waits; w != 8*time.Hour {
		t.Fatalf("the scheduler waits %v, want 8h", w)
	}
	if n := runs(); n != 1 {
		t.Fatalf("%d runs after start, want the catch-up run", n)
	}
	ticks <- now
	<-waits // it ran and waits again
	if n := runs(); n != 2 {
		t.Fatalf("%d runs after one tick, want 2", n)
	}
	cancel()
	<-done
	latest, err := q.Latest(t.Context(), access.System)
	if err != nil || latest.Trigger != quality.TriggerDaily {
		t.Fatalf("Latest after the scheduler = %+v, %v", latest.Trigger, err)
	}
}
