package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// enterpriseData reads catalogue items of one enterprise through the
// access decision point: GET /api/v1/enterprises/{code}/data?items=tax.,
// hrss.insured_headcount&from=2025-01&to=2025-12&known_at=...&purpose=...
func (a *API) enterpriseData(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	sq := sharing.Query{Code: r.PathValue("code"), Purpose: q.Get("purpose"), AllVersions: q.Get("versions") == "all",
		AuthorizationID: q.Get("authorization")}
	if v := q.Get("versions"); v != "" && v != "all" && v != "latest" {
		return fault.New(fault.Invalid, "request.bad_param", "versions must be latest or all").With("name", "versions")
	}
	for _, s := range strings.Split(q.Get("items"), ",") {
		if s = strings.TrimSpace(s); s != "" {
			sq.Items = append(sq.Items, s)
		}
	}
	if len(sq.Items) > 100 {
		return fault.New(fault.Invalid, "request.bad_param", "at most 100 items").With("name", "items")
	}
	if sq.From, err = periodParam(q.Get("from"), "from", false); err != nil {
		return err
	}
	if sq.To, err = periodParam(q.Get("to"), "to", true); err != nil {
		return err
	}
	if s := q.Get("known_at"); s != "" {
		t, err := time.Parse(time.RFC3339, s)
		if err != nil {
			d, derr := time.Parse(time.DateOnly, s)
			if derr != nil {
				return fault.New(fault.Invalid, "request.bad_param", "known_at must be RFC 3339 or YYYY-MM-DD").With("name", "known_at")
			}
			t = d.AddDate(0, 0, 1).Add(-time.Nanosecond) // the end of that day
		}
		sq.KnownAt = t
	}
	res, err := a.d.Sharing.Read(r.Context(), id.Principal, sq)
	if err != nil {
		return err
	}
	if res.Values == nil {
		res.Values = []sharing.Value{}
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// periodParam parses YYYY-MM or YYYY-MM-DD; a month as an upper bound
// means its last day.
func periodParam(s, name string, upper bool) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, fault.New(fault.Invalid, "request.bad_param", "expected YYYY-MM or YYYY-MM-DD").With("name", name)
	}
	if upper {
		t = t.AddDate(0, 1, -1)
	}
	return t, nil
}
