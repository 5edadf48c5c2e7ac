package modelreg

import (
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

// Kinds of validation report.
const (
	// ReportFile: registered from a file; the figures are the artefact's
	// own (in-sample, and its calibration holdout if it had one).
	ReportFile = "file"
	// ReportOutOfTime: trained on the platform's outcomes; Holdout is the
	// latest observation date, which the model was not fitted on.
	ReportOutOfTime = "out_of_time"
)

// Report is the validation report stored with a version (its JSON form).
type Report struct {
	Kind string `json:"kind"`
	// Training: the rows the scorecard was fitted on (optimistic).
	Training scorecard.Report `json:"training"`
	// Holdout: rows the scorecard was not fitted on (for ReportOutOfTime
	// the latest observation date; for ReportFile the artefact's
	// calibration holdout, if any).
	Holdout *scorecard.Report `json:"holdout,omitempty"`
	// HoldoutLabel says what the holdout is ("out of time: 2025-01-01").
	HoldoutLabel string `json:"holdout_label,omitempty"`
	// ScorePSI and VariablePSI compare the holdout with the training
	// population (scorecard.Model.Validate).
	ScorePSI    float64            `json:"score_psi,omitempty"`
	VariablePSI map[string]float64 `json:"variable_psi,omitempty"`
	// Training table of a platform run.
	Table *TableSummary `json:"table,omitempty"`
	// Comparison is this version against the champion of the time on the
	// same holdout (nil when there was no champion).
	Comparison *Comparison `json:"comparison,omitempty"`
	// Warnings are codes of the i18n catalogue with their parameters:
	// what a reader must know before relying on the figures (few bads,
	// a wide interval).
	Warnings []Warning `json:"warnings,omitempty"`
}

// TableSummary describes a training table built from stored data.
type TableSummary struct {
	FeatureSet string `json:"feature_set"`
	// Dates are the observation dates (YYYY-MM-DD), the last the holdout.
	Dates []string `json:"dates"`
	// Rows and Bad per date, in Dates order.
	Rows          []int  `json:"rows"`
	Bad           []int  `json:"bad"`
	HorizonMonths int    `json:"horizon_months"` // the label window after each date
	Enterprises   int    `json:"enterprises"`    // distinct enterprises in the table
	Features      int    `json:"features"`       // candidate columns
	Fingerprint   string `json:"fingerprint"`    // SHA-256 of the canonical table
}

// Comparison is a challenger against the champion on one holdout.
type Comparison struct {
	ChampionID         int64   `json:"champion_id"`
	ChampionLabel      string  `json:"champion_label"`
	ChampionFeatureSet string  `json:"champion_feature_set"`
	Rows               int     `json:"rows"`
	Bad                int     `json:"bad"`
	Challenger         Metrics `json:"challenger"`
	Champion           Metrics `json:"champion"`
	// ScorePSI is the PSI between the two models' score distributions on
	// the holdout (champion's deciles as the expected shares): how much the
	// population would move between score bands if the challenger replaced
	// the champion.
	ScorePSI float64 `json:"score_psi"`
}

// Metrics are one model's figures on a comparison holdout. TrainingPSI is
// the PSI of its scores on the holdout against its own training scores.
type Metrics struct {
	AUC         float64 `json:"auc"`
	AUCLow      float64 `json:"auc_ci_low"`
	AUCHigh     float64 `json:"auc_ci_high"`
	KS          float64 `json:"ks"`
	Gini        float64 `json:"gini"`
	Brier       float64 `json:"brier"`
	ECE         float64 `json:"ece"`
	TrainingPSI float64 `json:"training_psi"`
}

// MetricsOf copies the figures of a report.
func MetricsOf(r scorecard.Report, trainingPSI float64) Metrics {
	return Metrics{AUC: r.AUC, AUCLow: r.AUCLow, AUCHigh: r.AUCHigh, KS: r.KS, Gini: r.Gini, Brier: r.Brier, ECE: r.ECE, TrainingPSI: trainingPSI}
}

// Warning is a note on the figures: an i18n code and its parameters.
type Warning struct {
	Code   string            `json:"code"`
	Params map[string]string `json:"params,omitempty"`
}

// FileReport is the report of an artefact registered from a file: the
// metrics it carries.
func FileReport(m *scorecard.Model) Report {
	r := Report{Kind: ReportFile, Training: m.Metrics.Training, Holdout: m.Metrics.Holdout}
	if m.Metrics.Holdout != nil {
		r.HoldoutLabel = "calibration holdout"
	}
	return r
}

// Headline is the report's main figure set for lists: the holdout when
// there is one, else training.
func (r Report) Headline() (scorecard.Report, bool) {
	if r.Holdout != nil {
		return *r.Holdout, true
	}
	return r.Training, false
}
