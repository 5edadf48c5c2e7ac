package web

import (
	"net/http"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The scores page (/scores) is the operator's view of batch rescoring:
// the latest runs with their progress, and a button that starts one. The
// score page (/enterprises/{code}/score) shows one enterprise's latest
// credit evaluation with its explanation, read through the access decision
// point like the data API's GET /api/v1/enterprises/{code}/score.

type scoresData struct {
	Runs    []scoring.Run
	CanRun  bool
	Running bool
	Started bool
}

func (u *UI) scoresPage(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Scoring == nil {
		return errNotFound
	}
	runs, err := u.d.Scoring.Runs(r.Context(), id.Principal, 20)
	if err != nil {
		return err
	}
	d := scoresData{Runs: runs, CanRun: scoring.CanRun(id.Principal), Running: u.d.Scoring.Running(), Started: r.URL.Query().Get("started") == "1"}
	u.render(w, r, http.StatusOK, "scores", "ui.scores.title", d)
	return nil
}

// scoresRun starts a batch run (operator staff) and returns to the page.
func (u *UI) scoresRun(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Scoring == nil {
		return errNotFound
	}
	if _, err := u.d.Scoring.StartRun(r.Context(), id.Principal, scoring.RunOptions{}); err != nil {
		return err
	}
	http.Redirect(w, r, "/scores?started=1", http.StatusSeeOther)
	return nil
}

type scoreData struct {
	X        scoring.Explanation
	PD       string // percent, "4.20"
	Purpose  string
	Purposes []string
	Own      bool // the enterprise itself: features shown
}

func (u *UI) scorePage(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Scoring == nil {
		return errNotFound
	}
	lang := "zh-CN"
	if server.LangFrom(r.Context()) == i18n.EN {
		lang = "en"
	}
	purpose := r.URL.Query().Get("purpose")
	if id.Principal.OrgKind == account.KindInstitution && purpose == "" {
		purpose = access.PurposeLoan
	}
	x, err := u.d.Scoring.Read(r.Context(), id.Principal, scoring.ReadQuery{Code: r.PathValue("code"), Purpose: purpose,
		AuthorizationID: r.URL.Query().Get("authorization"), Lang: lang})
	if err != nil {
		return err
	}
	d := scoreData{X: x, Purpose: x.Purpose, Own: id.Principal.OrgKind == account.KindEnterprise}
	if id.Principal.OrgKind == account.KindInstitution {
		d.Purposes = institutionPurposes
	}
	if x.PD != nil {
		d.PD = strconv.FormatFloat(*x.PD*100, 'f', 2, 64)
	}
	u.render(w, r, http.StatusOK, "score", "ui.score.title", d)
	return nil
}
