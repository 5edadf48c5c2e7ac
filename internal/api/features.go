package api

import (
	"net/http"
	"slices"

	"github.com/creditbridge/creditbridge/internal/features"
)

// The feature definitions (operators and auditors): the set the platform
// computes credit features with, as data. No enterprise data.

// featureSet is Deps.Features, or the embedded default set.
func (a *API) featureSet() (*features.Set, error) {
	if a.d.Features != nil {
		return a.d.Features, nil
	}
	return features.DefaultSet()
}

// featureSetDoc is the JSON of GET /api/v1/features: the set plus the
// operators it may use.
type featureSetDoc struct {
	*features.Set
	Operators []string `json:"operators"`
}

func (a *API) listFeatures(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if !features.CanRead(id.Principal) {
		return features.ErrForbidden
	}
	set, err := a.featureSet()
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, featureSetDoc{Set: set, Operators: features.Operators()})
	return nil
}

func featurePaths() obj {
	params := obj{"type": "object", "description": "The operator's parameters (see internal/features.Params)", "properties": obj{
		"months":        obj{"type": "integer", "description": "Window of monthly measures, back from the last complete month before the as-of date"},
		"window_months": obj{"type": "integer", "description": "Window of events and loans, back from the as-of date; 0 or absent: the whole known history"},
		"absent_zero":   obj{"type": "boolean", "description": "0 instead of missing when the item has no value in the window"},
		"field":         obj{"type": "string", "enum": []string{"num", "text", "industry"}},
		"cmp":           obj{"type": "string", "enum": []string{"positive", "zero"}}}}
	def := object([]string{"name", "category", "kind", "unit", "name_zh", "name_en", "meaning_zh", "meaning_en", "items", "op"}, obj{
		"name": str("Stable snake_case name (the column a model reads)"), "category": str("Category code"),
		"kind":    obj{"type": "string", "enum": []string{features.Numeric, features.Categorical}},
		"unit":    str("fen, persons, kWh, days, years, ratio, count, points; empty for categorical"),
		"name_zh": str("名称"), "name_en": str("Name"), "meaning_zh": str("含义"), "meaning_en": str("Meaning"),
		"items": arrayOf(str("Catalogue item code read, or \"loan\" for the loans institutions shared back")),
		"op":    obj{"type": "string", "enum": slices.Clone(features.Operators())}, "params": params})
	category := object([]string{"code", "name_zh", "name_en"}, obj{"code": str("Category"), "name_zh": str("名称"), "name_en": str("Name")})
	set := object([]string{"version", "categories", "features", "operators"}, obj{
		"version": str("Set version, e.g. features/v1"), "categories": arrayOf(category), "features": arrayOf(def),
		"operators": arrayOf(str("Operator the engine interprets"))})
	return obj{
		"/api/v1/features": obj{"get": op("listFeatures", "The credit feature definitions: names and meaning in both languages, unit, the catalogue items each reads and its computation, as of a date from data known then (operators and auditors)",
			"features", nil, nil, "200", resp("The feature set", set), "401", "403")},
	}
}
