package modeltrain_test

import (
	"context"
	"crypto/rand"
	"reflect"
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
	"github.com/creditbridge/creditbridge/internal/modeltrain"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// region seeds a small synthetic region (700 enterprises) whose loans
// default at the generator's highest rate (more bads for a small table)
// into a fresh SQLite store with the default catalogue.
func region(t *testing.T) store.Store {
	t.Helper()
	st := scratch.OpenWithCatalogue(t, "sqlite")
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	seal, err := keys.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	n := 700
	if raceEnabled {
		n = 250
	}
	g, err := synth.New(synth.Config{Enterprises: n, Seed: 1, DefaultRate: 0.2})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(t.Context(), g, seed.Options{Store: st, Enterprises: &enterprise.Service{Repo: st, Seal: seal}}); err != nil {
		t.Fatal(err)
	}
	return st
}

func builder(t *testing.T, st store.Store) modeltrain.Builder {
	t.Helper()
	set, err := features.DefaultSet()
	if err != nil {
		t.Fatal(err)
	}
	items := &catalog.Service{Repo: st}
	policies := func(ctx context.Context, codes []string) ([]access.ItemPolicy, error) {
		cat, err := items.Current(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]access.ItemPolicy, len(codes))
		for i, c := range codes {
			out[i] = access.ItemPolicy{Code: c}
			if it, ok := cat.ByCode[c]; ok {
				out[i] = it.Policy()
			}
		}
		return out, nil
	}
	return modeltrain.Builder{Set: set, Data: st, Batch: 64, Guard: access.Guard{Log: st, Policies: policies}}
}

// TestTrainingOnASyntheticRegion builds the table from stored data, checks
// its labels against the loans, its evidence, that data received after a
// date leaves that date's features unchanged, and that the fitted model
// ranks the out-of-time holdout well above chance; then the whole
// pipeline (register, promote, compare with the champion).
func TestTrainingOnASyntheticRegion(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	st := region(t)
	b := builder(t, st)
	tab, err := b.Build(ctx, modeltrain.Options{})
	if err != nil {
		t.Fatal(err)
	}
	rows, bads := tab.Counts()
	total, bad := 0, 0
	for i := range rows {
		total += rows[i]
		bad += bads[i]
	}
	t.Logf("dates %v: rows %v, bads %v (%d rows, %d bads)", tab.Dates, rows, bads, total, bad)
	if len(tab.Dates) < 3 || bad < 10 || bads[len(bads)-1] < 2 {
		t.Fatalf("table too thin to test: dates %v rows %v bads %v", tab.Dates, rows, bads)
	}

	// Labels: recomputed from the stored loans, only defaults after D.
	ents := map[int64]bool{}
	for _, r := range tab.Rows {
		ents[r.EnterpriseID] = true
		ls, err := st.LoansOf(ctx, r.EnterpriseID)
		if err != nil {
			t.Fatal(err)
		}
		in, isBad := modeltrain.Label(ls, r.AsOf, tab.HorizonMonths)
		if !in || isBad != r.Bad {
			t.Fatalf("enterprise %d as of %s: row bad=%v, loans say in=%v bad=%v", r.EnterpriseID, r.AsOf.Format(time.DateOnly), r.Bad, in, isBad)
		}
		if r.Vector.AsOf != r.AsOf || r.Vector.EnterpriseID != r.EnterpriseID {
			t.Fatalf("row %d@%s carries the vector of %d@%s", r.EnterpriseID, r.AsOf, r.Vector.EnterpriseID, r.Vector.AsOf)
		}
		for _, s := range r.Vector.Sources {
			if s.ReceivedAt.After(r.AsOf) {
				t.Fatalf("enterprise %d as of %s used %s received %s", r.EnterpriseID, r.AsOf.Format(time.DateOnly), s.Item, s.ReceivedAt)
			}
		}
	}

	// Evidence: one outcome read per enterprise, one feature read per
	// enterprise in the table, as the platform, for credit evaluation.
	n, err := st.CountEnterprises(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		action string
		want   int
	}{{"model.train.outcomes", n}, {"model.train.features", len(ents)}} {
		es, err := st.ListAudit(ctx, audit.Filter{Action: c.action, Limit: 500})
		if err != nil {
			t.Fatal(err)
		}
		got := len(es)
		for len(es) == 500 {
			if es, err = st.ListAudit(ctx, audit.Filter{Action: c.action, Limit: 500, BeforeSeq: es[len(es)-1].Seq}); err != nil {
				t.Fatal(err)
			}
			got += len(es)
		}
		if got != c.want {
			t.Fatalf("%d %s entries, want %d", got, c.action, c.want)
		}
	}
	last, err := st.ListAudit(ctx, audit.Filter{Action: "model.train.features", Limit: 1})
	if err != nil || len(last) != 1 || last[0].Purpose != access.PurposeEvaluation || last[0].Outcome != audit.OK || last[0].ActorName != "system" {
		t.Fatalf("feature read evidence %+v (%v)", last, err)
	}

	// Leakage guard at the table level: corrections, new facts and a new
	// loan, all about periods before D but received after D, leave every
	// row as of D unchanged.
	d := tab.Dates[len(tab.Dates)-2]
	var late []facts.Fact
	var lateLoans []facts.Loan
	changed := 0
	for _, r := range tab.Rows {
		if !r.AsOf.Equal(d) || changed == 40 {
			continue
		}
		changed++
		fs, err := st.QueryFacts(ctx, facts.Query{EnterpriseID: r.EnterpriseID, KnownAt: d})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			if f.Period.Before(d) && f.Period.After(d.AddDate(0, -6, 0)) {
				f.ID, f.Num, f.Version = 0, f.Num*3+17, f.Version+1
				f.Batch, f.ReceivedAt = "late-correction", d.AddDate(0, 0, 3)
				late = append(late, f)
			}
		}
		late = append(late, facts.Fact{EnterpriseID: r.EnterpriseID, Item: "judicial.enforcement", Shape: facts.Event, Period: d.AddDate(0, 0, -20),
			Ref: "(2099)执late" + time.Now().Format("150405.000000"), Source: "court", Batch: "late-event", ReceivedAt: d.AddDate(0, 0, 5), Version: 1, Num: 5_000_000})
		lateLoans = append(lateLoans, facts.Loan{EnterpriseID: r.EnterpriseID, Lender: "迟报银行", ContractNo: "LATE" + time.Now().Format("150405.000000000"),
			AmountFen: 1e8, RateBP: 500, TermMonths: 12, Guarantee: "credit", StartOn: d.AddDate(0, -2, 0), MaturityOn: d.AddDate(0, 10, 0),
			Status: facts.LoanCurrent, Source: "finance", Batch: "late-loan", ReceivedAt: d.AddDate(0, 0, 7)})
	}
	if err := st.AppendFacts(ctx, late); err != nil {
		t.Fatal(err)
	}
	if err := st.AppendLoans(ctx, lateLoans); err != nil {
		t.Fatal(err)
	}
	again, err := b.Build(ctx, modeltrain.Options{Dates: tab.Dates})
	if err != nil {
		t.Fatal(err)
	}
	before := map[int64]features.Vector{}
	for _, r := range tab.Rows {
		if r.AsOf.Equal(d) {
			before[r.EnterpriseID] = r.Vector
		}
	}
	compared := 0
	for _, r := range again.Rows {
		if v, ok := before[r.EnterpriseID]; ok && r.AsOf.Equal(d) {
			compared++
			if !reflect.DeepEqual(v, r.Vector) {
				t.Fatalf("enterprise %d as of %s: features changed by data received after the date:\n before %+v\n after  %+v",
					r.EnterpriseID, d.Format(time.DateOnly), v.Num, r.Vector.Num)
			}
		}
	}
	if compared < len(before) {
		t.Fatalf("%d of %d rows as of %s compared", compared, len(before), d.Format(time.DateOnly))
	}

	// The model: fitted on the earlier dates, ranked on the latest.
	m, rep, err := modeltrain.Fit(tab, modeltrain.DefaultFitOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	h := rep.Holdout
	t.Logf("%d variables; training AUC %.3f; out-of-time AUC %.3f [%.3f, %.3f] on %d rows (%d bad), KS %.3f, Brier %.4f",
		len(m.Variables), rep.Training.AUC, h.AUC, h.AUCLow, h.AUCHigh, h.Rows, h.Bad, h.KS, h.Brier)
	// The region is deterministic (synth: same config, same bytes); across
	// seeds of this size the out-of-time AUC ranges about 0.64-0.80, so
	// the bound is on this seed's region, with its interval clear of 0.5.
	if !raceEnabled && (h.AUC < 0.7 || h.AUCLow <= 0.6) {
		t.Fatalf("out-of-time AUC %.3f [%.3f, %.3f]: want well above 0.5", h.AUC, h.AUCLow, h.AUCHigh)
	}
	if rep.Table.Fingerprint != m.Training.SHA256 || len(rep.Table.Fingerprint) != 64 {
		t.Fatalf("fingerprint %q vs model %q", rep.Table.Fingerprint, m.Training.SHA256)
	}
	// The same region serves the pipeline test (seeding is the slow part).
	trainerRuns(t, st)
}

// trainerRuns runs the whole pipeline twice on st: the first run through
// the background job (one at a time) and promoted, the second compared
// with it.
func trainerRuns(t *testing.T, st store.Store) {
	ctx := t.Context()
	reg := &modelreg.Service{Repo: st, InTx: func(ctx context.Context, fn func(modelreg.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	tr := modeltrain.Trainer{Builder: builder(t, st), Registry: reg}
	job := &modeltrain.Job{Trainer: tr, Context: ctx, Options: modeltrain.RunOptions{Synthetic: true}}
	if err := job.Start(analyst); !fault.Is(err, fault.Forbidden) {
		t.Fatalf("an analyst starts training: %v, want Forbidden", err)
	}
	if err := job.Start(access.System); err != nil {
		t.Fatal(err)
	}
	if err := job.Start(access.System); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("second start while running: %v, want Conflict model.training_running", err)
	}
	var st0 modeltrain.Status
	for st0 = job.Status(); st0.Running; st0 = job.Status() {
		time.Sleep(50 * time.Millisecond)
	}
	if st0.Err != nil || st0.Result == nil {
		t.Fatalf("job ended with %v", st0.Err)
	}
	first := *st0.Result
	if first.Status != modelreg.StatusChallenger || first.Champion != "" || st0.FinishedAt.Before(st0.StartedAt) {
		t.Fatalf("job run %+v", st0)
	}
	if _, err := reg.Promote(ctx, access.System, first.ID, "test"); err != nil {
		t.Fatal(err)
	}
	if raceEnabled {
		return // one more build adds minutes under the race detector and no concurrency
	}
	second, err := tr.Run(ctx, access.System, modeltrain.RunOptions{Fit: modeltrain.DefaultFitOptions()})
	if err != nil {
		t.Fatal(err)
	}
	if second.Status != modelreg.StatusChallenger || second.Champion != first.Model {
		t.Fatalf("second run %+v", second)
	}
	v, err := reg.Get(ctx, access.System, second.ID)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := v.Report()
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Comparison
	// Same data, same options: the challenger is the champion's twin.
	if c == nil || c.Rows != second.HoldoutRows || c.Challenger.AUC != c.Champion.AUC || c.ScorePSI > 1e-9 || v.DataFingerprint != first.Fingerprint {
		t.Fatalf("comparison %+v, fingerprints %s / %s", c, v.DataFingerprint, first.Fingerprint)
	}
	if es, err := st.ListAudit(ctx, audit.Filter{Action: "model.promote"}); err != nil || len(es) != 1 {
		t.Fatalf("%d promotion entries (%v), want 1", len(es), err)
	}
}

var analyst = access.Principal{UserID: 2, Username: "analyst", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAnalyst}
