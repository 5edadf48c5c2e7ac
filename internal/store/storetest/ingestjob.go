package storetest

import (
	"errors"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/store"
)

func ingestJob(id, dept string, at int) *ingestjob.Job {
	return &ingestjob.Job{ID: id, Batch: dept + "-0011223344556677", Dataset: dept + "/returns", Department: dept,
		Spec: `{"name":"` + dept + `/returns"}`, FileName: "纳税人申报信息_202610.xlsx", Size: 4096, SHA256: "ab" + id,
		State: ingestjob.Queued, SubmittedBy: "tax", OrgID: 3, UserID: 7, SubmittedAt: utc(2026, 11, 2, 8, 0, at, 5)}
}

var ingestJobCases = []testCase{
	{"SaveDataset_registers_then_replaces_with_a_new_version", func(t *testing.T, h Harness) {
		s := h.Open(t)
		d := &ingestjob.Definition{Name: "tax/tax.returns", Department: "tax", Spec: `{"v":1}`, UpdatedBy: "admin", UpdatedAt: utc(2026, 11, 1, 9, 0, 0, 1)}
		must(t, s.SaveDataset(ctx(t), d))
		if d.Version != 1 {
			t.Fatalf("first version = %d, want 1", d.Version)
		}
		got, err := s.DatasetByName(ctx(t), "tax/tax.returns")
		must(t, err)
		equal(t, "DatasetByName", got, *d)
		d2 := &ingestjob.Definition{Name: "tax/tax.returns", Department: "tax", Spec: `{"v":2}`, UpdatedBy: "admin2", UpdatedAt: utc(2026, 11, 1, 10, 0, 0, 2)}
		must(t, s.SaveDataset(ctx(t), d2))
		if d2.Version != 2 {
			t.Fatalf("replacement version = %d, want 2", d2.Version)
		}
		got, err = s.DatasetByName(ctx(t), "tax/tax.returns")
		must(t, err)
		equal(t, "DatasetByName after replace", got, *d2)
		must(t, s.SaveDataset(ctx(t), &ingestjob.Definition{Name: "hrss/contributions", Department: "hrss", Spec: "{}"}))
		must(t, s.SaveDataset(ctx(t), &ingestjob.Definition{Name: "grid/electricity", Department: "grid", Spec: "{}"}))
		all, err := s.ListDatasets(ctx(t), "")
		must(t, err)
		var names []string
		for _, d := range all {
			names = append(names, d.Name)
		}
		equal(t, "ListDatasets names", names, []string{"grid/electricity", "hrss/contributions", "tax/tax.returns"})
		tax, err := s.ListDatasets(ctx(t), "tax")
		must(t, err)
		if len(tax) != 1 || tax[0].Name != "tax/tax.returns" {
			t.Fatalf("ListDatasets(tax) = %+v", tax)
		}
	}},
	{"DatasetByName_unknown_is_NotFound", func(t *testing.T, h Harness) {
		s := h.Open(t)
		_, err := s.DatasetByName(ctx(t), "nope")
		wantFault(t, err, fault.NotFound, "ingestjob.dataset_not_found")
	}},
	{"CreateJob_round_trips_and_refuses_a_second_id", func(t *testing.T, h Harness) {
		s := h.Open(t)
		j := ingestJob("sub-1", "tax", 1)
		j.ErrorParams = map[string]string{"k": "值"}
		must(t, s.CreateJob(ctx(t), j))
		got, err := s.JobByID(ctx(t), "sub-1")
		must(t, err)
		equal(t, "JobByID", got, *j)
		wantFault(t, s.CreateJob(ctx(t), ingestJob("sub-1", "hrss", 2)), fault.Conflict, "ingestjob.job_exists")
		_, err = s.JobByID(ctx(t), "sub-2")
		wantFault(t, err, fault.NotFound, "ingestjob.batch_not_found")
	}},
	{"ListJobs_newest_first_by_department_and_pending_oldest_first", func(t *testing.T, h Harness) {
		s := h.Open(t)
		for i, d := range []string{"tax", "hrss", "tax", "tax"} {
			must(t, s.CreateJob(ctx(t), ingestJob(label("sub-%d", i), d, i)))
		}
		must(t, s.StartJob(ctx(t), "sub-3", utc(2026, 11, 2, 9, 0, 0, 0)))
		must(t, s.FinishJob(ctx(t), &ingestjob.Job{ID: "sub-0", State: ingestjob.Loaded, Batch: "b0"}, nil))
		jobIDs := func(f ingestjob.Filter) []string {
			js, err := s.ListJobs(ctx(t), f)
			must(t, err)
			out := []string{}
			for _, j := range js {
				out = append(out, j.ID)
			}
			return out
		}
		equal(t, "all", jobIDs(ingestjob.Filter{}), []string{"sub-3", "sub-2", "sub-1", "sub-0"})
		equal(t, "tax", jobIDs(ingestjob.Filter{Department: "tax"}), []string{"sub-3", "sub-2", "sub-0"})
		equal(t, "limit", jobIDs(ingestjob.Filter{Limit: 2}), []string{"sub-3", "sub-2"})
		equal(t, "pending", jobIDs(ingestjob.Filter{States: []ingestjob.State{ingestjob.Queued, ingestjob.Running}}),
			[]string{"sub-1", "sub-2", "sub-3"})
		equal(t, "loaded", jobIDs(ingestjob.Filter{States: []ingestjob.State{ingestjob.Loaded}}), []string{"sub-0"})
	}},
	{"StartJob_and_FinishJob_store_state_counts_and_report", func(t *testing.T, h Harness) {
		s := h.Open(t)
		must(t, s.CreateJob(ctx(t), ingestJob("sub-1", "tax", 1)))
		started := utc(2026, 11, 2, 8, 1, 0, 7)
		must(t, s.StartJob(ctx(t), "sub-1", started))
		must(t, s.StartJob(ctx(t), "sub-1", started)) // a restart runs it again
		got, err := s.JobByID(ctx(t), "sub-1")
		must(t, err)
		if got.State != ingestjob.Running || got.Attempts != 2 || !got.StartedAt.Equal(started) {
			t.Fatalf("after StartJob: state %s attempts %d started %v", got.State, got.Attempts, got.StartedAt)
		}
		ps := make([]ingestjob.Problem, 1203) // more than one INSERT chunk
		for i := range ps {
			ps[i] = ingestjob.Problem{Row: int64(i + 3), Column: "纳税人识别号", Value: "bad", Code: "ingest.bad_code", Detail: "d", Format: "f", Of: int64(i)}
			if i%2 == 0 {
				ps[i].Params = map[string]string{"field": "法定代表人", "n": label("%d", i)}
			}
		}
		fin := &ingestjob.Job{ID: "sub-1", State: ingestjob.Loaded, Batch: "tax-0011223344556677", Rows: 2000, OK: 797, Bad: 1203,
			Facts: 3188, ProblemsDropped: 4, Warnings: 6, FinishedAt: utc(2026, 11, 2, 8, 2, 0, 9)}
		must(t, s.FinishJob(ctx(t), fin, ps))
		got, err = s.JobByID(ctx(t), "sub-1")
		must(t, err)
		if got.State != ingestjob.Loaded || got.Rows != 2000 || got.OK != 797 || got.Bad != 1203 || got.Facts != 3188 ||
			got.ProblemsDropped != 4 || got.Warnings != 6 || !got.FinishedAt.Equal(fin.FinishedAt) || got.Attempts != 2 {
			t.Fatalf("after FinishJob: %+v", got)
		}
		var all []ingestjob.Problem
		var after int64
		for {
			page, err := s.JobProblems(ctx(t), "sub-1", after, 500)
			must(t, err)
			if len(page) == 0 {
				break
			}
			all = append(all, page...)
			after = page[len(page)-1].Seq
		}
		if len(all) != len(ps) {
			t.Fatalf("JobProblems returned %d problems, want %d", len(all), len(ps))
		}
		for i, p := range all {
			want := ps[i]
			want.Seq = int64(i + 1)
			equal(t, label("problem %d", i), p, want)
		}
		wantFault(t, s.FinishJob(ctx(t), &ingestjob.Job{ID: "sub-1", State: ingestjob.Failed}, nil), fault.Conflict, "ingestjob.job_final")
		wantFault(t, s.StartJob(ctx(t), "sub-1", started), fault.Conflict, "ingestjob.job_final")
		wantFault(t, s.StartJob(ctx(t), "sub-9", started), fault.NotFound, "ingestjob.batch_not_found")
		wantFault(t, s.FinishJob(ctx(t), &ingestjob.Job{ID: "sub-9", State: ingestjob.Failed}, nil), fault.NotFound, "ingestjob.batch_not_found")
	}},
	{"FinishJob_of_a_failed_batch_keeps_the_error", func(t *testing.T, h Harness) {
		s := h.Open(t)
		must(t, s.CreateJob(ctx(t), ingestJob("sub-1", "tax", 1)))
		must(t, s.FinishJob(ctx(t), &ingestjob.Job{ID: "sub-1", State: ingestjob.Failed, ErrorCode: "ingest.header",
			ErrorParams: map[string]string{"row": "3", "detail": "column \"税号\" is missing"}}, nil))
		got, err := s.JobByID(ctx(t), "sub-1")
		must(t, err)
		equal(t, "error params", got.ErrorParams, map[string]string{"row": "3", "detail": "column \"税号\" is missing"})
		if got.State != ingestjob.Failed || got.ErrorCode != "ingest.header" || got.FinishedAt.IsZero() {
			t.Fatalf("failed job: %+v", got)
		}
	}},
	{"FinishJob_rolls_back_with_its_transaction", func(t *testing.T, h Harness) {
		s := h.Open(t)
		must(t, s.CreateJob(ctx(t), ingestJob("sub-1", "tax", 1)))
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx store.Store) error {
			must(t, tx.FinishJob(ctx(t), &ingestjob.Job{ID: "sub-1", State: ingestjob.Loaded}, []ingestjob.Problem{{Row: 2, Code: "ingest.missing"}}))
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		got, err := s.JobByID(ctx(t), "sub-1")
		must(t, err)
		if got.State != ingestjob.Queued {
			t.Fatalf("state after rollback = %s, want queued", got.State)
		}
		ps, err := s.JobProblems(ctx(t), "sub-1", 0, 10)
		must(t, err)
		if len(ps) != 0 {
			t.Fatalf("problems after rollback: %+v", ps)
		}
	}},
}
