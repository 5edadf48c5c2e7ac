package api

import (
	"net/http"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
)

type enterpriseInput struct {
	Code                 string        `json:"code"`
	NameZH               string        `json:"name_zh"`
	NameEN               string        `json:"name_en"`
	Industry             string        `json:"industry"`
	Size                 string        `json:"size"`
	Status               string        `json:"status"`
	RegisteredCapitalFen int64         `json:"registered_capital_fen"`
	FoundedOn            string        `json:"founded_on"`
	Address              string        `json:"address"`
	LegalRepresentative  legalRepInput `json:"legal_representative"`
}

type legalRepInput struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

func (in enterpriseInput) domain() enterprise.Input {
	return enterprise.Input{Code: in.Code, NameZH: in.NameZH, NameEN: in.NameEN, Industry: in.Industry, Size: in.Size,
		Status: in.Status, RegisteredCapital: in.RegisteredCapitalFen, FoundedOn: in.FoundedOn, Address: in.Address,
		LegalRep: enterprise.LegalRep{Name: in.LegalRepresentative.Name, IDNumber: in.LegalRepresentative.IDNumber}}
}

type enterprisePage struct {
	Items  []enterprise.View `json:"items"`
	Total  int               `json:"total"`
	Limit  int               `json:"limit"`
	Offset int               `json:"offset"`
}

func (a *API) searchEnterprises(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	limit, err := queryInt(r, "limit", 50)
	if err != nil {
		return err
	}
	offset, err := queryInt(r, "offset", 0)
	if err != nil {
		return err
	}
	query := enterprise.Query{Text: q.Get("q"), Division: q.Get("division"), Industry: q.Get("industry"),
		Status: enterprise.Status(q.Get("status")), Limit: limit, Offset: offset}
	items, total, err := a.d.Enterprises.Search(r.Context(), id.Principal, query, q.Get("purpose"))
	if err != nil {
		return err
	}
	if items == nil {
		items = []enterprise.View{}
	}
	if query.Limit <= 0 || query.Limit > 200 {
		query.Limit = 50
	}
	writeJSON(w, http.StatusOK, enterprisePage{Items: items, Total: total, Limit: query.Limit, Offset: offset})
	return nil
}

func (a *API) registerEnterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in enterpriseInput
	if err := decode(r, &in); err != nil {
		return err
	}
	v, err := a.d.Enterprises.Register(r.Context(), id.Principal, in.domain())
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/v1/enterprises/"+v.Code)
	writeJSON(w, http.StatusCreated, v)
	return nil
}

func (a *API) getEnterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	v, err := a.d.Enterprises.Get(r.Context(), id.Principal, r.PathValue("code"), r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

type updateRequest struct {
	Version int64           `json:"version"`
	Reason  string          `json:"reason"`
	Record  enterpriseInput `json:"record"`
}

func (a *API) updateEnterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in updateRequest
	if err := decode(r, &in); err != nil {
		return err
	}
	if in.Version <= 0 {
		return fault.New(fault.Invalid, "request.bad_param", "version required").With("name", "version")
	}
	v, err := a.d.Enterprises.Update(r.Context(), id.Principal, r.PathValue("code"), in.Version, in.Record.domain(), in.Reason)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

type changeJSON struct {
	Field       string `json:"field"`
	OldValue    string `json:"old_value"`
	NewValue    string `json:"new_value"`
	ChangedAt   string `json:"changed_at"`
	ActorUserID int64  `json:"actor_user_id"`
	Reason      string `json:"reason"`
}

func (a *API) enterpriseHistory(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	cs, err := a.d.Enterprises.History(r.Context(), id.Principal, r.PathValue("code"), r.URL.Query().Get("purpose"))
	if err != nil {
		return err
	}
	out := make([]changeJSON, len(cs))
	for i, c := range cs {
		out[i] = changeJSON{Field: c.Field, OldValue: c.OldValue, NewValue: c.NewValue, ChangedAt: c.ChangedAt.Format("2006-01-02T15:04:05Z07:00"),
			ActorUserID: c.ActorUserID, Reason: c.Reason}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
	return nil
}
