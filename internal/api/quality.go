package api

import (
	"net/http"

	"github.com/creditbridge/creditbridge/internal/quality"
)

// The data-quality results are for operators and auditors (the service
// checks); starting a run and changing the rules are an operator
// administrator's.

type qualityCoverage struct {
	quality.Coverage
	Rate float64 `json:"collection_rate"`
}

type qualityReport struct {
	Run         quality.Run          `json:"run"`
	Coverage    []qualityCoverage    `json:"coverage"`
	Departments []quality.Department `json:"departments"`
}

func report(run quality.Run) qualityReport {
	rep := qualityReport{Run: run, Coverage: make([]qualityCoverage, len(run.Coverage)), Departments: quality.Departments(run)}
	for i, c := range run.Coverage {
		rep.Coverage[i] = qualityCoverage{Coverage: c, Rate: c.Rate()}
	}
	rep.Run.Coverage = nil
	return rep
}

func (a *API) getQuality(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	run, err := a.d.Quality.Latest(r.Context(), id.Principal)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, report(run))
	return nil
}

func (a *API) startQualityRun(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	if _, err := a.d.Quality.Run(r.Context(), id.Principal, quality.RunOptions{Trigger: quality.TriggerManual}); err != nil {
		return err
	}
	// The results name enterprises: they are read back through Latest,
	// which records the read.
	run, err := a.d.Quality.Latest(r.Context(), id.Principal)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, report(run))
	return nil
}

func (a *API) getQualityRules(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	rs, err := a.d.Quality.Rules(r.Context(), id.Principal)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

type qualityRulesUpdate struct {
	Rules       quality.RuleSet `json:"rules"`
	BaseVersion int64           `json:"base_version"`
	Reason      string          `json:"reason"`
}

func (a *API) putQualityRules(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in qualityRulesUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	rs, err := a.d.Quality.SaveRules(r.Context(), id.Principal, in.Rules, in.BaseVersion, in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rs)
	return nil
}

// qualityPaths documents the routes above (merged into the document by
// Document).
func qualityPaths() obj {
	tm := obj{"type": "string", "format": "date-time"}
	date := obj{"type": "string", "format": "date-time", "description": "First day of the period (UTC midnight)"}
	example := object([]string{"code", "period", "value"}, obj{"code": str("Unified social credit code of the failing enterprise"),
		"period": date, "value": integer("The item's value (its unit)"), "other": integer("The other item's value (le checks)"),
		"ends_on": date})
	result := object([]string{"rule_id", "kind", "item", "department", "status", "checked", "failed", "examples"}, obj{
		"rule_id": str("Rule"), "kind": obj{"type": "string", "enum": quality.Kinds}, "item": str("Catalogue item"), "other": str("Other item (le)"),
		"department": str("The item's department"), "status": obj{"type": "string", "enum": []string{quality.Pass, quality.Fail}},
		"checked": integer("Facts (or enterprises) checked"), "failed": integer("How many failed"), "examples": arrayOf(example)})
	freshness := obj{"type": "string", "enum": []string{quality.OnTime, quality.Late, quality.Stale, quality.NoSchedule}}
	coverage := object([]string{"item", "department", "frequency", "reporters", "active", "freshness", "collection_rate"}, obj{
		"item": str("Catalogue item"), "department": str("Department"), "frequency": str("Declared update frequency"),
		"expected_period": date, "last_period": date, "last_received": tm, "reporters": integer("Operating enterprises that reported the expected period"),
		"active": integer("Operating enterprises"), "freshness": freshness, "collection_rate": obj{"type": "number", "minimum": 0, "maximum": 1}})
	department := object([]string{"department", "items", "collection_rate", "freshness", "rules", "failing"}, obj{
		"department": str("Department code"), "items": integer("Items with a schedule"), "collection_rate": obj{"type": "number", "description": "Mean of its items' rates"},
		"last_period": date, "last_received": tm, "freshness": freshness, "rules": integer("Rules on its items"), "failing": integer("Failing rules")})
	run := object([]string{"id", "trigger", "scope", "rules_version", "as_of", "started_at", "finished_at", "rules", "failing", "results"}, obj{
		"id": integer("Run"), "trigger": obj{"type": "string", "enum": []string{quality.TriggerBatch, quality.TriggerDaily, quality.TriggerManual}},
		"scope": str("Department of a batch run, empty for all rules"), "dataset": str("Dataset of the batch"), "rules_version": integer("Rule set version"),
		"as_of": tm, "started_at": tm, "finished_at": tm, "actor_name": str("Who started it"), "rules": integer("Rules evaluated"),
		"failing": integer("Rules failing"), "coverage": obj{"type": "null"}, "results": arrayOf(result)})
	reportSchema := object([]string{"run", "coverage", "departments"}, obj{"run": run, "coverage": arrayOf(coverage), "departments": arrayOf(department)})
	rule := obj{"type": "object", "required": []string{"id", "kind", "item"}, "description": "A rule (see internal/quality.Rule)", "properties": obj{
		"id": str("Stable id"), "kind": obj{"type": "string", "enum": quality.Kinds}, "item": str("Catalogue item"), "other": str("Other item"),
		"check": obj{"type": "string", "enum": []string{quality.CheckLE, quality.CheckEndsAfterStart}}, "fields": arrayOf(str("Field")),
		"min": integer("Lowest value"), "max": integer("Highest value"), "tolerance": integer("Added to the other value"),
		"min_rate": obj{"type": "number"}, "grace_days": obj{"type": "integer"}, "max_fail_rate": obj{"type": "number"},
		"note_zh": str("Explanation"), "note_en": str("Explanation")}}
	ruleSet := obj{"type": "object", "required": []string{"rules"}, "properties": obj{"version": integer("Version (0: the defaults, not stored yet)"),
		"window_months": obj{"type": "integer"}, "examples": obj{"type": "integer"}, "rules": arrayOf(rule),
		"author_user_id": integer("Author"), "author_name": str("Author"), "reason": str("Why"), "created_at": tm}}
	return obj{
		"/api/v1/quality": obj{"get": op("getQuality", "Data quality now: collection rate and freshness per catalogue item and department, and every rule's latest result with example enterprises (operators and auditors)",
			"quality", nil, nil, "200", resp("The latest results", reportSchema), "401", "403", "404")},
		"/api/v1/quality/runs": obj{"post": op("startQualityRun", "Evaluate every data-quality rule now (operator administrators); recorded in the evidence log",
			"quality", nil, nil, "201", resp("The latest results, this run included", reportSchema), "401", "403")},
		"/api/v1/quality/rules": obj{
			"get": op("getQualityRules", "The data-quality rule set", "quality", nil, nil, "200", resp("Rules", ruleSet), "401", "403"),
			"put": op("putQualityRules", "Replace the rule set (operator administrators): a new version with author and reason, in the evidence log",
				"quality", nil, jsonBody(object([]string{"rules", "base_version", "reason"}, obj{"rules": ruleSet,
					"base_version": integer("The version the change is based on"), "reason": str("Why")})), "200", resp("The new version", ruleSet),
				"400", "401", "403", "409"),
		},
	}
}
