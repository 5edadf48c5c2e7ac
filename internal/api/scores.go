package api

import (
	"net/http"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/server"
)

// enterpriseScore reads an enterprise's latest credit evaluation with its
// explanation through the access decision point (catalogue item
// financing.credit_evaluation): GET /api/v1/enterprises/{code}/score?purpose=...
func (a *API) enterpriseScore(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if a.d.Scoring == nil {
		return fault.New(fault.NotFound, "request.not_found", "scoring is not enabled")
	}
	q := r.URL.Query()
	lang := "zh-CN"
	if server.LangFrom(r.Context()) == i18n.EN {
		lang = "en"
	}
	x, err := a.d.Scoring.Read(r.Context(), id.Principal, scoring.ReadQuery{Code: r.PathValue("code"), Purpose: q.Get("purpose"),
		AuthorizationID: q.Get("authorization"), Lang: lang})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, x)
	return nil
}

// runJSON is a scoring run as the API shows it.
type runJSON struct {
	ID          int64              `json:"id"`
	Status      string             `json:"status"`
	AsOf        time.Time          `json:"as_of"`
	StartedAt   time.Time          `json:"started_at"`
	FinishedAt  *time.Time         `json:"finished_at,omitempty"`
	StartedBy   string             `json:"started_by"`
	Workers     int                `json:"workers"`
	Enterprises int64              `json:"enterprises"`
	Scored      int64              `json:"scored"`
	Failed      int64              `json:"failed"`
	Model       string             `json:"model,omitempty"`
	Indicator   string             `json:"indicator_system"`
	FeatureSet  string             `json:"feature_set"`
	Errors      []scoring.RunError `json:"errors"`
}

func runOut(r scoring.Run) runJSON {
	out := runJSON{ID: r.ID, Status: r.Status, AsOf: r.AsOf, StartedAt: r.StartedAt, StartedBy: r.StartedBy, Workers: r.Workers,
		Enterprises: r.Enterprises, Scored: r.Scored, Failed: r.Failed, Model: r.Model, Indicator: r.IndicatorVer,
		FeatureSet: r.FeatureSet, Errors: r.Errors}
	if !r.FinishedAt.IsZero() {
		f := r.FinishedAt
		out.FinishedAt = &f
	}
	if out.Errors == nil {
		out.Errors = []scoring.RunError{}
	}
	return out
}

// startScoreRun starts a batch rescoring of every enterprise (operator
// staff); it runs in the background and answers with the run recorded.
func (a *API) startScoreRun(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if a.d.Scoring == nil {
		return fault.New(fault.NotFound, "request.not_found", "scoring is not enabled")
	}
	var body struct {
		AsOf string `json:"as_of"`
	}
	if r.ContentLength != 0 {
		if err := decode(r, &body); err != nil {
			return err
		}
	}
	var o scoring.RunOptions
	if body.AsOf != "" {
		t, err := time.Parse(time.RFC3339, body.AsOf)
		if err != nil {
			d, derr := time.Parse(time.DateOnly, body.AsOf)
			if derr != nil {
				return fault.New(fault.Invalid, "request.bad_param", "as_of must be RFC 3339 or YYYY-MM-DD").With("name", "as_of")
			}
			t = d.AddDate(0, 0, 1).Add(-time.Microsecond)
		}
		o.AsOf = t
	}
	run, err := a.d.Scoring.StartRun(r.Context(), id.Principal, o)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusAccepted, runOut(run))
	return nil
}

func (a *API) listScoreRuns(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if a.d.Scoring == nil {
		return fault.New(fault.NotFound, "request.not_found", "scoring is not enabled")
	}
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	runs, err := a.d.Scoring.Runs(r.Context(), id.Principal, limit)
	if err != nil {
		return err
	}
	out := make([]runJSON, len(runs))
	for i, x := range runs {
		out[i] = runOut(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

func (a *API) getScoreRun(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if a.d.Scoring == nil {
		return fault.New(fault.NotFound, "request.not_found", "scoring is not enabled")
	}
	n, err := pathID(r, "id")
	if err != nil {
		return err
	}
	run, err := a.d.Scoring.GetRun(r.Context(), id.Principal, n)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, runOut(run))
	return nil
}

func scorePaths() obj {
	e := []string{"400", "401", "403", "404"}
	idParam := pathParam("id", "Run id", obj{"type": "integer", "format": "int64"})
	return obj{
		"/api/v1/enterprises/{code}/score": obj{"get": op("getEnterpriseScore",
			"The enterprise's latest credit evaluation (catalogue item financing.credit_evaluation) with its explanation: score, grade, PD, reasons in words, the indicator system's dimension contributions and the data used with provenance. Decided like any item: an institution needs the item's grade within its tier and an authorization covering it (purpose, item, data dates, view mode); the enterprise reads its own free. Recorded as evidence.",
			"scoring", []obj{pathParam("code", "Unified social credit code", obj{"type": "string"}),
				queryParam("purpose", "Purpose of the query (institutions)", obj{"type": "string"}),
				queryParam("authorization", "The authorization the read is made under (optional)", obj{"type": "string"})},
			nil, "200", resp("The explanation", ref("ScoreExplanation")), e...)},
		"/api/v1/scoring/runs": obj{
			"get": op("listScoreRuns", "Batch rescoring runs, newest first (operator staff and auditors)", "scoring",
				[]obj{queryParam("limit", "At most this many", obj{"type": "integer"})}, nil, "200", resp("Runs", list(ref("ScoreRun"))), "400", "401", "403"),
			"post": op("startScoreRun", "Start a batch rescoring of every enterprise (operator staff); it runs in the background, one at a time, and every read it makes is recorded as evidence",
				"scoring", nil, jsonBody(object(nil, obj{"as_of": str("As-of instant (RFC 3339) or date (YYYY-MM-DD: its end); default now")})),
				"202", resp("The run, started", ref("ScoreRun")), "400", "401", "403", "409"),
		},
		"/api/v1/scoring/runs/{id}": obj{"get": op("getScoreRun", "One run with its progress", "scoring", []obj{idParam}, nil, "200",
			resp("Run", ref("ScoreRun")), e...)},
	}
}

func scoreSchemas() obj {
	tm := obj{"type": "string", "format": "date-time"}
	num := func(desc string) obj { return obj{"type": "number", "description": desc} }
	return obj{
		"ScoreExplanation": object([]string{"enterprise", "score_id", "as_of", "score", "grade", "reasons", "dimensions", "data_used"}, obj{
			"enterprise": str("Unified social credit code"), "name": str("Name"), "score_id": integer("Stored score id"),
			"as_of": tm, "computed_at": tm, "score": num("Score in points (the scorecard's, or the indicator system's without a model)"),
			"grade": str("Grade, AAA … C (GB/T 22116)"), "pd": num("Calibrated probability of default (absent without a model)"),
			"model": str("Champion model used, e.g. sme-default v3"), "model_note": str("Says so when no statistical model was promoted"),
			"indicator_score": num("Indicator system score (0-100)"), "indicator_grade": str("Indicator system grade"),
			"indicator_system": str("Indicator system version"), "feature_set": str("Feature set version"), "cause": str("Why it was computed"),
			"reasons":    arrayOf(obj{"type": "object", "description": "A reason code: variable, value, bin, points, lost, source and text (\"纳税信用等级为 C，扣 23 分\")"}),
			"dimensions": arrayOf(obj{"type": "object", "description": "A dimension of the indicator system: code, names, weight, score, points"}),
			"data_used":  arrayOf(obj{"type": "object", "description": "Records used, grouped: item, from, to, records, version, batch, received"}),
			"features":   obj{"type": "object", "description": "The feature values (the enterprise itself and operator staff only)"},
			"purpose":    str("Purpose recorded"), "authorization_id": str("Authorization the read was made under"),
		}),
		"ScoreRun": object([]string{"id", "status", "as_of", "started_at", "enterprises", "scored", "failed"}, obj{
			"id": integer("Run id"), "status": obj{"type": "string", "enum": []string{"running", "done", "failed"}}, "as_of": tm,
			"started_at": tm, "finished_at": tm, "started_by": str("Who started it"), "workers": obj{"type": "integer"},
			"enterprises": integer("Enterprises to score"), "scored": integer("Scored so far"), "failed": integer("Could not be scored"),
			"model": str("Champion model used"), "indicator_system": str("Indicator system version"), "feature_set": str("Feature set version"),
			"errors": arrayOf(obj{"type": "object", "description": "enterprise_id and error"}),
		}),
	}
}
