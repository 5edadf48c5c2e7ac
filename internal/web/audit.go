package web

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/server"
)

// knownActions are the evidence actions the filter offers, grouped by
// their prefix; the filter also accepts a whole group ("enterprise.").
var knownActions = []struct {
	group   string
	actions []string
}{
	{"auth.", []string{"auth.sign_in", "auth.sign_out"}},
	{"enterprise.", []string{"enterprise.search", "enterprise.read", "enterprise.history", "enterprise.register", "enterprise.update"}},
	{"org.", []string{"org.create"}},
	{"user.", []string{"user.create", "user.status"}},
	{"apikey.", []string{"apikey.create", "apikey.revoke"}},
	{"catalog.", []string{"catalog.update", "catalog.import", "catalog.load_defaults"}},
	{"ingest.", []string{"ingest.submit", "ingest.batch", "ingest.read", "ingest.report.read", "ingest.dataset.save"}},
	{"data.", []string{"data.read"}},
	{"interface.", []string{"interface.call"}},
	{"audit.", []string{audit.ActionExport}},
	{"authorization.", []string{"authorization.request", "authorization.approve", "authorization.reject", "authorization.pause",
		"authorization.resume", "authorization.revoke", "authorization.expire", "authorization.consent", "authorization.identity_check"}},
	{"verification.", []string{"verification.ask", "verification.answer", "verification.read"}},
	{"objection.", []string{"objection.file", "objection.confirm", "objection.correct", "objection.reject", "objection.escalate",
		"objection.read", "objection.list"}},
	{"repair.", []string{"repair.file", "repair.approve", "repair.reject", "repair.read", "repair.list"}},
	{"monitor.", []string{"monitor.alert", "monitor.suspend", "monitor.reinstate", "monitor.rate_limited"}},
	{"indicator.", []string{indicator.ActionLoadDefault, indicator.ActionImport, indicator.ActionActivate}},
	{"model.", []string{"model.register", "model.promote", "model.train.registry", "model.train.outcomes", "model.train.features"}},
}

type auditRow struct {
	audit.Entry
	Org account.Org // the actor's organisation, when known
}

type auditData struct {
	Action       string
	EnterpriseID string
	Actions      []optGroup
	Items        []auditRow
	// OlderURL pages back from the last entry shown; NewestURL returns to
	// the head of the log.
	OlderURL, NewestURL string
	// CanExport: the viewer may download an evidence export (auditors and
	// operator staff).
	CanExport bool
}

// viewerOf is how the evidence log service sees a principal.
func viewerOf(p access.Principal) audit.Viewer {
	return audit.Viewer{Role: string(p.Role), OrgID: p.OrgID, EnterpriseID: p.EnterpriseID}
}

// audit lists the evidence log, newest first, as far as the viewer may see
// it: operator staff and auditors all of it, an enterprise the entries
// about itself, other organisations their own actions.
func (u *UI) audit(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	before, err := int64Param(q, "before")
	if err != nil {
		return err
	}
	entID, err := int64Param(q, "enterprise")
	if err != nil {
		return err
	}
	d := auditData{Action: strings.TrimSpace(q.Get("action"))}
	if len(d.Action) > 64 {
		return fault.New(fault.Invalid, "request.bad_param", "action filter too long").With("name", "action")
	}
	if entID != 0 {
		d.EnterpriseID = strconv.FormatInt(entID, 10)
	}
	rows, older, err := u.auditPage(r.Context(), id.Principal, audit.Filter{EnterpriseID: entID, Action: d.Action, BeforeSeq: before, Limit: listPageSize})
	if err != nil {
		return err
	}
	d.Items = rows
	d.CanExport = canExport(id.Principal)
	if older != 0 {
		d.OlderURL = pageURL(r.URL, "before", older)
	}
	if before > 0 {
		d.NewestURL = pageURL(r.URL, "before", 0)
	}
	lang := server.LangFrom(r.Context())
	for _, g := range knownActions {
		name := u.labelOf(lang, "ui.action_group.", strings.TrimSuffix(g.group, "."))
		og := optGroup{Label: name,
			Options: []option{{Value: g.group, Label: u.t(r, "ui.audit.all_of_group", "group", name), Selected: d.Action == g.group}}}
		for _, a := range g.actions {
			og.Options = append(og.Options, option{Value: a, Label: u.labelOf(lang, "ui.action.", a), Selected: d.Action == a})
		}
		d.Actions = append(d.Actions, og)
	}
	u.render(w, r, http.StatusOK, "audit", "ui.audit.title", d)
	return nil
}

// auditPage reads one page of the log with the actors' organisations and
// returns the sequence number to page back from (zero on the last page).
func (u *UI) auditPage(ctx context.Context, p access.Principal, f audit.Filter) ([]auditRow, int64, error) {
	entries, err := u.d.Audit.List(ctx, viewerOf(p), f)
	if err != nil {
		return nil, 0, err
	}
	ids := make([]int64, len(entries))
	for i, e := range entries {
		ids[i] = e.OrgID
	}
	orgs, err := u.orgsByID(ctx, ids)
	if err != nil {
		return nil, 0, err
	}
	rows := make([]auditRow, len(entries))
	for i, e := range entries {
		rows[i] = auditRow{Entry: e, Org: orgs[e.OrgID]}
	}
	var older int64
	if len(entries) == f.Limit && entries[len(entries)-1].Seq > 1 {
		older = entries[len(entries)-1].Seq
	}
	return rows, older, nil
}

// canExport mirrors audit.Service.Export's rule, to show the form.
func canExport(p access.Principal) bool {
	switch p.Role {
	case account.RoleAuditor, account.RoleOperatorAdmin, account.RoleOperatorAnalyst:
		return true
	}
	return false
}

// auditExport downloads the evidence selected by the form's filters with
// its chain proof (the same file as GET /api/v1/audit/export), to be
// checked offline with `creditbridge audit verify --export FILE`.
func (u *UI) auditExport(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f, err := audit.ParseExportFilter(q.Get("institution"), q.Get("enterprise"), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	p := id.Principal
	ev := audit.Entry{ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, RemoteAddr: p.RemoteAddr}
	started := false
	_, err = u.d.Audit.Export(r.Context(), viewerOf(p), ev, f, func() (io.Writer, error) {
		started = true
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="creditbridge-evidence-`+time.Now().UTC().Format("20060102T150405Z")+`.jsonl"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return w, nil
	})
	if err != nil && started {
		// Mid-stream: the file lacks its end line, which the verifier reports.
		u.d.Log.Error("evidence export failed mid-stream", "error", err)
		return nil
	}
	return err
}
