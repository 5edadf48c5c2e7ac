package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/modelreg"
)

// modelJSON is a registry version; the artefact is included only when one
// version is asked for.
type modelJSON struct {
	ID              int64           `json:"id"`
	Name            string          `json:"name"`
	Number          int             `json:"number"`
	Status          string          `json:"status"`
	Source          string          `json:"source"`
	FeatureSet      string          `json:"feature_set"`
	DataFingerprint string          `json:"data_fingerprint"`
	Validation      json.RawMessage `json:"validation"`
	CreatedBy       string          `json:"created_by"`
	CreatedAt       string          `json:"created_at"`
	PromotedBy      string          `json:"promoted_by,omitempty"`
	PromotedAt      string          `json:"promoted_at,omitempty"`
	Reason          string          `json:"reason,omitempty"`
	RetiredAt       string          `json:"retired_at,omitempty"`
	Artefact        json.RawMessage `json:"artefact,omitempty"`
}

func modelOf(v modelreg.Version, withArtefact bool) modelJSON {
	out := modelJSON{ID: v.ID, Name: v.Name, Number: v.Number, Status: v.Status, Source: v.Source, FeatureSet: v.FeatureSet,
		DataFingerprint: v.DataFingerprint, Validation: v.Validation, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt.Format(time.RFC3339),
		PromotedBy: v.PromotedBy, Reason: v.Reason}
	if len(out.Validation) == 0 {
		out.Validation = json.RawMessage("{}")
	}
	if !v.PromotedAt.IsZero() {
		out.PromotedAt = v.PromotedAt.Format(time.RFC3339)
	}
	if !v.RetiredAt.IsZero() {
		out.RetiredAt = v.RetiredAt.Format(time.RFC3339)
	}
	if withArtefact && len(v.Artefact) > 0 {
		out.Artefact = v.Artefact
	}
	return out
}

func (a *API) models() (*modelreg.Service, error) {
	if a.d.Models == nil {
		return nil, fault.New(fault.NotFound, "request.not_found", "the model registry is not enabled on this node")
	}
	return a.d.Models, nil
}

// listModels: GET /api/v1/models?name=&limit=
func (a *API) listModels(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	reg, err := a.models()
	if err != nil {
		return err
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	vs, err := reg.List(r.Context(), id.Principal, modelreg.Filter{Name: r.URL.Query().Get("name"), Limit: limit})
	if err != nil {
		return err
	}
	out := make([]modelJSON, len(vs))
	for i, v := range vs {
		out[i] = modelOf(v, false)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// getModel: GET /api/v1/models/{id}, with the artefact.
func (a *API) getModel(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	reg, err := a.models()
	if err != nil {
		return err
	}
	mid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	v, err := reg.Get(r.Context(), id.Principal, mid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, modelOf(v, true))
	return nil
}

// registerModel: POST /api/v1/models {"name", "feature_set", "artefact"}:
// an operator administrator registers a scorecard artefact as a challenger.
func (a *API) registerModel(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	reg, err := a.models()
	if err != nil {
		return err
	}
	var in struct {
		Name       string          `json:"name"`
		FeatureSet string          `json:"feature_set"`
		Artefact   json.RawMessage `json:"artefact"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	if len(in.Artefact) == 0 {
		return fault.New(fault.Invalid, "model.bad_artefact", "artefact is required").With("detail", "artefact is required")
	}
	v, err := reg.Register(r.Context(), id.Principal, modelreg.Registration{Name: in.Name, FeatureSet: in.FeatureSet, Artefact: in.Artefact})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, modelOf(v, false))
	return nil
}

// promoteModel: POST /api/v1/models/{id}/promote {"reason"}.
func (a *API) promoteModel(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	reg, err := a.models()
	if err != nil {
		return err
	}
	mid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason string `json:"reason"`
	}
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := reg.Promote(r.Context(), id.Principal, mid, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, modelOf(v, false))
	return nil
}

func modelPaths() obj {
	e := []string{"400", "401", "403", "404"}
	return obj{
		"/api/v1/models": obj{
			"get": op("listModels", "Model registry versions, newest first, with their validation reports (operator staff and auditors)", "models",
				[]obj{queryParam("name", "Model name, e.g. sme-default", obj{"type": "string"}), limitParam}, nil, "200", resp("Versions", list(ref("ModelVersion"))), "400", "401", "403"),
			"post": op("registerModel", "Register a scorecard artefact (the JSON `creditbridge model train` writes) as a challenger; operator administrators, recorded as evidence", "models",
				nil, jsonBody(object([]string{"artefact"}, obj{"name": str("Model name (default sme-default)"), "feature_set": str("Feature-set version the model reads"),
					"artefact": obj{"type": "object", "description": "The scorecard artefact (schema creditbridge.scorecard/v1)"}})),
				"201", resp("Registered", ref("ModelVersion")), e...),
		},
		"/api/v1/models/{id}": obj{"get": op("getModel", "One version with its artefact and validation report", "models", []obj{idParam}, nil, "200",
			resp("Version", ref("ModelVersion")), e...)},
		"/api/v1/models/{id}/promote": obj{"post": op("promoteModel", "Promote a challenger to champion (the previous champion is retired); operator administrators, with a reason, recorded as evidence", "models",
			[]obj{idParam}, jsonBody(object([]string{"reason"}, obj{"reason": str("Why this version becomes the champion")})), "200", resp("Promoted", ref("ModelVersion")), append(e, "409")...)},
	}
}

func modelSchemas() obj {
	tm := obj{"type": "string", "format": "date-time"}
	return obj{"ModelVersion": object([]string{"id", "name", "number", "status", "source", "validation", "created_by", "created_at"}, obj{
		"id": integer("Version id"), "name": str("Model name"), "number": obj{"type": "integer", "description": "Version number within the name"},
		"status":           obj{"type": "string", "enum": []string{"challenger", "champion", "retired"}},
		"source":           obj{"type": "string", "enum": []string{"file", "platform"}},
		"feature_set":      str("Feature-set version the model was trained on"),
		"data_fingerprint": str("SHA-256 of the canonical training table"),
		"validation":       obj{"type": "object", "description": "Validation report: training and holdout AUC with DeLong interval, KS, Gini, Brier, calibration table and ECE, PSI, comparison with the champion, warnings"},
		"created_by":       str("Who registered it"), "created_at": tm, "promoted_by": str("Who promoted it"), "promoted_at": tm,
		"reason": str("Why it was promoted"), "retired_at": tm,
		"artefact": obj{"type": "object", "description": "The scorecard artefact (GET /api/v1/models/{id} only)"},
	})}
}
