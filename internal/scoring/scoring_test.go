package scoring_test

import (
	"context"
	"crypto/rand"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/scorecard"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// region is a seeded synthetic region with a scoring service over it.
type region struct {
	st   store.Store
	svc  *scoring.Service
	ents []enterprise.Record
	asOf time.Time // the generator's as-of instant: everything seeded was received by then
}

func newRegion(t *testing.T, backend string, n int) *region {
	t.Helper()
	ctx := context.Background()
	st := scratch.Open(t, backend)
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := items.LoadDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	g, err := synth.New(synth.Config{Enterprises: n, Seed: 11, Months: 36, DefaultRate: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, g, seed.Options{Store: st, Enterprises: &enterprise.Service{Repo: st, Seal: sealer}, BatchSize: 200}); err != nil {
		t.Fatal(err)
	}
	set, err := features.DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	sh := &sharing.Service{Repo: st, Items: items}
	svc := &scoring.Service{Repo: st, Set: set, Policies: sh.Policies, Workers: 2, Chunk: 7,
		InTx: func(ctx context.Context, fn func(scoring.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		}}
	ents, err := st.EnterprisesAfter(ctx, 0, n)
	if err != nil {
		t.Fatal(err)
	}
	return &region{st: st, svc: svc, ents: ents, asOf: g.AsOf()}
}

// train fits a scorecard on the region's vectors as of asOf, the target
// being a loan that defaulted, and makes it the champion.
func (r *region) train(t *testing.T, asOf time.Time) {
	t.Helper()
	ctx := context.Background()
	eng := features.Engine{Set: r.svc.Set, Data: r.st}
	var names []string
	for _, d := range r.svc.Set.Defs {
		names = append(names, d.Name)
	}
	tab := &scorecard.Table{Header: append(append([]string{}, names...), "bad")}
	bads := 0
	for _, e := range r.ents {
		v, err := eng.Compute(ctx, e, asOf)
		if err != nil {
			t.Fatal(err)
		}
		row := make([]string, 0, len(names)+1)
		for _, n := range names {
			row = append(row, v.Raw(n))
		}
		loans, err := r.st.LoansOf(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		bad := "0"
		for _, l := range loans {
			if l.Status == facts.LoanDefaulted {
				bad = "1"
			}
		}
		if bad == "1" {
			bads++
		}
		tab.Rows = append(tab.Rows, append(row, bad))
	}
	if bads < 5 || bads > len(r.ents)-5 {
		t.Fatalf("%d bad of %d: too few of one class to train", bads, len(r.ents))
	}
	d, err := scorecard.NewDataset(tab, scorecard.Spec{Target: "bad", Bad: "1"})
	if err != nil {
		t.Fatal(err)
	}
	o := scorecard.DefaultOptions()
	o.MinShare, o.L2, o.Calibration = 0.1, 10, "none"
	m, err := scorecard.Fit(d, o, nil)
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := m.Write(&b); err != nil {
		t.Fatal(err)
	}
	champion := modelreg.Version{ID: 1, Name: modelreg.DefaultName, Number: 1, Status: modelreg.StatusChampion,
		FeatureSet: r.svc.Set.Version, Artefact: []byte(b.String())}
	r.svc.Champion = func(context.Context) (modelreg.Version, error) { return champion, nil }
}

func scoreOf(t *testing.T, r *region, id int64, asOf time.Time) scoring.Score {
	t.Helper()
	sc, err := r.svc.Rescore(context.Background(), id, asOf, "test")
	if err != nil {
		t.Fatal(err)
	}
	return sc
}

// batchScores runs a batch as of asOf and returns its scores by enterprise.
func batchScores(t *testing.T, r *region, asOf time.Time) map[int64]scoring.Score {
	t.Helper()
	ctx := context.Background()
	run, err := r.svc.Run(ctx, access.System, scoring.RunOptions{AsOf: asOf})
	if err != nil || run.Failed != 0 {
		t.Fatalf("run %+v: %v", run, err)
	}
	out := map[int64]scoring.Score{}
	for _, e := range r.ents {
		sc, err := r.st.LatestScore(ctx, e.ID)
		if err != nil || sc.RunID != run.ID {
			t.Fatalf("enterprise %d after run %d: %+v %v", e.ID, run.ID, sc, err)
		}
		out[e.ID] = sc
	}
	return out
}

// explained is what must not move: the score and everything that
// explains it.
type explained struct {
	Points, PD     float64
	Grade, Model   string
	Reasons        []scoring.Reason
	Sources        []scoring.SourceGroup
	Features       scoring.Features
	Indicator      scoring.Indicator
	IndicatorScore float64
}

func explainOf(s scoring.Score) explained {
	return explained{s.Points, s.PD, s.Grade, s.Model, s.Reasons, s.Sources, s.Features, s.Indicator, s.IndicatorScore}
}

// TestScoreAsOfDIgnoresDataReceivedLater is the score-level leakage test:
// a score as of D is the same (score, PD, grade, reasons, sources) after
// data received after D is added — new periods, corrections of earlier
// periods, new events, loan outcomes — and it changes for a later as-of.
func TestScoreAsOfDIgnoresDataReceivedLater(t *testing.T) {
	for _, backend := range scratch.Backends(t) {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRegion(t, backend, 120)
			d := r.asOf.AddDate(0, -12, 0)
			r.train(t, d)
			// Subjects: enterprises with data as of D.
			var subjects []enterprise.Record
			var before []scoring.Score
			for _, e := range r.ents {
				sc := scoreOf(t, r, e.ID, d)
				if !sc.HasPD || sc.Model == "" {
					t.Fatalf("score without a model: %+v", sc)
				}
				if len(sc.Sources) > 0 {
					subjects, before = append(subjects, e), append(before, sc)
				}
				if len(subjects) == 8 {
					break
				}
			}
			if len(subjects) < 8 {
				t.Fatalf("only %d enterprises have data as of %s", len(subjects), d)
			}
			// The batch run's path (one read per chunk) gives the same
			// scores as the one-by-one path.
			batch := batchScores(t, r, d)
			for i, e := range subjects {
				if !reflect.DeepEqual(explainOf(batch[e.ID]), explainOf(before[i])) {
					t.Errorf("enterprise %d: the batch run scored differently:\nrescore %+v\nbatch   %+v", e.ID, explainOf(before[i]), explainOf(batch[e.ID]))
				}
			}
			// Data received after D (and after the seed's as-of): for
			// every subject, a bad new period, a correction of a period
			// before D, new events before and after D, and a defaulted loan.
			late := r.asOf.Add(24 * time.Hour)
			var fs []facts.Fact
			var ls []facts.Loan
			for _, e := range subjects {
				prior := time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -2, 0)
				after := time.Date(r.asOf.Year(), r.asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
				fs = append(fs,
					facts.Fact{EnterpriseID: e.ID, Item: "tax.credit_grade", Shape: facts.Attribute, Period: after, Text: "D", Source: "tax", Batch: "late-1", ReceivedAt: late, Version: 1},
					facts.Fact{EnterpriseID: e.ID, Item: "tax.credit_grade", Shape: facts.Attribute, Period: prior, Text: "D", Source: "tax", Batch: "late-2", ReceivedAt: late, Version: 9},
					facts.Fact{EnterpriseID: e.ID, Item: "tax.paid_total", Shape: facts.Measure, Period: prior, Num: 1, Source: "tax", Batch: "late-2", ReceivedAt: late, Version: 9},
					facts.Fact{EnterpriseID: e.ID, Item: "si.insured_headcount", Shape: facts.Measure, Period: prior, Num: 0, Source: "hrss", Batch: "late-2", ReceivedAt: late, Version: 9},
					facts.Fact{EnterpriseID: e.ID, Item: "judicial.enforcement", Shape: facts.Event, Period: prior, Num: 5_000_000_00, Ref: "（2025）执1号", Source: "court", Batch: "late-3", ReceivedAt: late, Version: 1},
					facts.Fact{EnterpriseID: e.ID, Item: "judicial.dishonest", Shape: facts.Event, Period: after, Ref: "（2026）失1号", Source: "court", Batch: "late-3", ReceivedAt: late, Version: 1},
				)
				ls = append(ls, facts.Loan{EnterpriseID: e.ID, Lender: "测试银行", ContractNo: "L-" + e.Code, AmountFen: 1_000_000_00, RateBP: 450,
					TermMonths: 12, Guarantee: "credit", StartOn: prior, MaturityOn: prior.AddDate(1, 0, 0), Status: facts.LoanDefaulted,
					MaxDaysOverdue: 120, DefaultedOn: prior.AddDate(0, 1, 0), Source: "fin", Batch: "late-4", ReceivedAt: late})
			}
			if err := r.st.AppendFacts(ctx, fs); err != nil {
				t.Fatal(err)
			}
			if err := r.st.AppendLoans(ctx, ls); err != nil {
				t.Fatal(err)
			}
			changed := 0
			batch = batchScores(t, r, d)
			for i, e := range subjects {
				if !reflect.DeepEqual(explainOf(batch[e.ID]), explainOf(before[i])) {
					t.Errorf("enterprise %d: the batch score as of %s moved with data received later", e.ID, d.Format(time.DateOnly))
				}
				again := scoreOf(t, r, e.ID, d)
				if !reflect.DeepEqual(explainOf(again), explainOf(before[i])) {
					t.Errorf("enterprise %d: the score as of %s moved with data received later:\nbefore %+v\nafter  %+v",
						e.ID, d.Format(time.DateOnly), explainOf(before[i]), explainOf(again))
				}
				now := scoreOf(t, r, e.ID, late.Add(time.Hour))
				if reflect.DeepEqual(now.Sources, before[i].Sources) {
					t.Errorf("enterprise %d: a later as-of used the same data", e.ID)
				}
				if now.Points != before[i].Points || now.Grade != before[i].Grade || now.PD != before[i].PD {
					changed++
				}
			}
			if changed == 0 {
				t.Fatal("no score changed for a later as-of after bad data arrived")
			}
		})
	}
}

// TestBatchRunScoresEveryoneWithEvidence runs a batch over a small region
// and checks the run's record, one stored score per enterprise and one
// evidence entry per enterprise read (purpose credit_evaluation).
func TestBatchRunScoresEveryoneWithEvidence(t *testing.T) {
	for _, backend := range scratch.Backends(t) {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRegion(t, backend, 30)
			head0, err := r.st.AuditHead(ctx)
			if err != nil {
				t.Fatal(err)
			}
			var seen []scoring.Run
			run, err := r.svc.Run(ctx, access.System, scoring.RunOptions{AsOf: r.asOf, Progress: func(x scoring.Run) { seen = append(seen, x) }})
			if err != nil {
				t.Fatal(err)
			}
			if run.Status != scoring.RunDone || run.Scored != 30 || run.Failed != 0 || run.Enterprises != 30 || run.Model != "" || len(seen) == 0 {
				t.Fatalf("run %+v", run)
			}
			stored, err := r.st.ScoreRun(ctx, run.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Status != scoring.RunDone || stored.Scored != 30 || stored.FinishedAt.IsZero() {
				t.Fatalf("stored run %+v", stored)
			}
			for _, e := range r.ents {
				sc, err := r.st.LatestScore(ctx, e.ID)
				if err != nil {
					t.Fatal(err)
				}
				if sc.RunID != run.ID || sc.HasPD || sc.Grade == "" || sc.Grade != sc.IndicatorGrade || len(sc.Indicator.Dimensions) == 0 || len(sc.Sources) == 0 {
					t.Fatalf("score %+v", sc)
				}
			}
			reads := 0
			var prev audit.Head
			if err := r.st.ScanAudit(ctx, 0, func(e audit.Entry) error {
				if e.PrevHash != prev.Hash || audit.ComputeHash(e) != e.Hash {
					t.Errorf("evidence entry %d does not chain", e.Seq)
				}
				prev = audit.Head{Seq: e.Seq, Hash: e.Hash}
				if e.Seq > head0.Seq && e.Action == "scoring.read" {
					reads++
					if e.Purpose != access.PurposeEvaluation || e.ActorName != "system" || e.Outcome != audit.OK || e.EnterpriseID == 0 {
						t.Errorf("evidence %+v", e)
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if reads != 30 {
				t.Fatalf("%d scoring.read entries, want 30", reads)
			}
			// Only operator staff start runs.
			bank := access.Principal{UserID: 9, Username: "bank", OrgID: 5, OrgKind: account.KindInstitution}
			if _, err := r.svc.Run(ctx, bank, scoring.RunOptions{}); fault.KindOf(err) != fault.Forbidden {
				t.Fatalf("an institution started a run: %v", err)
			}
		})
	}
}

// TestDrainRescoresQueuedEnterprisesAndConsumesTheQueue: the worker
// rescores each queued enterprise once and deletes its entries in the
// same transaction.
func TestDrainRescoresQueuedEnterprisesAndConsumesTheQueue(t *testing.T) {
	for _, backend := range scratch.Backends(t) {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			r := newRegion(t, backend, 5)
			a, b := r.ents[0], r.ents[1]
			if err := r.st.EnqueueRecomputes(ctx, []rights.Recompute{
				{EnterpriseID: a.ID, Reason: "ingest batch tax-9", Since: r.asOf},
				{EnterpriseID: b.ID, Reason: "repair 3: penalty.administrative", Since: r.asOf},
				{EnterpriseID: a.ID, Reason: "ingest batch hrss-9", Since: r.asOf},
			}); err != nil {
				t.Fatal(err)
			}
			n, err := r.svc.Drain(ctx, 100)
			if err != nil || n != 2 {
				t.Fatalf("drained %d, %v", n, err)
			}
			q, err := r.st.RecomputeQueue(ctx, 10)
			if err != nil || len(q) != 0 {
				t.Fatalf("queue left %+v, %v", q, err)
			}
			for _, c := range []struct {
				id    int64
				cause string
			}{{a.ID, "incremental: ingest batch tax-9"}, {b.ID, "incremental: repair 3: penalty.administrative"}} {
				hist, err := r.st.ScoreHistory(ctx, c.id, 10)
				if err != nil || len(hist) != 1 || hist[0].Cause != c.cause || hist[0].RunID != 0 {
					t.Fatalf("history of %d: %+v %v", c.id, hist, err)
				}
			}
			if n, err := r.svc.Drain(ctx, 100); err != nil || n != 0 {
				t.Fatalf("second drain %d %v", n, err)
			}
		})
	}
}
