package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/modeltrain"
	"github.com/creditbridge/creditbridge/internal/scorecard"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The model registry pages (/models) are for operator staff and auditors:
// the versions with their headline metrics, one version's validation
// report (metrics, calibration, variables with their bins, the comparison
// with the champion of its time) and, for operator administrators, the
// promote form and the "train a challenger" button, which runs training
// on the platform's outcomes in the background with a status line.

// ModelsPath is the registry page's address.
const ModelsPath = "/models"

var (
	modelStatusKeys = map[string]string{modelreg.StatusChallenger: "ui.models.status.challenger", modelreg.StatusChampion: "ui.models.status.champion",
		modelreg.StatusRetired: "ui.models.status.retired"}
	modelSourceKeys = map[string]string{modelreg.SourceFile: "ui.models.source.file", modelreg.SourcePlatform: "ui.models.source.platform"}
	modelStageKeys  = map[string]string{"outcomes": "ui.models.stage.outcomes", "features": "ui.models.stage.features", "fitting": "ui.models.stage.fitting"}
	modelBinKeys    = map[string]string{string(scorecard.BinRange): "ui.models.bin.range", string(scorecard.BinCategories): "ui.models.bin.categories",
		string(scorecard.BinMissing): "ui.models.bin.missing", string(scorecard.BinSpecial): "ui.models.bin.special"}
	modelSetKeys = map[string]string{"training": "ui.models.set.training", "holdout": "ui.models.set.holdout"}
)

func f3(x float64) string  { return strconv.FormatFloat(x, 'f', 3, 64) }
func f4(x float64) string  { return strconv.FormatFloat(x, 'f', 4, 64) }
func pct(x float64) string { return strconv.FormatFloat(100*x, 'f', 1, 64) + "%" }

// modelMetrics are one report's figures, formatted.
type modelMetrics struct {
	Rows, Bad                             int
	AUC, AUCLow, AUCHigh, KS, Gini, Brier string
	ECE                                   string
}

func metricsView(r scorecard.Report) modelMetrics {
	return modelMetrics{Rows: r.Rows, Bad: r.Bad, AUC: f3(r.AUC), AUCLow: f3(r.AUCLow), AUCHigh: f3(r.AUCHigh), KS: f3(r.KS), Gini: f3(r.Gini),
		Brier: f4(r.Brier), ECE: f4(r.ECE)}
}

type modelRow struct {
	modelreg.Version
	StatusBadge, StatusLabel, SourceLabel string
	Headline                              *modelMetrics
	OnHoldout                             bool
	HoldoutText                           string
}

type modelsData struct {
	Versions []modelRow
	CanAdmin bool
	Training modeltrain.Status
	TrainErr string
	Result   *modeltrain.Result
	Elapsed  string
	Stage    string
	Done     string
}

func statusBadge(s string) string {
	switch s {
	case modelreg.StatusChampion:
		return "badge-quality-pass"
	case modelreg.StatusChallenger:
		return "badge-fresh-late"
	}
	return "badge-account-suspended"
}

func (u *UI) modelsPage(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Models == nil {
		return errNotFound
	}
	p := id.Principal
	vs, err := u.d.Models.List(r.Context(), p, modelreg.Filter{Limit: 200})
	if err != nil {
		return err
	}
	d := modelsData{CanAdmin: modelreg.CanAdmin(p) && u.d.Training != nil}
	switch q := r.URL.Query().Get("done"); q {
	case "training", "promoted":
		d.Done = q
	}
	for _, v := range vs {
		row := modelRow{Version: v, StatusBadge: statusBadge(v.Status), StatusLabel: u.qlabel(r, modelStatusKeys, v.Status),
			SourceLabel: u.qlabel(r, modelSourceKeys, v.Source)}
		if rep, err := v.Report(); err == nil {
			h, onHoldout := rep.Headline()
			if h.Rows > 0 {
				mv := metricsView(h)
				row.Headline, row.OnHoldout, row.HoldoutText = &mv, onHoldout, rep.HoldoutLabel
			}
		}
		d.Versions = append(d.Versions, row)
	}
	if u.d.Training != nil {
		d.Training = u.d.Training.Status()
		d.Stage = u.qlabel(r, modelStageKeys, d.Training.Stage)
		if d.Training.Err != nil {
			d.TrainErr = u.publicMessage(r, d.Training.Err)
		}
		d.Result = d.Training.Result
		if !d.Training.StartedAt.IsZero() {
			d.Elapsed = trainingElapsed(d.Training)
		}
	}
	u.render(w, r, http.StatusOK, "models", "ui.models.title", d)
	return nil
}

// publicMessage is an error's text for the user: a fault's catalogued
// message, never an internal detail.
func (u *UI) publicMessage(r *http.Request, err error) string {
	fe, ok := fault.As(err)
	if !ok || fe.Kind == fault.Internal || !u.d.Catalog.Has(fe.Code) {
		return u.t(r, "internal")
	}
	var params []string
	for k, v := range fe.Params {
		params = append(params, k, v)
	}
	return u.t(r, fe.Code, params...)
}

type modelBin struct {
	scorecard.Bin
	KindLabel                       string
	Share, BadRate, WOE, IV, Points string
}

type modelVariable struct {
	Name, Label, Kind, Trend, IV, Coefficient, PSI string
	Bins                                           []modelBin
}

type modelCalibration struct {
	Rows            int
	MeanPD, BadRate string
	MeanPct, BadPct string
}

type modelCandidate struct {
	scorecard.Candidate
	Label, IV string
}

type modelComparison struct {
	modelreg.Comparison
	Challenger, Champion                 modelMetrics
	ChallengerPSI, ChampionPSI, ScorePSI string
}

type modelWarning struct{ Text string }

type modelDetail struct {
	V            modelreg.Version
	StatusBadge  string
	StatusLabel  string
	SourceLabel  string
	Report       modelreg.Report
	Training     modelMetrics
	Holdout      *modelMetrics
	Calibration  []modelCalibration
	CalibOn      string
	ScorePSI     string
	Variables    []modelVariable
	Candidates   []modelCandidate
	Comparison   *modelComparison
	Warnings     []modelWarning
	Table        []modelTableRow
	Scaling      scorecard.Scaling
	CalibMethod  string
	CanPromote   bool
	Done         string
	CreatedAtArt string
}

type modelTableRow struct {
	Date      string
	Rows, Bad int
	Rate      string
}

func (u *UI) modelDetail(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Models == nil {
		return errNotFound
	}
	mid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || mid <= 0 {
		return errNotFound
	}
	v, err := u.d.Models.Get(r.Context(), id.Principal, mid)
	if err != nil {
		return err
	}
	m, err := v.Model()
	if err != nil {
		return err
	}
	rep, err := v.Report()
	if err != nil {
		return err
	}
	lang := server.LangFrom(r.Context())
	labels := map[string]string{}
	if set, err := u.featureSet(); err == nil {
		for _, d := range set.Defs {
			labels[d.Name] = pick(lang, d.NameZH, d.NameEN)
		}
	}
	d := modelDetail{V: v, StatusBadge: statusBadge(v.Status), StatusLabel: u.qlabel(r, modelStatusKeys, v.Status), SourceLabel: u.qlabel(r, modelSourceKeys, v.Source), Report: rep, Training: metricsView(rep.Training), ScorePSI: f3(rep.ScorePSI),
		Scaling: m.Scaling, CalibMethod: m.Calibration.Method, CreatedAtArt: m.CreatedAt,
		CanPromote: modelreg.CanAdmin(id.Principal) && v.Status == modelreg.StatusChallenger}
	if r.URL.Query().Get("done") == "promoted" {
		d.Done = "promoted"
	}
	calib := rep.Training.Calibration
	calibOn := "training"
	if rep.Holdout != nil {
		hv := metricsView(*rep.Holdout)
		d.Holdout = &hv
		calib, calibOn = rep.Holdout.Calibration, "holdout"
	}
	d.CalibOn = u.qlabel(r, modelSetKeys, calibOn)
	for _, c := range calib {
		d.Calibration = append(d.Calibration, modelCalibration{Rows: c.Rows, MeanPD: f4(c.MeanPD), BadRate: f4(c.BadRate), MeanPct: pct(c.MeanPD), BadPct: pct(c.BadRate)})
	}
	for _, mv := range m.Variables {
		x := modelVariable{Name: mv.Name, Label: labels[mv.Name], Kind: string(mv.Kind), Trend: string(mv.Trend), IV: f3(mv.IV), Coefficient: f3(mv.Coefficient)}
		if p, ok := rep.VariablePSI[mv.Name]; ok {
			x.PSI = f3(p)
		}
		for _, b := range mv.Bins {
			x.Bins = append(x.Bins, modelBin{Bin: b, KindLabel: u.qlabel(r, modelBinKeys, string(b.Kind)), Share: pct(b.Share), BadRate: pct(b.BadRate), WOE: f3(b.WOE), IV: f4(b.IV), Points: strconv.FormatFloat(b.Points, 'f', 1, 64)})
		}
		d.Variables = append(d.Variables, x)
	}
	for _, c := range m.Candidates {
		if !c.Used {
			d.Candidates = append(d.Candidates, modelCandidate{Candidate: c, Label: labels[c.Name], IV: f3(c.IV)})
		}
	}
	if c := rep.Comparison; c != nil {
		d.Comparison = &modelComparison{Comparison: *c,
			Challenger:    metricsView(scorecard.Report{AUC: c.Challenger.AUC, AUCLow: c.Challenger.AUCLow, AUCHigh: c.Challenger.AUCHigh, KS: c.Challenger.KS, Gini: c.Challenger.Gini, Brier: c.Challenger.Brier, ECE: c.Challenger.ECE}),
			Champion:      metricsView(scorecard.Report{AUC: c.Champion.AUC, AUCLow: c.Champion.AUCLow, AUCHigh: c.Champion.AUCHigh, KS: c.Champion.KS, Gini: c.Champion.Gini, Brier: c.Champion.Brier, ECE: c.Champion.ECE}),
			ChallengerPSI: f3(c.Challenger.TrainingPSI), ChampionPSI: f3(c.Champion.TrainingPSI), ScorePSI: f3(c.ScorePSI)}
	}
	for _, wn := range rep.Warnings {
		var params []string
		for k, val := range wn.Params {
			params = append(params, k, val)
		}
		d.Warnings = append(d.Warnings, modelWarning{Text: u.t(r, wn.Code, params...)})
	}
	if t := rep.Table; t != nil {
		for i, date := range t.Dates {
			row := modelTableRow{Date: date}
			if i < len(t.Rows) {
				row.Rows, row.Bad = t.Rows[i], t.Bad[i]
				if row.Rows > 0 {
					row.Rate = pct(float64(row.Bad) / float64(row.Rows))
				}
			}
			d.Table = append(d.Table, row)
		}
	}
	u.render(w, r, http.StatusOK, "models_detail", "ui.models.detail_title", d)
	return nil
}

// modelPromote handles the promote form (operator administrators).
func (u *UI) modelPromote(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Models == nil {
		return errNotFound
	}
	mid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || mid <= 0 {
		return errNotFound
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "bad form").With("name", "form")
	}
	if _, err := u.d.Models.Promote(r.Context(), id.Principal, mid, r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("%s/%d?done=promoted", ModelsPath, mid), http.StatusSeeOther)
	return nil
}

// modelTrain starts training a challenger in the background.
func (u *UI) modelTrain(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Models == nil || u.d.Training == nil {
		return errNotFound
	}
	if err := u.d.Training.Start(id.Principal); err != nil {
		return err
	}
	http.Redirect(w, r, ModelsPath+"?done=training", http.StatusSeeOther)
	return nil
}

// trainingElapsed is how long the current or last run took, for the status line.
func trainingElapsed(s modeltrain.Status) string {
	end := s.FinishedAt
	if s.Running || end.IsZero() {
		end = time.Now()
	}
	return end.Sub(s.StartedAt).Round(time.Second).String()
}
