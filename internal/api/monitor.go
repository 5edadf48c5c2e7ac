package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/monitor"
)

type alertJSON struct {
	ID           int64   `json:"id"`
	Rule         string  `json:"rule"`
	Severity     string  `json:"severity"`
	Score        float64 `json:"score"`
	OrgID        int64   `json:"org_id"`
	UserID       int64   `json:"user_id,omitempty"`
	APIKeyID     int64   `json:"api_key_id,omitempty"`
	Actor        string  `json:"actor"`
	Observed     float64 `json:"observed"`
	Threshold    float64 `json:"threshold"`
	Entries      []int64 `json:"entries"`
	Detail       string  `json:"detail"`
	SuspensionID int64   `json:"suspension_id,omitempty"`
	CreatedAt    string  `json:"created_at"`
}

func alertOf(a monitor.Alert) alertJSON {
	es := a.Entries
	if es == nil {
		es = []int64{}
	}
	return alertJSON{ID: a.ID, Rule: a.Rule, Severity: a.Severity, Score: a.Score, OrgID: a.OrgID, UserID: a.UserID, APIKeyID: a.APIKeyID,
		Actor: a.Actor, Observed: a.Observed, Threshold: a.Threshold, Entries: es, Detail: a.Detail, SuspensionID: a.SuspensionID,
		CreatedAt: a.CreatedAt.Format(time.RFC3339)}
}

type suspensionJSON struct {
	ID         int64   `json:"id"`
	Kind       string  `json:"kind"`
	TargetID   int64   `json:"target_id"`
	OrgID      int64   `json:"org_id"`
	Target     string  `json:"target"`
	Reason     string  `json:"reason"`
	AlertID    int64   `json:"alert_id,omitempty"`
	By         string  `json:"created_by"`
	CreatedAt  string  `json:"created_at"`
	Active     bool    `json:"active"`
	LiftedAt   *string `json:"lifted_at,omitempty"`
	LiftedBy   string  `json:"lifted_by,omitempty"`
	LiftReason string  `json:"lift_reason,omitempty"`
}

func suspensionOf(s monitor.Suspension) suspensionJSON {
	out := suspensionJSON{ID: s.ID, Kind: string(s.Kind), TargetID: s.TargetID, OrgID: s.OrgID, Target: s.Target, Reason: s.Reason,
		AlertID: s.AlertID, By: s.By, CreatedAt: s.CreatedAt.Format(time.RFC3339), Active: s.Active(), LiftedBy: s.LiftedBy, LiftReason: s.LiftReason}
	if !s.LiftedAt.IsZero() {
		t := s.LiftedAt.Format(time.RFC3339)
		out.LiftedAt = &t
	}
	return out
}

// listAlerts: GET /api/v1/monitor/alerts?org_id=&rule=&limit=&after=
func (a *API) listAlerts(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var f monitor.AlertFilter
	if f.OrgID, err = queryInt64(r, "org_id"); err != nil {
		return err
	}
	if f.After, err = queryInt64(r, "after"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit", 50); err != nil {
		return err
	}
	f.Rule = r.URL.Query().Get("rule")
	as, err := a.d.Monitor.ListAlerts(r.Context(), id.Principal, f)
	if err != nil {
		return err
	}
	out := make([]alertJSON, len(as))
	for i, x := range as {
		out[i] = alertOf(x)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

// getAlert: GET /api/v1/monitor/alerts/{id}, with its evidence entries.
func (a *API) getAlert(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	aid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	al, es, err := a.d.Monitor.Alert(r.Context(), id.Principal, aid)
	if err != nil {
		return err
	}
	evidence := make([]entryJSON, len(es))
	for i, e := range es {
		items := e.Items
		if items == nil {
			items = []string{}
		}
		evidence[i] = entryJSON{Seq: e.Seq, Time: e.Time.Format(time.RFC3339Nano), ActorUserID: e.ActorUserID, ActorName: e.ActorName,
			OrgID: e.OrgID, Action: e.Action, EnterpriseID: e.EnterpriseID, Items: items, Purpose: e.Purpose,
			AuthorizationID: e.AuthorizationID, Outcome: string(e.Outcome), Detail: e.Detail, PrevHash: e.PrevHash, Hash: e.Hash}
	}
	writeJSON(w, http.StatusOK, map[string]any{"alert": alertOf(al), "evidence": evidence})
	return nil
}

// listSuspensions: GET /api/v1/monitor/suspensions?active=true
func (a *API) listSuspensions(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	active := false
	if s := r.URL.Query().Get("active"); s != "" {
		if active, err = strconv.ParseBool(s); err != nil {
			return fault.New(fault.Invalid, "request.bad_param", "active must be true or false").With("name", "active")
		}
	}
	limit, err := queryInt(r, "limit", 100)
	if err != nil {
		return err
	}
	ss, err := a.d.Monitor.ListSuspensions(r.Context(), id.Principal, active, limit)
	if err != nil {
		return err
	}
	out := make([]suspensionJSON, len(ss))
	for i, s := range ss {
		out[i] = suspensionOf(s)
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type suspendRequest struct {
	Kind   string `json:"kind"`
	ID     int64  `json:"id"`
	Reason string `json:"reason"`
}

// suspend: POST /api/v1/monitor/suspensions {kind, id, reason}
func (a *API) suspend(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var req suspendRequest
	if err := decode(r, &req); err != nil {
		return err
	}
	sp, err := a.d.Monitor.Suspend(r.Context(), id.Principal, monitor.Kind(req.Kind), req.ID, req.Reason)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/monitor/suspensions/"+strconv.FormatInt(sp.ID, 10))
	writeJSON(w, http.StatusCreated, suspensionOf(sp))
	return nil
}

// reinstate: DELETE /api/v1/monitor/suspensions/{id}?reason=...
func (a *API) reinstate(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	sid, err := pathID(r, "id")
	if err != nil {
		return err
	}
	sp, err := a.d.Monitor.Reinstate(r.Context(), id.Principal, sid, r.URL.Query().Get("reason"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, suspensionOf(sp))
	return nil
}

func monitorPaths() obj {
	return obj{
		"/api/v1/monitor/alerts": obj{"get": op("listAlerts", "Security-monitoring alerts, newest first (operator staff and auditors)", "monitor",
			[]obj{queryParam("org_id", "Organisation", obj{"type": "integer", "format": "int64"}),
				queryParam("rule", "Rule", obj{"type": "string", "enum": monitor.Rules}), limitParam,
				queryParam("after", "Keyset: alerts with id below this", obj{"type": "integer", "format": "int64", "minimum": 0})},
			nil, "200", resp("Alerts", list(ref("MonitorAlert"))), "400", "401", "403")},
		"/api/v1/monitor/alerts/{id}": obj{"get": op("getAlert", "One alert with the evidence entries behind it", "monitor",
			[]obj{idParam}, nil, "200", resp("Alert and evidence", object([]string{"alert", "evidence"}, obj{"alert": ref("MonitorAlert"),
				"evidence": arrayOf(ref("AuditEntry"))})), e4()...)},
		"/api/v1/monitor/suspensions": obj{
			"get": op("listSuspensions", "Suspensions, newest first (operator staff and auditors)", "monitor",
				[]obj{queryParam("active", "Only those in force", obj{"type": "boolean"}), limitParam},
				nil, "200", resp("Suspensions", list(ref("Suspension"))), "400", "401", "403"),
			"post": op("suspend", "Suspend a user, an API key or an institution (operator staff); its next request is refused with 403 access.suspended", "monitor",
				nil, jsonBody(ref("SuspensionInput")), "201", resp("Suspended", ref("Suspension")), "400", "401", "403", "404", "409"),
		},
		"/api/v1/monitor/suspensions/{id}": obj{"delete": op("reinstate", "Lift a suspension (operator staff)", "monitor",
			[]obj{idParam, queryParam("reason", "Why", obj{"type": "string", "maxLength": 500})}, nil, "200", resp("Lifted", ref("Suspension")), e4()...)},
	}
}

func e4() []string { return []string{"400", "401", "403", "404"} }

func monitorSchemas() obj {
	tm := obj{"type": "string", "format": "date-time"}
	kinds := obj{"type": "string", "enum": []string{string(monitor.KindUser), string(monitor.KindAPIKey), string(monitor.KindOrg)}}
	return obj{
		"MonitorAlert": object([]string{"id", "rule", "severity", "score", "org_id", "actor", "observed", "threshold", "entries", "detail", "created_at"}, obj{
			"id": integer("Id"), "rule": obj{"type": "string", "enum": monitor.Rules},
			"severity": obj{"type": "string", "enum": []string{monitor.SeverityMedium, monitor.SeverityHigh}},
			"score":    obj{"type": "number", "description": "Observed / threshold"}, "org_id": integer("Organisation"),
			"user_id": integer("User (zero for a key)"), "api_key_id": integer("API key (zero for a user)"), "actor": str("Actor as in the evidence log"),
			"observed": obj{"type": "number"}, "threshold": obj{"type": "number"}, "entries": arrayOf(integer("Evidence sequence number")),
			"detail": str("Summary"), "suspension_id": integer("The automatic suspension, if any"), "created_at": tm}),
		"Suspension": object([]string{"id", "kind", "target_id", "org_id", "reason", "created_by", "created_at", "active"}, obj{
			"id": integer("Id"), "kind": kinds, "target_id": integer("User, key or organisation id"), "org_id": integer("Organisation"),
			"target": str("Username, key prefix or organisation name"), "reason": str("Reason"), "alert_id": integer("The alert behind it"),
			"created_by": str("Who suspended"), "created_at": tm, "active": obj{"type": "boolean"}, "lifted_at": tm,
			"lifted_by": str("Who reinstated"), "lift_reason": str("Why")}),
		"SuspensionInput": object([]string{"kind", "id", "reason"}, obj{"kind": kinds, "id": integer("User, key or organisation id"),
			"reason": obj{"type": "string", "minLength": 1, "maxLength": 500}}),
	}
}
