package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

type dataRow struct {
	Period, EndsOn string
	Value          string
	Text, Ref      string
	Source, Batch  string
	SourceRow      int64
	ReceivedAt     time.Time
	Version        int
	Via            string
	Masked         bool
	Objection      *sharing.ObjectionMark // under objection (异议)
	Repaired       bool                   // repaired (信用修复)
	FileURL        string                 // for the enterprise itself: object to / repair this record
}

type dataGroup struct {
	Code, Name string
	Category   string
	Rows       []dataRow
}

type enterpriseDataPage struct {
	Code, Name string
	Category   string
	Categories []option
	KnownAt    string
	Purpose    string
	Purposes   []option
	Groups     []dataGroup
	Calls      []sharing.Call
	Total      int
	BackURL    string
}

// enterpriseSharedData shows an enterprise's shared items (GET
// /enterprises/{code}/data): what the caller may see under the catalogue's
// grading, read through the access decision point, with provenance, and
// optionally as known on a past date.
func (u *UI) enterpriseSharedData(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	lang := server.LangFrom(r.Context())
	q := r.URL.Query()
	code := r.PathValue("code")
	d := enterpriseDataPage{Code: code, Category: q.Get("category"), KnownAt: strings.TrimSpace(q.Get("known_at")),
		BackURL: "/enterprises/" + url.PathEscape(code)}
	sq := sharing.Query{Code: code, Purpose: readPurpose(id.Principal, q.Get("purpose"))}
	if id.Principal.OrgKind == account.KindInstitution {
		d.Purpose = sq.Purpose
		d.BackURL += "?purpose=" + url.QueryEscape(sq.Purpose)
		for _, p := range institutionPurposes {
			d.Purposes = append(d.Purposes, option{Value: p, Label: u.labelOf(lang, "ui.purpose.", p), Selected: p == sq.Purpose})
		}
	}
	for _, c := range catalog.Categories {
		d.Categories = append(d.Categories, option{Value: string(c), Label: u.labelOf(lang, "ui.category.", string(c)), Selected: string(c) == d.Category})
	}
	if d.Category != "" {
		sq.Items = []string{d.Category + "."}
	}
	if d.KnownAt != "" {
		t, err := time.Parse(time.DateOnly, d.KnownAt)
		if err != nil {
			return explained{fault.New(fault.Invalid, "request.bad_param", "bad date").With("name", "known_at"), u.t(r, "ui.data.bad_date", "date", clip(d.KnownAt, 20))}
		}
		sq.KnownAt = t.AddDate(0, 0, 1).Add(-time.Nanosecond)
	}
	res, err := u.d.Sharing.Read(r.Context(), id.Principal, sq)
	if fault.Is(err, fault.Invalid) {
		return explained{err, u.t(r, "ui.enterprise.bad_code", "code", clip(code, 40))}
	}
	if err != nil {
		return err
	}
	d.Code, d.Name, d.Calls, d.Total = res.Code, res.Name, res.Calls, len(res.Values)
	byCode := map[string]catalog.Item{}
	for _, it := range res.Items {
		byCode[it.Code] = it
	}
	for _, v := range res.Values {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Code != v.Item {
			it := byCode[v.Item]
			d.Groups = append(d.Groups, dataGroup{Code: v.Item, Name: pick(lang, it.NameZH, it.NameEN), Category: string(it.Category)})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Rows = append(g.Rows, dataRow{Period: v.Period, EndsOn: v.EndsOn, Value: u.formatValue(lang, byCode[v.Item].Unit, v.Num),
			Text: v.Text, Ref: v.Ref, Source: v.Source, Batch: v.Batch, SourceRow: v.SourceRow, ReceivedAt: v.ReceivedAt,
			Version: v.Version, Via: string(v.Via), Masked: v.Masked, Objection: v.Objection, Repaired: v.Repaired, FileURL: fileLink(id.Principal, v)})
	}
	u.render(w, r, http.StatusOK, "enterprise_data", "ui.data.title", d)
	return nil
}

// formatValue shows a fact's number in its unit: money (fen) as yuan,
// counts and quantities with separators and their unit.
func (u *UI) formatValue(lang i18n.Lang, unit string, n int64) string {
	switch unit {
	case "fen":
		sign := ""
		if n < 0 {
			sign, n = "-", -n
		}
		s := sign + groupDigits(strconv.FormatInt(n/100, 10))
		if n%100 != 0 {
			s += fmt.Sprintf(".%02d", n%100)
		}
		return u.d.Catalog.T(lang, "ui.data.yuan", "amount", s)
	case "":
		if n == 0 {
			return ""
		}
		return groupDigits(strconv.FormatInt(n, 10))
	default:
		return groupDigits(strconv.FormatInt(n, 10)) + " " + u.labelOf(lang, "ui.unit.", unit)
	}
}
