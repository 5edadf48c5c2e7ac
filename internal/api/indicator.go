package api

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/indicator"
)

// Indicator systems describe the evaluation method and hold no enterprise
// data. Operator staff and auditors read them; operator administrators
// import and activate versions (checked by the service).

func (a *API) indicatorService() (*indicator.Service, error) {
	if a.d.Indicators == nil {
		return nil, fault.New(fault.NotFound, "request.not_found", "indicator systems are not served by this node")
	}
	return a.d.Indicators, nil
}

func (a *API) listIndicatorSystems(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	svc, err := a.indicatorService()
	if err != nil {
		return err
	}
	rs, err := svc.List(r.Context(), id.Principal)
	if err != nil {
		return err
	}
	if rs == nil {
		rs = []indicator.Record{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": rs, "total": len(rs)})
	return nil
}

func (a *API) getIndicatorSystem(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	svc, err := a.indicatorService()
	if err != nil {
		return err
	}
	sid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := svc.Get(r.Context(), id.Principal, sid)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

// importIndicatorSystem takes the system's JSON as the body; the reason
// (required) and activate=true come in the query, like a catalogue import.
func (a *API) importIndicatorSystem(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	svc, err := a.indicatorService()
	if err != nil {
		return err
	}
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return fault.New(fault.Invalid, "request.content_type", "send the body as application/json").With("got", ct)
	}
	q := r.URL.Query()
	activate := false
	switch q.Get("activate") {
	case "", "false":
	case "true":
		activate = true
	default:
		return fault.New(fault.Invalid, "request.bad_param", "activate must be true or false").With("name", "activate")
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return fault.New(fault.Invalid, "request.bad_json", "cannot read the body").With("detail", "unreadable body")
	}
	rec, err := svc.Import(r.Context(), id.Principal, data, q.Get("reason"), activate)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

type indicatorActivation struct {
	Reason string `json:"reason"`
}

func (a *API) activateIndicatorSystem(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	svc, err := a.indicatorService()
	if err != nil {
		return err
	}
	sid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in indicatorActivation
	if err := decode(r, &in); err != nil {
		return err
	}
	rec, err := svc.Activate(r.Context(), id.Principal, sid, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func indicatorPaths() obj {
	sysParam := pathParam("id", "Indicator system version id", obj{"type": "integer", "format": "int64", "minimum": 1})
	return obj{
		"/api/v1/indicator-systems": obj{
			"get": op("listIndicatorSystems", "Stored versions of the expert indicator system, newest first, without their bodies (operator staff and auditors)", "indicators",
				nil, nil, "200", resp("Versions", object([]string{"items", "total"}, obj{"items": arrayOf(ref("IndicatorSystemVersion")), "total": obj{"type": "integer"}})),
				"401", "403"),
			"post": op("importIndicatorSystem", "Import a new version of the indicator system (operator administrators): checked in full (weights, scoring functions, breakpoints, grade cut-offs, feature names), stored as canonical JSON, recorded in the evidence log; activate=true also makes it the active version",
				"indicators", []obj{queryParam("reason", "Why (required; recorded with the version and in the evidence log)", obj{"type": "string"}),
					queryParam("activate", "Also activate it", obj{"type": "string", "enum": []string{"true", "false"}})},
				jsonBody(ref("IndicatorSystem")), "201", resp("The stored version", ref("IndicatorSystemVersion")), "400", "401", "403", "409", "413"),
		},
		"/api/v1/indicator-systems/{id}": obj{"get": op("getIndicatorSystem", "One stored version with its system", "indicators",
			[]obj{sysParam}, nil, "200", resp("The version", ref("IndicatorSystemVersion")), "400", "401", "403", "404")},
		"/api/v1/indicator-systems/{id}/activate": obj{"post": op("activateIndicatorSystem", "Make a stored version the active one (operator administrators); scoring uses it from then on; recorded in the evidence log",
			"indicators", []obj{sysParam}, jsonBody(object([]string{"reason"}, obj{"reason": str("Why")})), "200",
			resp("The now active version", ref("IndicatorSystemVersion")), "400", "401", "403", "404", "409")},
	}
}

func indicatorSchemas() obj {
	num := func(desc string) obj { return obj{"type": "number", "description": desc} }
	text := func(desc string) obj { return str(desc) }
	fn := object([]string{"kind"}, obj{
		"kind":      obj{"type": "string", "enum": indicator.Kinds},
		"points":    arrayOf(object([]string{"x", "y"}, obj{"x": num("Feature value"), "y": num("Score 0-100")})),
		"trend":     obj{"type": "string", "enum": []string{indicator.Increasing, indicator.Decreasing}},
		"below":     num("steps: score below the first threshold"),
		"steps":     arrayOf(object([]string{"from", "score"}, obj{"from": num("Threshold"), "score": num("Score 0-100")})),
		"map":       obj{"type": "object", "additionalProperties": obj{"type": "number"}, "description": "categorical: category → score"},
		"other":     num("categorical: score of any other category"),
		"per_event": num("count_penalty: points less per event"),
		"floor":     num("count_penalty: lowest score"),
		"true":      num("boolean: score of yes"),
		"false":     num("boolean: score of no"),
	})
	ind := object([]string{"code", "feature", "name_zh", "name_en", "explain_zh", "explain_en", "weight", "score", "missing"}, obj{
		"code": text("Indicator code"), "feature": text("Feature name (features.Vector key)"), "name_zh": text("Chinese name"),
		"name_en": text("English name"), "explain_zh": text("Why and how, Chinese"), "explain_en": text("Why and how, English"),
		"weight": num("Percent of the dimension; a dimension's indicators sum to 100"), "score": fn,
		"missing": object([]string{"policy"}, obj{"policy": obj{"type": "string", "enum": []string{indicator.MissingScore, indicator.MissingDrop}},
			"score": num("policy score: the score of a missing feature")}),
	})
	dim := object([]string{"code", "name_zh", "name_en", "weight", "indicators"}, obj{
		"code": text("Dimension code"), "name_zh": text("Chinese name"), "name_en": text("English name"),
		"weight": num("Percent of the total; the dimensions sum to 100"), "indicators": arrayOf(ind),
	})
	return obj{
		"IndicatorSystem": object([]string{"format", "version", "name_zh", "name_en", "grades", "dimensions"}, obj{
			"format": obj{"type": "string", "enum": []string{indicator.Format}}, "version": text("Version label, unique"),
			"name_zh": text("Chinese name"), "name_en": text("English name"), "note_zh": text("Note, Chinese"), "note_en": text("Note, English"),
			"feature_set": text("Feature set version it was written for"),
			"grades": arrayOf(object([]string{"grade", "min"}, obj{"grade": obj{"type": "string", "enum": indicator.Grades},
				"min": num("Lowest score of the grade")})),
			"dimensions": arrayOf(dim),
		}),
		"IndicatorSystemVersion": object([]string{"id", "version", "digest", "author_name", "reason", "created_at", "active"}, obj{
			"id": integer("Version id"), "version": text("Version label"), "system": ref("IndicatorSystem"),
			"digest": text("Hex SHA-256 of the canonical JSON"), "author_user_id": integer("Who stored it (0: the system)"),
			"author_name": text("Who stored it"), "reason": text("Why"), "created_at": obj{"type": "string", "format": "date-time"},
			"active":       obj{"type": "boolean", "description": "The version scoring uses"},
			"activated_at": obj{"type": "string", "format": "date-time", "description": "When it last became active (zero time if never)"},
			"activated_by": text("Who last activated it"),
		}),
	}
}
