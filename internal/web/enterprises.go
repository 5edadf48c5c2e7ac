package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/region"
	"github.com/creditbridge/creditbridge/internal/server"
)

// enterprisePageSize is how many enterprises one page of results lists.
const enterprisePageSize = 20

// institutionPurposes are the purposes an institution officer may state
// for a registry read; the first is the default.
var institutionPurposes = []string{access.PurposeLoan, access.PurposeMonitoring, access.PurposeCreditReview}

// readPurpose is the purpose the UI states for a read. Operators work
// under platform_operation; institutions must say why and choose from
// their purposes (loan_application by default); everyone else states
// nothing and the access decision point applies its default.
func readPurpose(p access.Principal, asked string) string {
	switch p.OrgKind {
	case account.KindOperator:
		return access.PurposeOperation
	case account.KindInstitution:
		for _, x := range institutionPurposes {
			if x == asked {
				return x
			}
		}
		return institutionPurposes[0]
	}
	return ""
}

type option struct {
	Value    string
	Label    string
	Selected bool
}

type optGroup struct {
	Label   string // empty: options outside any group
	Options []option
}

type enterprisesData struct {
	Q, Division, Industry, Status, Purpose string

	Regions    []optGroup
	Industries []option
	Statuses   []option
	Purposes   []option // only for institutions, who must state one

	Items            []enterprise.View
	Total, From, To  int
	PrevURL, NextURL string
	Filtered         bool
	// DetailQuery carries the stated purpose to the detail links.
	DetailQuery string
}

func (u *UI) enterprises(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	lang := server.LangFrom(r.Context())
	q := r.URL.Query()
	offset, err := offsetParam(q, "offset")
	if err != nil {
		return err
	}
	d := enterprisesData{Q: strings.TrimSpace(q.Get("q")), Division: strings.TrimSpace(q.Get("division")),
		Industry: strings.ToUpper(strings.TrimSpace(q.Get("industry"))), Status: strings.TrimSpace(q.Get("status"))}
	d.Filtered = d.Q != "" || d.Division != "" || d.Industry != "" || d.Status != ""
	purpose := readPurpose(id.Principal, q.Get("purpose"))
	if id.Principal.OrgKind == account.KindInstitution {
		d.Purpose = purpose
		for _, p := range institutionPurposes {
			d.Purposes = append(d.Purposes, option{Value: p, Label: u.t(r, "ui.purpose."+p), Selected: p == purpose})
		}
		d.DetailQuery = "?purpose=" + url.QueryEscape(purpose)
	}
	items, total, err := u.d.Enterprises.Search(r.Context(), id.Principal, enterprise.Query{Text: d.Q, Division: d.Division,
		Industry: d.Industry, Status: enterprise.Status(d.Status), Limit: enterprisePageSize, Offset: offset}, purpose)
	if err != nil {
		return err
	}
	d.Items, d.Total = items, total
	if len(items) > 0 {
		d.From, d.To = offset+1, offset+len(items)
	}
	if offset > 0 {
		d.PrevURL = pageURL(r.URL, "offset", max(0, offset-enterprisePageSize))
	}
	if offset+len(items) < total {
		d.NextURL = pageURL(r.URL, "offset", offset+len(items))
	}
	d.Regions = u.regionOptions(lang, d.Division)
	for _, s := range industry.Sections() {
		d.Industries = append(d.Industries, option{Value: s.Code, Label: s.Code + " · " + pick(lang, s.NameZH, s.NameEN), Selected: s.Code == d.Industry})
	}
	for _, s := range enterprise.Statuses {
		d.Statuses = append(d.Statuses, option{Value: string(s), Label: u.t(r, "ui.status."+string(s)), Selected: string(s) == d.Status})
	}
	u.render(w, r, http.StatusOK, "enterprises", "ui.enterprises.title", d)
	return nil
}

// regionOptions offers the provinces and, below the chosen one, its cities
// and (for a chosen city) its counties, so a region can be narrowed step by
// step without JavaScript. Values are division-code prefixes: "32"
// province, "3205" city, "320506" county.
func (u *UI) regionOptions(lang i18n.Lang, chosen string) []optGroup {
	name := func(d region.Division) string { return pick(lang, d.NameZH, d.NameEN) }
	opt := func(value string, d region.Division) option {
		return option{Value: value, Label: name(d), Selected: value == chosen}
	}
	top := optGroup{}
	for _, p := range region.Provinces() {
		top.Options = append(top.Options, opt(p.Code[:2], p))
	}
	groups := []optGroup{top}
	if len(chosen) < 2 {
		return groups
	}
	prov, ok := region.Lookup(chosen[:2] + "0000")
	if !ok {
		return groups
	}
	within := func(d region.Division) string {
		return u.d.Catalog.T(lang, "ui.enterprises.region_within", "name", name(d))
	}
	g := optGroup{Label: within(prov)}
	for _, c := range region.Children(prov.Code) {
		v := c.Code
		if c.Level == region.City {
			v = c.Code[:4]
		}
		g.Options = append(g.Options, opt(v, c))
	}
	if len(g.Options) > 0 {
		groups = append(groups, g)
	}
	if len(chosen) >= 4 {
		if city, ok := region.Lookup(chosen[:4] + "00"); ok && city.Level == region.City {
			g := optGroup{Label: within(city)}
			for _, c := range region.Children(city.Code) {
				g.Options = append(g.Options, opt(c.Code, c))
			}
			if len(g.Options) > 0 {
				groups = append(groups, g)
			}
		}
	}
	return groups
}

type changeRow struct {
	Field    string
	Old, New string
	At       time.Time
	Reason   string
}

type enterpriseData struct {
	V       enterprise.View
	History []changeRow
	BackURL string
	// Purpose is the purpose an institution stated (empty for others).
	Purpose string
}

func (u *UI) enterprise(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	code := r.PathValue("code")
	purpose := readPurpose(id.Principal, r.URL.Query().Get("purpose"))
	v, err := u.d.Enterprises.Get(r.Context(), id.Principal, code, purpose)
	if fault.Is(err, fault.Invalid) {
		return explained{err, u.t(r, "ui.enterprise.bad_code", "code", clip(code, 40))}
	}
	if err != nil {
		return err
	}
	changes, err := u.d.Enterprises.History(r.Context(), id.Principal, v.Code, purpose)
	if err != nil {
		return err
	}
	d := enterpriseData{V: v, History: u.changeRows(server.LangFrom(r.Context()), changes), BackURL: "/enterprises"}
	if id.Principal.OrgKind == account.KindInstitution {
		d.Purpose = purpose
		d.BackURL += "?purpose=" + url.QueryEscape(purpose)
	}
	if id.Principal.Role == account.RoleEnterpriseAdmin {
		d.BackURL = "/my/enterprise"
	}
	u.render(w, r, http.StatusOK, "enterprise", "ui.enterprise.title", d)
	return nil
}

// changeRows shows history newest first, with coded values (status, size,
// industry, capital) in words.
func (u *UI) changeRows(lang i18n.Lang, cs []enterprise.Change) []changeRow {
	out := make([]changeRow, 0, len(cs))
	for i := len(cs) - 1; i >= 0; i-- {
		c := cs[i]
		out = append(out, changeRow{Field: u.labelOf(lang, "ui.field.", c.Field), Old: u.changeValue(lang, c.Field, c.OldValue),
			New: u.changeValue(lang, c.Field, c.NewValue), At: c.ChangedAt, Reason: c.Reason})
	}
	return out
}

func (u *UI) changeValue(lang i18n.Lang, field, v string) string {
	if v == "" {
		return ""
	}
	switch field {
	case "status":
		return u.labelOf(lang, "ui.status.", v)
	case "size":
		return u.labelOf(lang, "ui.size.", v)
	case "industry":
		if s, ok := industry.SectionByCode(v); ok {
			return s.Code + " · " + pick(lang, s.NameZH, s.NameEN)
		}
	case "registered_capital":
		if fen, err := strconv.ParseInt(v, 10, 64); err == nil {
			return formatCapital(u.d.Catalog, lang, fen)
		}
	}
	return v
}

// labelOf translates prefix+value when the catalogue knows it, else shows
// the value.
func (u *UI) labelOf(lang i18n.Lang, prefix, value string) string {
	if u.d.Catalog.Has(prefix + value) {
		return u.d.Catalog.T(lang, prefix+value)
	}
	return value
}

// clip shortens user input that is echoed back.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}

// offsetParam reads a non-negative paging parameter.
func offsetParam(q url.Values, name string) (int, error) {
	s := q.Get(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 || n > 1_000_000_000 {
		return 0, fault.New(fault.Invalid, "request.bad_param", "bad paging parameter").With("name", name)
	}
	return n, nil
}

// int64Param reads an optional positive id.
func int64Param(q url.Values, name string) (int64, error) {
	s := strings.TrimSpace(q.Get(name))
	if s == "" {
		return 0, nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fault.New(fault.Invalid, "request.bad_param", "bad id parameter").With("name", name)
	}
	return n, nil
}

// pageURL is the current address with one parameter replaced (removed when
// zero).
func pageURL[N int | int64](cur *url.URL, name string, value N) string {
	q := cur.Query()
	if value == 0 {
		q.Del(name)
	} else {
		q.Set(name, strconv.FormatInt(int64(value), 10))
	}
	if len(q) == 0 {
		return cur.Path
	}
	return cur.Path + "?" + q.Encode()
}
