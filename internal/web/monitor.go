package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The security-monitoring page (/monitor) is for operator staff and
// auditors: the detector's alerts with the evidence behind each, the
// suspensions in force, and (operator staff) forms to suspend the key,
// user or institution behind an alert and to reinstate.

// MonitorPath is the page's address.
const MonitorPath = "/monitor"

var (
	monitorRuleKeys = map[string]string{
		monitor.RuleUnbackedBreadth: "ui.monitor.rule.unbacked_breadth",
		monitor.RuleDeniedBurst:     "ui.monitor.rule.denied_burst",
		monitor.RuleSequentialScan:  "ui.monitor.rule.sequential_scan",
		monitor.RuleNightBulk:       "ui.monitor.rule.night_bulk",
		monitor.RuleVolumeBaseline:  "ui.monitor.rule.volume_baseline",
		monitor.RuleExportBaseline:  "ui.monitor.rule.export_baseline",
		monitor.RuleProbeMisses:     "ui.monitor.rule.probe_misses",
	}
	monitorSeverityKeys = map[string]string{monitor.SeverityMedium: "ui.monitor.severity.medium", monitor.SeverityHigh: "ui.monitor.severity.high"}
	monitorKindKeys     = map[string]string{string(monitor.KindUser): "ui.monitor.kind.user", string(monitor.KindAPIKey): "ui.monitor.kind.api_key",
		string(monitor.KindOrg): "ui.monitor.kind.org"}
)

type monitorAlert struct {
	monitor.Alert
	RuleLabel, SeverityLabel, Badge string
	OrgName                         string
	Observed, Threshold             string
	// Targets the operator may suspend from this alert.
	Targets []monitorTarget
}

type monitorTarget struct {
	Kind, Label string
	ID          int64
}

type monitorSuspension struct {
	monitor.Suspension
	KindLabel, OrgName string
}

type monitorData struct {
	Alerts      []monitorAlert
	Suspensions []monitorSuspension
	Selected    *monitorAlert
	Evidence    []audit.Entry
	CanAct      bool
	Done        string // "suspended", "reinstated"
	Kinds       []monitorTarget
}

func (u *UI) monitorPage(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Monitor == nil {
		return errNotFound
	}
	ctx := r.Context()
	p := id.Principal
	as, err := u.d.Monitor.ListAlerts(ctx, p, monitor.AlertFilter{Limit: 100})
	if err != nil {
		return err
	}
	ss, err := u.d.Monitor.ListSuspensions(ctx, p, true, 200)
	if err != nil {
		return err
	}
	var orgIDs []int64
	for _, a := range as {
		orgIDs = append(orgIDs, a.OrgID)
	}
	for _, s := range ss {
		orgIDs = append(orgIDs, s.OrgID)
	}
	orgs, err := u.orgsByID(ctx, orgIDs)
	if err != nil {
		return err
	}
	d := monitorData{CanAct: p.Role == "operator_admin" || p.Role == "operator_analyst", Done: r.URL.Query().Get("done")}
	switch d.Done {
	case "", "suspended", "reinstated":
	default:
		d.Done = ""
	}
	for _, k := range monitor.Kinds {
		d.Kinds = append(d.Kinds, monitorTarget{Kind: string(k), Label: u.qlabel(r, monitorKindKeys, string(k))})
	}
	view := func(a monitor.Alert) monitorAlert {
		v := monitorAlert{Alert: a, RuleLabel: u.qlabel(r, monitorRuleKeys, a.Rule), SeverityLabel: u.qlabel(r, monitorSeverityKeys, a.Severity),
			Badge: "badge-fresh-late", OrgName: pick(server.LangFrom(ctx), orgs[a.OrgID].Name, orgs[a.OrgID].NameEN),
			Observed: strconv.FormatFloat(a.Observed, 'f', -1, 64), Threshold: strconv.FormatFloat(a.Threshold, 'f', 0, 64)}
		if a.Severity == monitor.SeverityHigh {
			v.Badge = "badge-quality-fail"
		}
		if a.APIKeyID != 0 {
			v.Targets = append(v.Targets, monitorTarget{Kind: string(monitor.KindAPIKey), ID: a.APIKeyID, Label: u.t(r, "ui.monitor.suspend_key")})
		}
		if a.UserID != 0 {
			v.Targets = append(v.Targets, monitorTarget{Kind: string(monitor.KindUser), ID: a.UserID, Label: u.t(r, "ui.monitor.suspend_user")})
		}
		if a.OrgID != 0 {
			v.Targets = append(v.Targets, monitorTarget{Kind: string(monitor.KindOrg), ID: a.OrgID, Label: u.t(r, "ui.monitor.suspend_org")})
		}
		return v
	}
	for _, a := range as {
		d.Alerts = append(d.Alerts, view(a))
	}
	for _, s := range ss {
		d.Suspensions = append(d.Suspensions, monitorSuspension{Suspension: s, KindLabel: u.qlabel(r, monitorKindKeys, string(s.Kind)),
			OrgName: pick(server.LangFrom(ctx), orgs[s.OrgID].Name, orgs[s.OrgID].NameEN)})
	}
	if s := r.URL.Query().Get("alert"); s != "" {
		aid, err := strconv.ParseInt(s, 10, 64)
		if err != nil || aid <= 0 {
			return fault.New(fault.Invalid, "request.bad_param", "bad alert id").With("name", "alert")
		}
		a, es, err := u.d.Monitor.Alert(ctx, p, aid)
		if err != nil {
			return err
		}
		v := view(a)
		d.Selected, d.Evidence = &v, es
	}
	u.render(w, r, http.StatusOK, "monitor", "ui.monitor.title", d)
	return nil
}

// monitorSuspend handles the suspend form (operator staff).
func (u *UI) monitorSuspend(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Monitor == nil {
		return errNotFound
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "bad form").With("name", "form")
	}
	target, err := strconv.ParseInt(strings.TrimSpace(r.PostForm.Get("id")), 10, 64)
	if err != nil {
		target = 0 // the service names the missing id
	}
	if _, err := u.d.Monitor.Suspend(r.Context(), id.Principal, monitor.Kind(r.PostForm.Get("kind")), target, r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, MonitorPath+"?done=suspended", http.StatusSeeOther)
	return nil
}

// monitorReinstate handles a reinstate button (operator staff).
func (u *UI) monitorReinstate(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Monitor == nil {
		return errNotFound
	}
	sid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || sid <= 0 {
		return errNotFound
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "bad form").With("name", "form")
	}
	if _, err := u.d.Monitor.Reinstate(r.Context(), id.Principal, sid, r.PostForm.Get("reason")); err != nil {
		return err
	}
	http.Redirect(w, r, fmt.Sprintf("%s?done=reinstated", MonitorPath), http.StatusSeeOther)
	return nil
}
