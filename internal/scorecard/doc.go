// Package scorecard is the statistical credit scorecard engine: it reads a
// table (CSV, or the whitespace-separated .dat files of the UCI Statlog
// sets), bins every candidate variable (numeric: quantile fine classing
// then merging under a monotonic-trend constraint and a minimum bin share;
// categorical: grouping by bad rate; explicit missing and special-value
// bins whose statistics are kept even when empty), computes weight of
// evidence and information value, selects variables (IV, pairwise WOE
// correlation, stability), fits an L2-regularised logistic regression on
// the WOE values, scales it to points (points to double the odds) and
// writes one versioned JSON artefact, Model.
//
// The artefact is the contract: scoring, probability of default, grade
// and reason codes are computed from it alone (model.go and score.go do
// not call the training code), so a model that was fitted once scores the
// same way anywhere it is loaded. Validation (AUC with a DeLong interval,
// KS, Gini, Brier, calibration table and expected calibration error, PSI)
// and stratified cross-validation live here too.
//
// Conventions: the event ("bad") is y = 1; WOE = ln(share of bads in the
// bin / share of goods in the bin), so a higher WOE is riskier and the
// fitted coefficients are positive; a higher score is better.
//
// The package is a pure library: it never touches the store, the network
// or the clock except where a caller passes them in.
package scorecard
