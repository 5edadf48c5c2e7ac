package scoring

import (
	"context"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/rights"
)

// ItemCode is the catalogue item of the platform's credit evaluation
// result: institutions read a score through the access decision point
// under this item's grade and their authorization, like any other item.
const ItemCode = "financing.credit_evaluation"

// Department is the catalogue department of ItemCode: the platform itself
// (no department organisation has it, so none reads scores as its own).
const Department = "platform"

// Reason is one reason code: a variable that cost the enterprise points,
// with the value it had and the bin it fell in.
type Reason struct {
	Variable string  `json:"variable"`
	Value    string  `json:"value"`
	Bin      string  `json:"bin"`
	Points   float64 `json:"points"` // the points the bin scores
	Lost     float64 `json:"lost"`   // points below the variable's best bin (> 0)
	// Source says where the reason comes from: "model" (the champion
	// scorecard) or "indicator" (the expert indicator system).
	Source string `json:"source"`
	// NameZH, NameEN and Unit describe the variable for the wording.
	NameZH string `json:"name_zh,omitempty"`
	NameEN string `json:"name_en,omitempty"`
	Unit   string `json:"unit,omitempty"`
}

// Indicator is the expert indicator system's result as stored with a
// score (internal/indicator's Result, kept as JSON so the stored score
// explains itself whatever the system becomes later).
type Indicator struct {
	SystemVersion string      `json:"system_version"`
	Score         float64     `json:"score"`
	Grade         string      `json:"grade"`
	Coverage      float64     `json:"coverage"` // share of the weight scored from present data
	Dimensions    []Dimension `json:"dimensions"`
}

// Dimension is one dimension's contribution to the indicator score.
type Dimension struct {
	Code    string  `json:"code"`
	NameZH  string  `json:"name_zh,omitempty"`
	NameEN  string  `json:"name_en,omitempty"`
	Weight  float64 `json:"weight"`
	Score   float64 `json:"score"`  // the dimension's own score (0-100)
	Points  float64 `json:"points"` // what it adds to the total
	Dropped bool    `json:"dropped,omitempty"`
}

// SourceGroup is the data a score used, grouped: every record of one
// item in one version from one batch, with the periods it spans. A
// vector's sources run to hundreds of records per enterprise; grouped,
// they stay small enough to store with every score and still name each
// batch and version the score depends on.
type SourceGroup struct {
	Item    string    `json:"item"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	Records int       `json:"records"`
	Version int       `json:"version"`
	Batch   string    `json:"batch"`
	// Received is the latest received time among the group's records.
	Received time.Time `json:"received"`
}

// Features is the feature vector a score was computed from.
type Features struct {
	Num map[string]float64 `json:"num,omitempty"`
	Cat map[string]string  `json:"cat,omitempty"`
}

// Score is one stored credit evaluation of one enterprise. A rescore adds
// a new Score; none is ever changed.
type Score struct {
	ID           int64
	EnterpriseID int64
	RunID        int64 // the batch run, zero for an incremental rescore
	// ModelVersionID is the champion model version used; zero when no
	// statistical model was promoted (the indicator system alone scored).
	ModelVersionID int64
	Model          string // "sme-default v3", "" without a model
	IndicatorVer   string // indicator system version
	FeatureSet     string // features.Set version
	AsOf           time.Time
	ComputedAt     time.Time
	// Points is the score: the scorecard's points, or the indicator
	// system's score without a model.
	Points float64
	// PD is the calibrated probability of default; HasPD is false
	// without a model.
	PD    float64
	HasPD bool
	// Grade is on the AAA … C scale: the model's when it gives one,
	// else the indicator system's.
	Grade          string
	IndicatorScore float64
	IndicatorGrade string
	// Cause is why the score was computed: "run 12", or the incremental
	// trigger ("ingest batch tax-1f…", "repair 3: tax.credit_grade").
	Cause     string
	Reasons   []Reason
	Indicator Indicator
	Features  Features
	Sources   []SourceGroup
}

// Run statuses.
const (
	RunRunning = "running"
	RunDone    = "done"
	RunFailed  = "failed"
)

// Run is one batch rescoring over every enterprise.
type Run struct {
	ID          int64
	Status      string
	AsOf        time.Time
	StartedAt   time.Time
	FinishedAt  time.Time // zero while running
	StartedBy   string
	Workers     int
	Enterprises int64 // to score
	Scored      int64
	Failed      int64
	// Model, ModelVersionID, IndicatorVer and FeatureSet are what the run
	// scored with.
	ModelVersionID int64
	Model          string
	IndicatorVer   string
	FeatureSet     string
	// Errors are the first failures (enterprise and message), at most
	// MaxRunErrors.
	Errors []RunError
}

// RunError is one enterprise a run could not score.
type RunError struct {
	EnterpriseID int64  `json:"enterprise_id"`
	Error        string `json:"error"`
}

// MaxRunErrors caps the failures a run keeps.
const MaxRunErrors = 50

// Store persists scores and runs.
type Store interface {
	// CreateScoreRun inserts r and sets r.ID.
	CreateScoreRun(ctx context.Context, r *Run) error
	// UpdateScoreRun writes r's status, finish time, counts and errors;
	// fault.NotFound "scoring.run_not_found" for an unknown id.
	UpdateScoreRun(ctx context.Context, r Run) error
	// ScoreRun returns one run or fault.NotFound "scoring.run_not_found".
	ScoreRun(ctx context.Context, id int64) (Run, error)
	// ScoreRuns lists runs newest first, at most limit (default 50).
	ScoreRuns(ctx context.Context, limit int) ([]Run, error)
	// AppendScores stores scores in bulk (the backend's fast path) in one
	// transaction, its own or the caller's, and sets each ID. A score for
	// an unknown enterprise is fault.Invalid "store.reference".
	AppendScores(ctx context.Context, ss []Score) error
	// LatestScore returns the enterprise's most recently stored score, or
	// fault.NotFound "scoring.no_score" when it has none.
	LatestScore(ctx context.Context, enterpriseID int64) (Score, error)
	// ScoreHistory returns the enterprise's scores newest first, at most
	// limit (default 50), with their explanations left out (Reasons,
	// Indicator, Features and Sources empty).
	ScoreHistory(ctx context.Context, enterpriseID int64, limit int) ([]Score, error)
	// ScoreByID returns one score or fault.NotFound "scoring.no_score".
	ScoreByID(ctx context.Context, id int64) (Score, error)
	// EnterprisesAfter returns up to limit registry records with ID >
	// afterID, ordered by ID (the batch run's keyset walk).
	EnterprisesAfter(ctx context.Context, afterID int64, limit int) ([]enterprise.Record, error)
	// EnqueueRecomputes adds queue entries in bulk (one per touched
	// enterprise of a loaded batch) and sets nothing on them.
	EnqueueRecomputes(ctx context.Context, rs []rights.Recompute) error
	// DeleteRecomputes removes the queue entries of enterprise with id <=
	// upTo (the entries a rescore consumed) and returns how many it removed.
	DeleteRecomputes(ctx context.Context, enterpriseID, upTo int64) (int64, error)
	// ScoringData returns, for the enterprises with fromID <= id <= toID,
	// what features.Engine reads of each as of asOf in one pass: the facts
	// QueryFacts returns for {EnterpriseID, To: asOf, KnownAt: asOf}
	// (latest version known at asOf, period up to asOf's date), ordered by
	// enterprise, item, period, ref; and the loans LoansOf returns,
	// ordered by enterprise, start date, id.
	ScoringData(ctx context.Context, fromID, toID int64, asOf time.Time) ([]facts.Fact, []facts.Loan, error)
	// AppendAuditBatch appends entries to the evidence log in order, as
	// AppendAudit would one by one, with one head update and the bulk path.
	AppendAuditBatch(ctx context.Context, es []*audit.Entry) error
}
