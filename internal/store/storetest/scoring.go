package storetest

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/store"
)

func sampleScore(ent, run int64, asOf, at time.Time, points float64, grade string) scoring.Score {
	return scoring.Score{EnterpriseID: ent, RunID: run, AsOf: asOf, ComputedAt: at, Points: points, Grade: grade,
		IndicatorScore: 71.25, IndicatorGrade: "A", IndicatorVer: "gbt23794-style/v1", FeatureSet: "v1", Cause: "run 1",
		Reasons: []scoring.Reason{{Variable: "tax_credit_grade", Value: "C", Bin: "C", Points: 12, Lost: 23, Source: "indicator",
			NameZH: "纳税信用等级", NameEN: "Tax credit grade"}},
		Indicator: scoring.Indicator{SystemVersion: "gbt23794-style/v1", Score: 71.25, Grade: "A", Coverage: 0.9,
			Dimensions: []scoring.Dimension{{Code: "compliance", NameZH: "合规", NameEN: "Compliance", Weight: 30, Score: 80, Points: 24}}},
		Features: scoring.Features{Num: map[string]float64{"age_years": 7.5}, Cat: map[string]string{"tax_credit_grade": "C"}},
		Sources: []scoring.SourceGroup{{Item: "tax.credit_grade", From: day(2024, 1, 1), To: day(2025, 1, 1), Records: 2, Version: 1,
			Batch: "tax-1", Received: utc(2025, 2, 1, 8, 0, 0, 0)}}}
}

var scoringCases = []testCase{
	{"Scores_bulk_append_latest_history_and_by_id", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 41), "甲", "A", "320505"))
		b := create(t, s, record(code("320505", 42), "乙", "B", "320505"))
		wantFault(t, func() error { _, err := s.LatestScore(ctx(t), a.ID); return err }(), fault.NotFound, "scoring.no_score")
		run := scoring.Run{Status: scoring.RunRunning, AsOf: utc(2026, 11, 1, 0, 0, 0, 0), StartedAt: utc(2026, 11, 1, 1, 0, 0, 7),
			StartedBy: "op", Workers: 2, Enterprises: 2, IndicatorVer: "v1", FeatureSet: "v1"}
		must(t, s.CreateScoreRun(ctx(t), &run))
		if run.ID == 0 {
			t.Fatal("run ID not set")
		}
		t0 := utc(2026, 11, 1, 1, 0, 1, 123456)
		first := []scoring.Score{sampleScore(a.ID, run.ID, run.AsOf, t0, 612.5, "BBB"), sampleScore(b.ID, run.ID, run.AsOf, t0, 540, "BB")}
		first[0].ModelVersionID, first[0].Model, first[0].PD, first[0].HasPD = 3, "sme-default v3", 0.042, true
		must(t, s.AppendScores(ctx(t), first))
		if first[0].ID == 0 || first[1].ID != first[0].ID+1 {
			t.Fatalf("ids %d %d, want consecutive", first[0].ID, first[1].ID)
		}
		got, err := s.LatestScore(ctx(t), a.ID)
		must(t, err)
		equal(t, "LatestScore", got, first[0])
		// A rescore adds a row; the latest is the new one, history keeps both.
		second := []scoring.Score{sampleScore(a.ID, 0, utc(2026, 11, 2, 0, 0, 0, 0), t0.Add(time.Hour), 598, "BBB")}
		second[0].Cause = "incremental: ingest batch tax-2"
		must(t, s.AppendScores(ctx(t), second))
		got, err = s.LatestScore(ctx(t), a.ID)
		must(t, err)
		equal(t, "LatestScore after rescore", got, second[0])
		hist, err := s.ScoreHistory(ctx(t), a.ID, 10)
		must(t, err)
		if len(hist) != 2 || hist[0].ID != second[0].ID || hist[1].ID != first[0].ID || hist[1].PD != 0.042 || !hist[1].HasPD ||
			hist[0].HasPD || hist[0].Reasons != nil || hist[0].Sources != nil {
			t.Fatalf("history: %+v", hist)
		}
		byID, err := s.ScoreByID(ctx(t), first[1].ID)
		must(t, err)
		equal(t, "ScoreByID", byID, first[1])
		wantFault(t, s.AppendScores(ctx(t), []scoring.Score{sampleScore(a.ID+b.ID+100, 0, t0, t0, 1, "C")}), fault.Invalid, "store.reference")
		// Runs: progress and outcome.
		run.Status, run.FinishedAt, run.Scored, run.Failed = scoring.RunDone, t0.Add(2*time.Hour), 2, 1
		run.Errors = []scoring.RunError{{EnterpriseID: 9, Error: "boom"}}
		must(t, s.UpdateScoreRun(ctx(t), run))
		gr, err := s.ScoreRun(ctx(t), run.ID)
		must(t, err)
		equal(t, "ScoreRun", gr, run)
		runs, err := s.ScoreRuns(ctx(t), 10)
		must(t, err)
		if len(runs) != 1 || runs[0].ID != run.ID {
			t.Fatalf("runs: %+v", runs)
		}
		wantFault(t, func() error { _, err := s.ScoreRun(ctx(t), run.ID+99); return err }(), fault.NotFound, "scoring.run_not_found")
		wantFault(t, s.UpdateScoreRun(ctx(t), scoring.Run{ID: run.ID + 99, Status: scoring.RunDone}), fault.NotFound, "scoring.run_not_found")
	}},
	{"Scores_roll_back_with_the_transaction", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 43), "丙", "C", "320505"))
		t0 := utc(2026, 11, 1, 1, 0, 0, 0)
		err := s.InTx(ctx(t), func(tx store.Store) error {
			if err := tx.AppendScores(ctx(t), []scoring.Score{sampleScore(a.ID, 0, t0, t0, 600, "A")}); err != nil {
				return err
			}
			return fault.New(fault.Invalid, "test.abort", "abort")
		})
		wantFault(t, err, fault.Invalid, "test.abort")
		wantFault(t, func() error { _, err := s.LatestScore(ctx(t), a.ID); return err }(), fault.NotFound, "scoring.no_score")
	}},
	{"EnterprisesAfter_walks_by_id", func(t *testing.T, h Harness) {
		s := h.Open(t)
		var ids []int64
		for i := range 5 {
			ids = append(ids, create(t, s, record(code("320505", 50+i), "企业", "E", "320505")).ID)
		}
		var seen []int64
		var after int64
		for {
			page, err := s.EnterprisesAfter(ctx(t), after, 2)
			must(t, err)
			if len(page) == 0 {
				break
			}
			for _, r := range page {
				seen = append(seen, r.ID)
			}
			after = page[len(page)-1].ID
		}
		equal(t, "walk", seen, ids)
	}},
	{"Recomputes_bulk_enqueue_and_consume_up_to_an_id", func(t *testing.T, h Harness) {
		s := h.Open(t)
		a := create(t, s, record(code("320505", 61), "甲", "A", "320505"))
		b := create(t, s, record(code("320505", 62), "乙", "B", "320505"))
		t0 := utc(2026, 11, 1, 8, 0, 0, 0)
		must(t, s.EnqueueRecomputes(ctx(t), []rights.Recompute{
			{EnterpriseID: a.ID, Reason: "ingest batch tax-1", Since: day(2026, 10, 1), QueuedAt: t0},
			{EnterpriseID: b.ID, Reason: "ingest batch tax-1", Since: day(2026, 10, 1), QueuedAt: t0},
			{EnterpriseID: a.ID, Reason: "ingest batch hrss-1", Since: day(2026, 9, 1), QueuedAt: t0.Add(time.Minute)},
		}))
		q, err := s.RecomputeQueue(ctx(t), 10)
		must(t, err)
		if len(q) != 3 || q[0].EnterpriseID != a.ID || q[2].Reason != "ingest batch hrss-1" || !q[0].Since.Equal(day(2026, 10, 1)) {
			t.Fatalf("queue: %+v", q)
		}
		// Consuming a's first entry leaves its later one and b's.
		n, err := s.DeleteRecomputes(ctx(t), a.ID, q[0].ID)
		must(t, err)
		if n != 1 {
			t.Fatalf("deleted %d, want 1", n)
		}
		q, err = s.RecomputeQueue(ctx(t), 10)
		must(t, err)
		if len(q) != 2 || q[0].EnterpriseID != b.ID || q[1].EnterpriseID != a.ID {
			t.Fatalf("queue after consume: %+v", q)
		}
	}},
	{"ScoringData_equals_QueryFacts_and_LoansOf_per_enterprise", func(t *testing.T, h Harness) {
		s := h.Open(t)
		var ents []int64
		for i := range 3 {
			ents = append(ents, create(t, s, record(code("320505", 70+i), "企业", "E", "320505")).ID)
		}
		t0 := utc(2026, 3, 1, 8, 0, 0, 0)
		asOf := utc(2026, 6, 30, 23, 59, 59, 999999)
		var fs []facts.Fact
		for k, id := range ents[:2] {
			for m := 1; m <= 8; m++ {
				fs = append(fs, facts.Fact{EnterpriseID: id, Item: "tax.paid_total", Shape: facts.Measure, Period: day(2026, time.Month(m), 1),
					Num: int64(100*k + m), Source: "tax", Batch: "b1", ReceivedAt: t0.AddDate(0, m-1, 0), Version: 1})
			}
			// A correction known before asOf and one known after it.
			fs = append(fs,
				facts.Fact{EnterpriseID: id, Item: "tax.paid_total", Shape: facts.Measure, Period: day(2026, 2, 1), Num: 9, Source: "tax",
					Batch: "b2", ReceivedAt: utc(2026, 6, 1, 0, 0, 0, 0), Version: 2},
				facts.Fact{EnterpriseID: id, Item: "tax.paid_total", Shape: facts.Measure, Period: day(2026, 3, 1), Num: 99, Source: "tax",
					Batch: "b3", ReceivedAt: utc(2026, 7, 2, 0, 0, 0, 0), Version: 2},
				facts.Fact{EnterpriseID: id, Item: "judicial.judgment", Shape: facts.Event, Period: day(2026, 5, 3), Ref: "（2026）苏01民初1号",
					Source: "court", Batch: "b4", ReceivedAt: t0, Version: 1},
				// Several refs on one day, one of them corrected before asOf
				// and again after it: each ref keeps its own latest version.
				facts.Fact{EnterpriseID: id, Item: "judicial.judgment", Shape: facts.Event, Period: day(2026, 5, 3), Ref: "（2026）苏01民初3号",
					Source: "court", Batch: "b4", ReceivedAt: t0, Version: 1},
				facts.Fact{EnterpriseID: id, Item: "judicial.judgment", Shape: facts.Event, Period: day(2026, 5, 3), Ref: "（2026）苏01民初2号",
					Source: "court", Batch: "b4", ReceivedAt: t0, Version: 1},
				facts.Fact{EnterpriseID: id, Item: "judicial.judgment", Shape: facts.Event, Period: day(2026, 5, 3), Ref: "（2026）苏01民初3号",
					Detail: `{"amount":2}`, Source: "court", Batch: "b5", ReceivedAt: utc(2026, 6, 2, 0, 0, 0, 0), Version: 2},
				facts.Fact{EnterpriseID: id, Item: "judicial.judgment", Shape: facts.Event, Period: day(2026, 5, 3), Ref: "（2026）苏01民初3号",
					Detail: `{"amount":3}`, Source: "court", Batch: "b6", ReceivedAt: utc(2026, 7, 3, 0, 0, 0, 0), Version: 3})
		}
		must(t, s.AppendFacts(ctx(t), fs))
		must(t, s.AppendLoans(ctx(t), []facts.Loan{
			{EnterpriseID: ents[0], Lender: "甲银行", ContractNo: "L1", AmountFen: 100, StartOn: day(2025, 1, 1), Status: facts.LoanRepaid, Source: "fin", Batch: "l1", ReceivedAt: t0},
			{EnterpriseID: ents[0], Lender: "乙银行", ContractNo: "L2", AmountFen: 200, StartOn: day(2024, 1, 1), Status: facts.LoanCurrent, Source: "fin", Batch: "l1", ReceivedAt: t0},
		}))
		gotF, gotL, err := s.ScoringData(ctx(t), ents[0], ents[2], asOf)
		must(t, err)
		var wantF []facts.Fact
		var wantL []facts.Loan
		for _, id := range ents {
			f, err := s.QueryFacts(ctx(t), facts.Query{EnterpriseID: id, To: asOf, KnownAt: asOf, Limit: 100_000})
			must(t, err)
			wantF = append(wantF, f...)
			l, err := s.LoansOf(ctx(t), id)
			must(t, err)
			wantL = append(wantL, l...)
		}
		if len(wantF) == 0 || len(wantL) != 2 {
			t.Fatalf("fixture: %d facts %d loans", len(wantF), len(wantL))
		}
		equal(t, "ScoringData facts", gotF, wantF)
		equal(t, "ScoringData loans", gotL, wantL)
	}},
	{"AuditBatch_chains_like_single_appends", func(t *testing.T, h Harness) {
		s := h.Open(t)
		one := &audit.Entry{Time: utc(2026, 11, 1, 8, 0, 0, 1), ActorName: "system", Action: "auth.sign_in", Outcome: audit.OK}
		must(t, s.AppendAudit(ctx(t), one))
		var es []*audit.Entry
		for i := range 3 {
			es = append(es, &audit.Entry{Time: utc(2026, 11, 1, 8, 0, i+1, 0), ActorName: "system", Action: "scoring.read",
				EnterpriseID: int64(i + 1), Items: []string{"tax.credit_grade", "tax.paid_total"}, Purpose: "credit_evaluation",
				Detail: `{"records":3}`})
		}
		must(t, s.AppendAuditBatch(ctx(t), es))
		head, err := s.AuditHead(ctx(t))
		must(t, err)
		if head.Seq != one.Seq+3 || head.Hash != es[2].Hash || es[0].PrevHash != one.Hash {
			t.Fatalf("head %+v after batch %+v", head, es)
		}
		var prev audit.Head
		must(t, s.ScanAudit(ctx(t), 0, func(e audit.Entry) error {
			if e.PrevHash != prev.Hash || audit.ComputeHash(e) != e.Hash {
				t.Errorf("entry %d does not chain", e.Seq)
			}
			prev = audit.Head{Seq: e.Seq, Hash: e.Hash}
			return nil
		}))
		after := &audit.Entry{Time: utc(2026, 11, 1, 9, 0, 0, 0), ActorName: "system", Action: "auth.sign_out"}
		must(t, s.AppendAudit(ctx(t), after))
		if after.PrevHash != es[2].Hash {
			t.Fatal("a single append after the batch does not chain to it")
		}
	}},
}
