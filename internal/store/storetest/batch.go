package storetest

import (
	"errors"
	"testing"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
)

func ingestBatch(id, sha string) *facts.Batch {
	return &facts.Batch{ID: id, Dataset: "tax/纳税人申报信息", Source: "tax", FileName: "纳税人申报信息_202610.xlsx", SHA256: sha,
		Rows: 10, RowsOK: 8, RowsBad: 2, Facts: 40, Status: facts.BatchLoaded,
		StartedAt: utc(2026, 11, 2, 8, 0, 0, 1), FinishedAt: utc(2026, 11, 2, 8, 0, 3, 2)}
}

var batchCases = []testCase{
	{"CreateBatch_round_trips_by_id_and_sha256", func(t *testing.T, h Harness) {
		s := h.Open(t)
		b := ingestBatch("b1", "aa11")
		must(t, s.CreateBatch(ctx(t), b))
		got, err := s.BatchByID(ctx(t), "b1")
		must(t, err)
		equal(t, "BatchByID", got, *b)
		got, err = s.BatchBySHA256(ctx(t), "aa11")
		must(t, err)
		equal(t, "BatchBySHA256", got, *b)
	}},
	{"CreateBatch_same_id_or_same_sha256_is_Conflict_and_stores_nothing", func(t *testing.T, h Harness) {
		s := h.Open(t)
		must(t, s.CreateBatch(ctx(t), ingestBatch("b1", "aa11")))
		wantFault(t, s.CreateBatch(ctx(t), ingestBatch("b1", "bb22")), fault.Conflict, "ingest.batch_exists")
		wantFault(t, s.CreateBatch(ctx(t), ingestBatch("b2", "aa11")), fault.Conflict, "ingest.batch_exists")
		_, err := s.BatchByID(ctx(t), "b2")
		wantFault(t, err, fault.NotFound, "ingest.batch_not_found")
		_, err = s.BatchBySHA256(ctx(t), "bb22")
		wantFault(t, err, fault.NotFound, "ingest.batch_not_found")
	}},
	{"CreateBatch_rolls_back_with_its_transaction", func(t *testing.T, h Harness) {
		s := h.Open(t)
		boom := errors.New("boom")
		err := s.InTx(ctx(t), func(tx store.Store) error {
			must(t, tx.CreateBatch(ctx(t), ingestBatch("b1", "aa11")))
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("InTx = %v, want boom", err)
		}
		_, err = s.BatchByID(ctx(t), "b1")
		wantFault(t, err, fault.NotFound, "ingest.batch_not_found")
	}},
}
