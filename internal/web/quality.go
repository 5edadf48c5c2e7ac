package web

import (
	"fmt"
	"net/http"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The data-quality page is for operators and auditors: collection rate
// and freshness per catalogue item and per department, and the failing
// rules with a few enterprises each (linked to their registry page).
// Operator administrators may start a run from it.

type qualityItem struct {
	quality.Coverage
	NameZH, NameEN string
	Percent        string // collection rate, "98.7"
	Fresh          string // freshness, translated
}

type qualityRule struct {
	quality.Result
	NoteZH, NoteEN string
	ItemZH, ItemEN string
	KindLabel      string
}

type qualityDepartment struct {
	D       quality.Department
	Percent string
	Name    string // the department's name, or its code when unknown
	Fresh   string
}

// Labels of the values the page shows, spelled out so the locale test sees
// every key in use.
var (
	freshnessKeys = map[string]string{quality.OnTime: "ui.quality.freshness.on_time", quality.Late: "ui.quality.freshness.late",
		quality.Stale: "ui.quality.freshness.stale", quality.NoSchedule: "ui.quality.freshness.none"}
	ruleKindKeys = map[string]string{quality.KindCompleteness: "ui.quality.kind.completeness", quality.KindRequired: "ui.quality.kind.required",
		quality.KindFreshness: "ui.quality.kind.freshness", quality.KindRange: "ui.quality.kind.range", quality.KindConsistency: "ui.quality.kind.consistency"}
	triggerKeys = map[string]string{quality.TriggerBatch: "ui.quality.trigger.batch", quality.TriggerDaily: "ui.quality.trigger.daily",
		quality.TriggerManual: "ui.quality.trigger.manual"}
	// departmentKeys name the departments of the default catalogue.
	departmentKeys = map[string]string{"tax": "ui.quality.dept.tax", "hrss": "ui.quality.dept.hrss", "hf": "ui.quality.dept.hf",
		"grid": "ui.quality.dept.grid", "water": "ui.quality.dept.water", "gas": "ui.quality.dept.gas", "samr": "ui.quality.dept.samr",
		"court": "ui.quality.dept.court", "sci": "ui.quality.dept.sci", "customs": "ui.quality.dept.customs"}
)

// label translates value through keys, or shows the value itself.
func (u *UI) qlabel(r *http.Request, keys map[string]string, value string) string {
	if k, ok := keys[value]; ok {
		return u.t(r, k)
	}
	return value
}

type qualityData struct {
	HasRun      bool
	Run         quality.Run
	Trigger     string
	Departments []qualityDepartment
	Items       []qualityItem
	Failing     []qualityRule
	Passing     int
	CanRun      bool
	Started     bool // the page follows a run the user started
}

func percent(rate float64) string { return fmt.Sprintf("%.1f", rate*100) }

func (u *UI) qualityPage(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Quality == nil {
		return errNotFound
	}
	if !quality.CanRead(id.Principal) {
		return fault.New(fault.Forbidden, "quality.forbidden", "only operators and auditors may see data-quality results")
	}
	d := qualityData{CanRun: quality.CanRun(id.Principal), Started: r.URL.Query().Get("started") == "1"}
	run, err := u.d.Quality.Latest(r.Context(), id.Principal)
	switch {
	case fault.Is(err, fault.NotFound):
		u.render(w, r, http.StatusOK, "quality", "ui.quality.title", d)
		return nil
	case err != nil:
		return err
	}
	d.HasRun, d.Run, d.Trigger = true, run, u.qlabel(r, triggerKeys, run.Trigger)
	names := map[string]catalog.Version{}
	if vs, err := u.d.Items.List(r.Context(), ""); err == nil {
		for _, v := range vs {
			names[v.Code] = v
		}
	}
	notes := map[string]quality.Rule{}
	if rs, err := u.d.Quality.Rules(r.Context(), id.Principal); err == nil {
		for _, x := range rs.Rules {
			notes[x.ID] = x
		}
	}
	for _, dep := range quality.Departments(run) {
		d.Departments = append(d.Departments, qualityDepartment{D: dep, Percent: percent(dep.Rate),
			Name: u.qlabel(r, departmentKeys, dep.Department), Fresh: u.qlabel(r, freshnessKeys, dep.Freshness)})
	}
	for _, c := range run.Coverage {
		d.Items = append(d.Items, qualityItem{Coverage: c, NameZH: names[c.Item].NameZH, NameEN: names[c.Item].NameEN, Percent: percent(c.Rate()),
			Fresh: u.qlabel(r, freshnessKeys, c.Freshness)})
	}
	for _, x := range run.Results {
		if x.Status != quality.Fail {
			d.Passing++
			continue
		}
		n := notes[x.RuleID]
		d.Failing = append(d.Failing, qualityRule{Result: x, NoteZH: n.NoteZH, NoteEN: n.NoteEN,
			ItemZH: names[x.Item].NameZH, ItemEN: names[x.Item].NameEN, KindLabel: u.qlabel(r, ruleKindKeys, x.Kind)})
	}
	u.render(w, r, http.StatusOK, "quality", "ui.quality.title", d)
	return nil
}

// qualityRun starts a full run (operator administrators) and returns to
// the page.
func (u *UI) qualityRun(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Quality == nil {
		return errNotFound
	}
	if _, err := u.d.Quality.Run(r.Context(), id.Principal, quality.RunOptions{Trigger: quality.TriggerManual}); err != nil {
		return err
	}
	http.Redirect(w, r, "/quality?started=1", http.StatusSeeOther)
	return nil
}
