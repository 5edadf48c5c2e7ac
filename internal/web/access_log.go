package web

import (
	"net/http"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

type accessLogData struct {
	Code, Name string
	Accesses   []auditRow
	// OlderURL pages back through the log; NewestURL returns to its head.
	OlderURL, NewestURL string
	// AuthzLinks: authorization ids may be followed (the node runs
	// authorizations).
	AuthzLinks bool
}

// accessLog is an enterprise's "who accessed my data" page (GET
// /my/accesses): every evidence entry about its data — who, from which
// organisation, under which authorization, for what purpose, which items,
// when and with what outcome — newest first, paged. Seeing it is free and
// is itself no access to anyone's data.
func (u *UI) accessLog(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	p := id.Principal
	if p.EnterpriseID == 0 {
		return fault.New(fault.Forbidden, "request.forbidden", "only enterprise accounts have an access log of their own")
	}
	before, err := int64Param(r.URL.Query(), "before")
	if err != nil {
		return err
	}
	v, err := u.d.Enterprises.GetByID(r.Context(), p, p.EnterpriseID, access.PurposeSelf)
	if err != nil {
		return err
	}
	rows, older, err := u.auditPage(r.Context(), p, audit.Filter{EnterpriseID: p.EnterpriseID, BeforeSeq: before, Limit: listPageSize})
	if err != nil {
		return err
	}
	d := accessLogData{Code: v.Code, Name: pick(server.LangFrom(r.Context()), v.NameZH, v.NameEN), Accesses: rows, AuthzLinks: u.d.Authz != nil}
	if older != 0 {
		d.OlderURL = pageURL(r.URL, "before", older)
	}
	if before > 0 {
		d.NewestURL = pageURL(r.URL, "before", 0)
	}
	u.render(w, r, http.StatusOK, "access_log", "ui.accesslog.title", d)
	return nil
}
