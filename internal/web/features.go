package web

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The feature page lists the credit feature definitions (operators and
// auditors): per category each feature's names and meaning in both
// languages, kind, unit, the catalogue items it reads and its computation.
// It shows the platform's method, no enterprise data.

type featureItem struct {
	Code, NameZH, NameEN string
	Loan                 bool // the loans institutions shared back, not a catalogue item
}

type featureRow struct {
	features.Def
	Params    string // "months=12, absent_zero"
	Items     []featureItem
	OpLabel   string // the operator in the reader's language
	KindLabel string
}

// Labels of the operators and kinds, spelled out so the locale test sees
// every key in use.
var (
	featureOpKeys = map[string]string{
		"latest": "ui.features.op.latest", "sum_months": "ui.features.op.sum_months", "mean_months": "ui.features.op.mean_months",
		"max_months": "ui.features.op.max_months", "count_months": "ui.features.op.count_months", "trend_months": "ui.features.op.trend_months",
		"yoy_ratio": "ui.features.op.yoy_ratio", "change_months": "ui.features.op.change_months", "ratio_months": "ui.features.op.ratio_months",
		"count_events": "ui.features.op.count_events", "sum_events": "ui.features.op.sum_events",
		"days_since_last_event": "ui.features.op.days_since_last_event", "active_at": "ui.features.op.active_at",
		"age_years": "ui.features.op.age_years", "registry": "ui.features.op.registry", "loan_count": "ui.features.op.loan_count",
		"loan_outstanding": "ui.features.op.loan_outstanding", "loan_defaults": "ui.features.op.loan_defaults",
		"loan_max_days_overdue": "ui.features.op.loan_max_days_overdue", "loan_lenders": "ui.features.op.loan_lenders"}
	featureKindKeys = map[string]string{features.Numeric: "ui.features.kind.numeric", features.Categorical: "ui.features.kind.categorical"}
)

type featureCategory struct {
	features.Category
	Rows []featureRow
}

type featuresData struct {
	Version    string
	Count      int
	Categories []featureCategory
}

// featureSet is the set the platform computes: Deps.Features, or the
// embedded default.
func (u *UI) featureSet() (*features.Set, error) {
	if u.d.Features != nil {
		return u.d.Features, nil
	}
	return features.DefaultSet()
}

// paramsText renders an operator's parameters as "name=value" pairs.
func paramsText(p features.Params) string {
	var out []string
	add := func(format string, v any) { out = append(out, fmt.Sprintf(format, v)) }
	if p.Months != 0 {
		add("months=%d", p.Months)
	}
	if p.WindowMonths != 0 {
		add("window_months=%d", p.WindowMonths)
	}
	if p.Field != "" {
		add("field=%s", p.Field)
	}
	if p.Cmp != "" {
		add("cmp=%s", p.Cmp)
	}
	if p.AbsentZero {
		out = append(out, "absent_zero")
	}
	return strings.Join(out, ", ")
}

func (u *UI) featuresPage(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if !features.CanRead(id.Principal) {
		return features.ErrForbidden
	}
	set, err := u.featureSet()
	if err != nil {
		return err
	}
	names := map[string]featureItem{}
	if vs, err := u.d.Items.List(r.Context(), ""); err == nil {
		for _, v := range vs {
			names[v.Code] = featureItem{Code: v.Code, NameZH: v.NameZH, NameEN: v.NameEN}
		}
	}
	d := featuresData{Version: set.Version, Count: len(set.Defs)}
	at := map[string]int{}
	for _, c := range set.Categories {
		at[c.Code] = len(d.Categories)
		d.Categories = append(d.Categories, featureCategory{Category: c})
	}
	for _, def := range set.Defs {
		row := featureRow{Def: def, Params: paramsText(def.Params), OpLabel: u.qlabel(r, featureOpKeys, def.Op),
			KindLabel: u.qlabel(r, featureKindKeys, def.Kind)}
		for _, it := range def.Items {
			switch n, ok := names[it]; {
			case it == features.ItemLoan:
				row.Items = append(row.Items, featureItem{Code: it, Loan: true})
			case ok:
				row.Items = append(row.Items, n)
			default:
				row.Items = append(row.Items, featureItem{Code: it})
			}
		}
		c := &d.Categories[at[def.Category]]
		c.Rows = append(c.Rows, row)
	}
	u.render(w, r, http.StatusOK, "features", "ui.features.title", d)
	return nil
}
