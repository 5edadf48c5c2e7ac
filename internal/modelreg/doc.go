// Package modelreg is the model registry: every scorecard the platform may
// score with is stored here as a numbered version of a model name (the
// platform's is DefaultName, "sme-default") with its artefact (the
// scorecard.Model JSON), the feature-set version it was trained on, the
// fingerprint of its training table and its validation report.
//
// A version is registered as a challenger. An operator administrator
// promotes a challenger to champion, stating a reason; the previous
// champion is retired in the same transaction, which also appends the
// promotion to the evidence log. There is at most one champion per name
// (the store enforces it), and the scoring code asks Champion for it.
//
// The registry never trains, scores or reads enterprise data: training
// lives in internal/modeltrain, scoring in internal/scoring. Models are
// not enterprise data, so listing them needs no access decision; who may
// see and change them is decided here (operator and auditor see, operator
// administrators register and promote).
package modelreg
