// Package modeltrain trains the platform's scorecard on its own outcome
// data: loans shared back by institutions (facts.Loan) give the labels,
// the point-in-time feature engine (internal/features) the variables.
//
// The training table has one row per (enterprise, observation date D):
// the enterprise's features as of D, computed only from what the platform
// had received by D, and the label "defaulted within the horizon after D"
// (a loan's DefaultedOn, or its reaching 90 days overdue, in (D, D+12
// months]). Rows of the latest date are the out-of-time holdout; the
// scorecard (internal/scorecard) is fitted on the earlier dates, validated
// on the holdout, compared with the current champion on the same holdout
// and registered as a challenger (internal/modelreg).
//
// Every read of enterprise data goes through the access decision point
// (access.Guard.Read) as the platform itself, purpose credit_evaluation:
// one evidence entry per registry page, one per enterprise for its loans,
// one per enterprise in the table for its features (every date's vector),
// collected per batch of enterprises and appended in bulk
// (AppendAuditBatch) before the batch's rows are used; a batch whose
// evidence cannot be written fails the run.
//
// The package never promotes on its own: Run promotes only when asked.
package modeltrain
