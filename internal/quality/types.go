package quality

import (
	"context"
	"time"
)

// Rule kinds.
const (
	// KindCompleteness: the share of operating enterprises that reported
	// Item for its latest expected period must be at least MinRate.
	KindCompleteness = "completeness"
	// KindRequired: every fact of Item in the window must have each of
	// Fields (text, ref, ends_on, detail) filled.
	KindRequired = "required"
	// KindFreshness: the latest period of Item must be the latest
	// expected period for the item's declared frequency, GraceDays after
	// the period's end (late: one period behind; stale: more).
	KindFreshness = "freshness"
	// KindRange: Num of every fact of Item in the window lies in
	// [Min, Max] (either bound may be absent).
	KindRange = "range"
	// KindConsistency: a relation between fields of the same enterprise
	// and period (see Check).
	KindConsistency = "consistency"
)

// Kinds lists the rule kinds.
var Kinds = []string{KindCompleteness, KindRequired, KindFreshness, KindRange, KindConsistency}

// Consistency checks.
const (
	// CheckLE: Item's Num ≤ Other's Num + Tolerance, for the same
	// enterprise and period (VAT paid ≤ total tax paid).
	CheckLE = "le"
	// CheckEndsAfterStart: an event's EndsOn is not before its Period.
	CheckEndsAfterStart = "ends_after_start"
)

// Fields a KindRequired rule may name.
var RequiredFields = []string{"num", "text", "ref", "ends_on", "detail"}

// Rule is one data-quality rule.
type Rule struct {
	ID     string   `json:"id"`   // stable, e.g. "tax.vat_paid.le_paid_total"
	Kind   string   `json:"kind"` // one of Kinds
	Item   string   `json:"item"` // catalogue item code
	Other  string   `json:"other,omitempty"`
	Check  string   `json:"check,omitempty"`  // consistency: le or ends_after_start
	Fields []string `json:"fields,omitempty"` // required: fields that must be filled
	// Min and Max bound Num (range rules), in the item's unit.
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`
	// Tolerance is added to Other's value (le), in the items' unit.
	Tolerance int64 `json:"tolerance,omitempty"`
	// MinRate is the lowest acceptable collection rate (completeness), 0-1.
	MinRate float64 `json:"min_rate,omitempty"`
	// GraceDays after a period's end by which the department delivers it
	// (completeness, freshness); default 30.
	GraceDays int `json:"grace_days,omitempty"`
	// MaxFailRate is the share of checked facts allowed to fail before
	// the rule fails (range, required, consistency); default 0.
	MaxFailRate float64 `json:"max_fail_rate,omitempty"`
	// NoteZH and NoteEN explain the rule to operators.
	NoteZH string `json:"note_zh,omitempty"`
	NoteEN string `json:"note_en,omitempty"`
}

// Grace is the rule's grace period in days (default 30).
func (r Rule) Grace() int {
	if r.GraceDays > 0 {
		return r.GraceDays
	}
	return 30
}

// RuleSet is every rule, as one versioned document.
type RuleSet struct {
	Version int64 `json:"version"`
	// WindowMonths is how many recent months of periods range, required
	// and consistency rules look at (default 3): the data a department
	// is still sending or correcting.
	WindowMonths int `json:"window_months"`
	// Examples is how many failing enterprises a result keeps (default 5).
	Examples     int       `json:"examples"`
	Rules        []Rule    `json:"rules"`
	AuthorUserID int64     `json:"author_user_id"`
	AuthorName   string    `json:"author_name"`
	Reason       string    `json:"reason"`
	CreatedAt    time.Time `json:"created_at"`
}

// Triggers of a run.
const (
	TriggerBatch  = "batch"
	TriggerDaily  = "daily"
	TriggerManual = "manual"
)

// Freshness states of an item.
const (
	OnTime = "on_time"
	Late   = "late"
	Stale  = "stale"
	// NoSchedule: the item has no expected period (events, or no
	// freshness or completeness rule).
	NoSchedule = "none"
)

// Result states.
const (
	Pass = "pass"
	Fail = "fail"
)

// Run is one evaluation of the rule set (or of one department's rules).
type Run struct {
	ID      int64  `json:"id"`
	Trigger string `json:"trigger"`
	// Scope is the department whose rules ran, "" for all rules.
	Scope        string     `json:"scope"`
	Dataset      string     `json:"dataset,omitempty"` // the batch's dataset (trigger batch)
	RulesVersion int64      `json:"rules_version"`
	AsOf         time.Time  `json:"as_of"` // the time expected periods are computed for
	StartedAt    time.Time  `json:"started_at"`
	FinishedAt   time.Time  `json:"finished_at"`
	ActorName    string     `json:"actor_name"`
	Rules        int        `json:"rules"`   // rules evaluated
	Failing      int        `json:"failing"` // rules that failed
	Coverage     []Coverage `json:"coverage"`
	Results      []Result   `json:"results"`
}

// Coverage is what arrived of one item: its collection rate for the latest
// expected period and its freshness.
type Coverage struct {
	Item         string    `json:"item"`
	Department   string    `json:"department"`
	Frequency    string    `json:"frequency"`
	Expected     time.Time `json:"expected_period"` // zero: no schedule
	LastPeriod   time.Time `json:"last_period"`     // zero: nothing stored
	LastReceived time.Time `json:"last_received"`   // zero: nothing received in the window
	Reporters    int64     `json:"reporters"`       // operating enterprises with a fact for Expected
	Active       int64     `json:"active"`          // operating enterprises
	Freshness    string    `json:"freshness"`
}

// Rate is the collection rate, 0-1 (0 when no enterprise is operating).
func (c Coverage) Rate() float64 {
	if c.Active == 0 {
		return 0
	}
	return float64(c.Reporters) / float64(c.Active)
}

// Result is one rule's outcome in a run.
type Result struct {
	RuleID     string    `json:"rule_id"`
	Kind       string    `json:"kind"`
	Item       string    `json:"item"`
	Other      string    `json:"other,omitempty"`
	Department string    `json:"department"`
	Status     string    `json:"status"`
	Checked    int64     `json:"checked"`
	Failed     int64     `json:"failed"`
	Examples   []Example `json:"examples"`
}

// Example is one enterprise that failed a rule: its credit code, the
// period and the values concerned (Value is Item's Num, Other the other
// item's Num for le; the completeness examples are enterprises that
// reported the previous period and not the expected one).
type Example struct {
	Code   string    `json:"code"`
	Period time.Time `json:"period"`
	Value  int64     `json:"value"`
	Other  int64     `json:"other,omitempty"`
	EndsOn time.Time `json:"ends_on,omitzero"`
}

// Check is one set-based question a rule asks the store.
type Check struct {
	// Kind: "missing" (operating enterprises with a fact of Item for
	// Previous and none for Period), "required", "range", "le",
	// "ends_after_start".
	Kind     string
	Item     string
	Other    string
	Period   time.Time // missing
	Previous time.Time // missing
	// From bounds the facts' period from below (inclusive; zero: all).
	From      time.Time
	Fields    []string
	Min, Max  *int64
	Tolerance int64
	Examples  int // how many examples to return
}

// Outcome answers a Check: how many facts (or fact pairs) were checked,
// how many failed, and up to Examples of the failures. Only each fact's
// current version counts (the highest version of an enterprise, item,
// period and ref).
type Outcome struct {
	Checked, Failed int64
	Examples        []Example
}

// CoverageQuery asks what arrived of one item.
type CoverageQuery struct {
	Item   string
	Period time.Time // the expected period (zero: reporters are not counted)
	Since  time.Time // LastReceived looks at periods from here on
}

// ItemCoverage answers a CoverageQuery.
type ItemCoverage struct {
	Reporters    int64
	LastPeriod   time.Time
	LastReceived time.Time
}

// Store is the storage the rules need: narrow aggregate questions, the
// rule set and the runs.
type Store interface {
	// PutQualityRules stores rs as version base+1 (base 0: the first) and
	// sets rs.Version and rs.CreatedAt (the store's clock when zero). It
	// must return fault.Conflict "quality.rules_stale" if base is not the
	// current version.
	PutQualityRules(ctx context.Context, rs *RuleSet, base int64) error
	// CurrentQualityRules returns the current rule set or fault.NotFound
	// "quality.no_rules".
	CurrentQualityRules(ctx context.Context) (RuleSet, error)
	// CountOperating counts the enterprises whose status is operating.
	CountOperating(ctx context.Context) (int64, error)
	// QualityCoverage answers q with aggregates over the item's facts.
	QualityCoverage(ctx context.Context, q CoverageQuery) (ItemCoverage, error)
	// QualityCheck answers c with aggregates over current fact versions;
	// an unknown Kind is fault.Invalid "quality.check".
	QualityCheck(ctx context.Context, c Check) (Outcome, error)
	// CreateQualityRun stores r with its coverage and results and sets
	// r.ID.
	CreateQualityRun(ctx context.Context, r *Run) error
	// LatestQualityRuns returns the latest run of every scope, with its
	// coverage and results, newest first.
	LatestQualityRuns(ctx context.Context) ([]Run, error)
}
