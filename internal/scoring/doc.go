// Package scoring computes, stores and explains the platform's credit
// evaluation of every enterprise (DOMAIN.md §7): features as of an instant
// (internal/features), the expert indicator system (internal/indicator) and,
// when one was promoted, the champion scorecard (internal/modelreg), with
// reason codes and the data used.
//
// Scores are computed by a batch run over the whole registry (an operator's
// request or the CLI) and by an incremental worker that consumes the
// recompute queue (new batches, approved credit repairs) and stores the
// new score in the same transaction that consumes the queue entry. A
// rescore adds a row; none is changed.
//
// Every read of enterprise data it makes passes the access decision point
// with the platform's own principal and purpose credit_evaluation and
// leaves an evidence entry (written in bulk, in the transaction that stores
// the scores). Every read of a stored score passes the decision point
// under the catalogue item ItemCode, so an institution sees a score only
// within its authorization, as it sees any other item; the enterprise sees
// its own, with the reasons and the data used, free.
//
// It never scores with a model trained on another feature set, and never
// reads data received after the as-of instant (features.Engine's promise,
// checked by the score-level leakage test).
package scoring
