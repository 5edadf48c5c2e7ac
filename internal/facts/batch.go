package facts

import (
	"context"
	"time"
)

// Batch is one load of a department file (or API submission): the
// provenance every fact it brought names in Fact.Batch. A batch is
// recorded in the same transaction as its facts, so a recorded batch has
// all its facts and an unrecorded one has none.
type Batch struct {
	ID       string // chosen by the sender or derived from the content
	Dataset  string // dataset definition the rows were read with
	Source   string // department code
	FileName string // base name of the file, for people
	SHA256   string // hex digest of the file's bytes
	// Rows counts data rows read; RowsOK those stored, RowsBad those in
	// the error report (duplicates within the batch included); Facts the
	// facts stored (a measure row may give several).
	Rows, RowsOK, RowsBad, Facts int64
	Status                       string // "loaded"
	StartedAt, FinishedAt        time.Time
}

// BatchLoaded is the status of a batch whose good rows are stored.
const BatchLoaded = "loaded"

// BatchStore records batches.
type BatchStore interface {
	// CreateBatch records b. A batch whose ID or SHA256 is already
	// recorded is fault.Conflict "ingest.batch_exists" and stores nothing.
	CreateBatch(ctx context.Context, b *Batch) error
	// BatchByID and BatchBySHA256 return a recorded batch or
	// fault.NotFound "ingest.batch_not_found".
	BatchByID(ctx context.Context, id string) (Batch, error)
	BatchBySHA256(ctx context.Context, sha string) (Batch, error)
}
