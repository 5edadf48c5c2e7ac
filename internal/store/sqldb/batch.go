package sqldb

import (
	"context"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

var errBatchExists = fault.New(fault.Conflict, "ingest.batch_exists", "this batch (its id or its file content) is already loaded")

func errBatchNotFound() *fault.Error {
	return fault.New(fault.NotFound, "ingest.batch_not_found", "batch not found")
}

const batchCols = `id, dataset, source, file_name, sha256, rows, rows_ok, rows_bad, facts, status, started_at, finished_at`

func scanIngestBatch(row scanner) (facts.Batch, error) {
	var b facts.Batch
	err := row.Scan(&b.ID, &b.Dataset, &b.Source, &b.FileName, &b.SHA256, &b.Rows, &b.RowsOK, &b.RowsBad, &b.Facts,
		&b.Status, scanTime(&b.StartedAt), scanTime(&b.FinishedAt))
	return b, err
}

// CreateBatch records b; StartedAt and FinishedAt are stored in UTC to the
// store's precision (and set on b that way). An existing id or sha256 is
// fault.Conflict "ingest.batch_exists".
func (s *Store) CreateBatch(ctx context.Context, b *facts.Batch) error {
	if b.StartedAt.IsZero() {
		b.StartedAt = s.stamp()
	}
	if b.FinishedAt.IsZero() {
		b.FinishedAt = s.stamp()
	}
	b.StartedAt, b.FinishedAt = ts(b.StartedAt), ts(b.FinishedAt)
	_, err := s.w.Exec(ctx, `INSERT INTO ingest_batches (`+batchCols+`)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		b.ID, b.Dataset, b.Source, b.FileName, b.SHA256, b.Rows, b.RowsOK, b.RowsBad, b.Facts, b.Status, b.StartedAt, b.FinishedAt)
	return s.dbErr("create batch", err, errBatchExists)
}

// BatchByID returns the batch id or fault.NotFound "ingest.batch_not_found".
func (s *Store) BatchByID(ctx context.Context, id string) (facts.Batch, error) {
	b, err := scanIngestBatch(s.r.QueryRow(ctx, `SELECT `+batchCols+` FROM ingest_batches WHERE id = $1`, id))
	return b, s.notFound("batch", err, errBatchNotFound())
}

// BatchBySHA256 returns the batch of a file digest or fault.NotFound
// "ingest.batch_not_found".
func (s *Store) BatchBySHA256(ctx context.Context, sha string) (facts.Batch, error) {
	b, err := scanIngestBatch(s.r.QueryRow(ctx, `SELECT `+batchCols+` FROM ingest_batches WHERE sha256 = $1`, sha))
	return b, s.notFound("batch", err, errBatchNotFound())
}
