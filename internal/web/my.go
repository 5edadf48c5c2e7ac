package web

import (
	"net/http"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

type myEnterpriseData struct {
	V        enterprise.View
	Accesses []auditRow
	// OlderURL pages back through the access list; NewestURL returns to
	// its head.
	OlderURL, NewestURL string
}

// myEnterprise is an enterprise's own page: its registry record, read for
// free under self_query, and every recorded access to its data (who, which
// organisation, for what purpose, with what outcome).
func (u *UI) myEnterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	p := id.Principal
	if p.EnterpriseID == 0 {
		return fault.New(fault.Forbidden, "request.forbidden", "only enterprise accounts have an own enterprise page")
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
	d := myEnterpriseData{V: v, Accesses: rows}
	if older != 0 {
		d.OlderURL = pageURL(r.URL, "before", older)
	}
	if before > 0 {
		d.NewestURL = pageURL(r.URL, "before", 0)
	}
	u.render(w, r, http.StatusOK, "my_enterprise", "ui.my.title", d)
	return nil
}
