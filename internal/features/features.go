package features

import (
	"context"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
)

// Source is one stored record a Vector was computed from: a fact in the
// version that was current at the as-of instant, or a loan (Item "loan",
// Period its start date, Version 1, Batch its load).
type Source struct {
	Item       string
	Period     time.Time
	Version    int
	Batch      string
	ReceivedAt time.Time
}

// Vector is the feature values of one enterprise as of an instant.
type Vector struct {
	EnterpriseID int64
	// AsOf is the as-of instant: data received after it is not used, and
	// periods and events after it are not either.
	AsOf time.Time
	// SetVersion is the Set.Version the vector was computed with.
	SetVersion string
	// Num holds the numeric features present, Cat the categorical ones;
	// a feature that cannot be computed (no data) is absent, not zero.
	Num map[string]float64
	Cat map[string]string
	// Sources are the facts and loans used ("the data it used"), ordered
	// by item, period, version, batch.
	Sources []Source
}

// Raw returns the value of feature name as text for scorecard.Model.Score:
// a numeric value in the shortest decimal form (no exponent) that reads
// back exactly, a categorical value as is, and "" when it is missing.
func (v Vector) Raw(name string) string {
	if x, ok := v.Num[name]; ok {
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return v.Cat[name]
}

// Reader is the subset of the facts store the engine reads. Callers wrap
// it with the access decision point (access.Guard.Read) so that every read
// leaves an evidence entry; the engine makes no access decision itself.
type Reader interface {
	QueryFacts(ctx context.Context, q facts.Query) ([]facts.Fact, error)
	LoansOf(ctx context.Context, enterpriseID int64) ([]facts.Loan, error)
}

// Engine computes vectors of Set from the data Data returns.
type Engine struct {
	Set  *Set
	Data Reader
}

// Compute returns ent's features as of asOf, using only what was known
// then. It issues one QueryFacts (every item, KnownAt asOf) and, when the
// set has loan features, one LoansOf, and computes the rest in memory.
// ent is the registry record (enterprise.Record: the package has no type
// named Enterprise); its FoundedOn, Industry, Size and Status are used.
func (e Engine) Compute(ctx context.Context, ent enterprise.Record, asOf time.Time) (Vector, error) {
	return e.compute(ctx, ent, asOf)
}
