package api

import (
	"io"
	"net/http"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/server"
)

type entryJSON struct {
	Seq             int64    `json:"seq"`
	Time            string   `json:"time"`
	ActorUserID     int64    `json:"actor_user_id,omitempty"`
	ActorName       string   `json:"actor_name"`
	OrgID           int64    `json:"org_id,omitempty"`
	Action          string   `json:"action"`
	EnterpriseID    int64    `json:"enterprise_id,omitempty"`
	Items           []string `json:"items"`
	Purpose         string   `json:"purpose"`
	AuthorizationID string   `json:"authorization_id"`
	Outcome         string   `json:"outcome"`
	Detail          string   `json:"detail"`
	PrevHash        string   `json:"prev_hash"`
	Hash            string   `json:"hash"`
}

func viewer(id server.Identity) audit.Viewer {
	p := id.Principal
	return audit.Viewer{Role: string(p.Role), OrgID: p.OrgID, EnterpriseID: p.EnterpriseID}
}

func (a *API) listAudit(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var f audit.Filter
	if f.EnterpriseID, err = queryInt64(r, "enterprise_id"); err != nil {
		return err
	}
	if f.ActorUserID, err = queryInt64(r, "actor_user_id"); err != nil {
		return err
	}
	if f.BeforeSeq, err = queryInt64(r, "before"); err != nil {
		return err
	}
	if f.Limit, err = queryInt(r, "limit", 100); err != nil {
		return err
	}
	f.Action = r.URL.Query().Get("action")
	es, err := a.d.Audit.List(r.Context(), viewer(id), f)
	if err != nil {
		return err
	}
	out := make([]entryJSON, len(es))
	for i, e := range es {
		items := e.Items
		if items == nil {
			items = []string{}
		}
		out[i] = entryJSON{Seq: e.Seq, Time: e.Time.Format(time.RFC3339Nano), ActorUserID: e.ActorUserID, ActorName: e.ActorName,
			OrgID: e.OrgID, Action: e.Action, EnterpriseID: e.EnterpriseID, Items: items, Purpose: e.Purpose,
			AuthorizationID: e.AuthorizationID, Outcome: string(e.Outcome), Detail: e.Detail, PrevHash: e.PrevHash, Hash: e.Hash}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}

type verifyJSON struct {
	OK          bool   `json:"ok"`
	Entries     int64  `json:"entries"`
	Checkpoints int    `json:"checkpoints"`
	HeadSeq     int64  `json:"head_seq"`
	HeadHash    string `json:"head_hash"`
	LastSigned  int64  `json:"last_signed_seq"`
	ProblemSeq  int64  `json:"problem_seq,omitempty"`
	Problem     string `json:"problem,omitempty"`
}

func (a *API) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	rep, err := a.d.Audit.Verify(r.Context(), viewer(id))
	if err != nil {
		return err
	}
	out := verifyJSON{OK: rep.OK(), Entries: rep.Entries, Checkpoints: rep.Checkpoints, HeadSeq: rep.Head.Seq, HeadHash: rep.Head.Hash, LastSigned: rep.LastSigned}
	if rep.Problem != nil {
		out.ProblemSeq, out.Problem = rep.Problem.Seq, rep.Problem.Reason
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// exportAudit streams the evidence selected by institution, enterprise,
// from and to with its chain proof as a JSON-lines file an auditor checks
// offline with `creditbridge audit verify --export FILE`. Auditors and
// operator staff only; the export is itself an evidence entry.
func (a *API) exportAudit(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
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
	_, err = a.d.Audit.Export(r.Context(), viewer(id), ev, f, func() (io.Writer, error) {
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.Header().Set("Content-Disposition", `attachment; filename="creditbridge-evidence-`+time.Now().UTC().Format("20060102T150405Z")+`.jsonl"`)
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusOK)
		return w, nil
	})
	if err != nil && w.Header().Get("Content-Disposition") != "" {
		// Mid-stream: the file lacks its end line, which the verifier reports.
		if a.d.Problems.Log != nil {
			a.d.Problems.Log.Error("evidence export failed mid-stream", "error", err)
		}
		return nil
	}
	return err
}
