package ingestjob

import (
	"context"
	"time"
)

// State is where a submitted batch is.
type State string

// States. queued and running are the only non-final ones: a node that
// stops while a batch is in them runs the batch again from its spooled
// file when it starts (a batch is one transaction, so an interrupted run
// left nothing behind).
const (
	Queued        State = "queued"
	Running       State = "running"
	Loaded        State = "loaded"
	Failed        State = "failed"
	AlreadyLoaded State = "already_loaded" // the batch id or the content was loaded before; nothing changed
)

// States lists every state in lifecycle order.
var States = []State{Queued, Running, Loaded, Failed, AlreadyLoaded}

// Final reports whether s is an end state.
func (s State) Final() bool { return s == Loaded || s == Failed || s == AlreadyLoaded }

// Definition is a dataset definition registered on the server.
type Definition struct {
	Name       string
	Department string // the department whose files it reads (ingest.Dataset.Department)
	// Spec is the ingest.Dataset as JSON, validated before it is stored.
	Spec string
	// Version counts replacements: 1 when first registered.
	Version   int64
	UpdatedBy string // actor name
	UpdatedAt time.Time
}

// Job is one submitted batch.
type Job struct {
	ID         string // the submission's id (addresses the batch in the API)
	Batch      string // the ingest batch id: as given, or department and content digest
	Dataset    string
	Department string
	// Spec is the definition as it was when the batch was submitted: a
	// later change of the dataset does not change how a queued batch is
	// read.
	Spec     string
	FileName string
	Size     int64
	SHA256   string
	State    State
	// Counts of the run (the earlier batch's for AlreadyLoaded).
	Rows, OK, Bad, Facts int64
	// Warnings counts rows stored with a warning (part of OK): a suspect
	// value the department is asked to confirm, listed in the report
	// (see ingest.IsWarning).
	Warnings int64
	// ProblemsDropped counts bad rows beyond the stored report's cap.
	ProblemsDropped int64
	// ErrorCode and ErrorParams say why a Failed batch stored nothing
	// (a message code of internal/ingest or this package).
	ErrorCode   string
	ErrorParams map[string]string
	SubmittedBy string // actor name
	OrgID       int64
	UserID      int64
	SubmittedAt time.Time
	StartedAt   time.Time // zero until a run starts
	FinishedAt  time.Time // zero until the state is final
	Attempts    int       // runs started (more than one after a restart)
}

// Problem is one row of a batch's stored error report (see
// ingest.Problem; Seq orders the report from 1). A warning (a stored row
// to confirm) is told from a refused row by its Code (ingest.IsWarning).
type Problem struct {
	Seq    int64
	Row    int64
	Column string
	Value  string
	Code   string
	Detail string
	Format string
	Of     int64
	// Params fill the placeholders of a code from another package.
	Params map[string]string
}

// Filter narrows ListJobs.
type Filter struct {
	Department string  // "" for every department
	States     []State // nil for every state
	Limit      int
}

// Store persists definitions and jobs.
type Store interface {
	// SaveDataset registers d or replaces the definition of its name; it
	// sets d.Version (1, or the previous version + 1) and d.UpdatedAt (the
	// store's clock when zero).
	SaveDataset(ctx context.Context, d *Definition) error
	// DatasetByName must return fault.NotFound "ingestjob.dataset_not_found"
	// when no definition has the name.
	DatasetByName(ctx context.Context, name string) (Definition, error)
	// ListDatasets lists definitions of a department ("" for all) by name.
	ListDatasets(ctx context.Context, department string) ([]Definition, error)

	// CreateJob records a submitted batch (state as given, normally
	// Queued) and sets SubmittedAt when zero; an existing id is
	// fault.Conflict "ingestjob.job_exists".
	CreateJob(ctx context.Context, j *Job) error
	// JobByID must return fault.NotFound "ingestjob.batch_not_found".
	JobByID(ctx context.Context, id string) (Job, error)
	// ListJobs returns jobs newest first, or oldest first when the filter
	// asks only for non-final states (the order to run them in).
	ListJobs(ctx context.Context, f Filter) ([]Job, error)
	// StartJob moves a queued or running job to running, counts the
	// attempt and sets StartedAt; fault.NotFound if unknown,
	// fault.Conflict "ingestjob.job_final" if the job already ended.
	StartJob(ctx context.Context, id string, at time.Time) error
	// FinishJob stores j's final state, counts and error, and replaces the
	// job's error report with ps (numbered from 1 in order); fault.NotFound
	// if unknown, fault.Conflict "ingestjob.job_final" if it already ended.
	FinishJob(ctx context.Context, j *Job, ps []Problem) error
	// JobProblems returns up to limit problems of a job with Seq > after,
	// in order.
	JobProblems(ctx context.Context, id string, after int64, limit int) ([]Problem, error)
}
