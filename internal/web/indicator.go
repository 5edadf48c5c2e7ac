package web

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The indicator-system page (/indicators) is for operator staff and
// auditors: a version of the expert indicator system (the active one, or
// ?id=N) as a readable table, every stored version, and for operator
// administrators an import form and activate buttons. It shows the
// method, never an enterprise's data.

// IndicatorsPath is the page's address.
const IndicatorsPath = "/indicators"

type indicatorRow struct {
	Code, Name, Feature, Explain string
	Weight, OfTotal              string // percent of the dimension, of the total
	Function, Missing            string // in words, in the page's language
}

type indicatorDimension struct {
	Code, Name string
	Weight     string
	Indicators []indicatorRow
}

type indicatorShown struct {
	Record     indicator.Record
	Name, Note string
	FeatureSet string
	Grades     []indicator.Cut
	Dimensions []indicatorDimension
}

type indicatorPageData struct {
	Shown    *indicatorShown
	Versions []indicator.Record
	CanEdit  bool
	Done     string // "imported", "activated"
	Error    string
	Problems []string
	Reason   string
}

func (u *UI) indicatorPage(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Indicators == nil {
		return errNotFound
	}
	d := indicatorPageData{}
	switch r.URL.Query().Get("done") {
	case "imported", "activated":
		d.Done = r.URL.Query().Get("done")
	}
	return u.renderIndicators(w, r, http.StatusOK, id, d)
}

// renderIndicators fills the versions and the shown version into d and
// renders the page.
func (u *UI) renderIndicators(w http.ResponseWriter, r *http.Request, status int, id server.Identity, d indicatorPageData) error {
	ctx := r.Context()
	p := id.Principal
	vs, err := u.d.Indicators.List(ctx, p)
	if err != nil {
		return err
	}
	d.Versions, d.CanEdit = vs, indicator.CanEdit(p)
	var rec indicator.Record
	if s := r.URL.Query().Get("id"); s != "" {
		sid, perr := strconv.ParseInt(s, 10, 64)
		if perr != nil || sid <= 0 {
			return fault.New(fault.Invalid, "request.bad_param", "bad id").With("name", "id")
		}
		rec, err = u.d.Indicators.Get(ctx, p, sid)
	} else {
		rec, err = u.d.Indicators.ActiveRecord(ctx, p)
	}
	switch {
	case err == nil:
		shown, err := indicatorView(rec, server.LangFrom(ctx))
		if err != nil {
			return err
		}
		d.Shown = shown
	case !fault.Is(err, fault.NotFound) || r.URL.Query().Get("id") != "":
		return err
	}
	u.render(w, r, status, "indicators", "ui.indicator.title", d)
	return nil
}

// indicatorView turns a stored version into the page's table, in lang.
func indicatorView(rec indicator.Record, lang i18n.Lang) (*indicatorShown, error) {
	sys, err := rec.System()
	if err != nil {
		return nil, fmt.Errorf("stored indicator system %d: %w", rec.ID, err)
	}
	zh := lang == i18n.ZH
	pick := func(zhText, enText string) string {
		if zh {
			return zhText
		}
		return enText
	}
	pct := func(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) + "%" }
	s := &indicatorShown{Record: rec, Name: pick(sys.NameZH, sys.NameEN), Note: pick(sys.NoteZH, sys.NoteEN),
		FeatureSet: sys.FeatureSet, Grades: sys.Grades}
	for _, dim := range sys.Dimensions {
		dv := indicatorDimension{Code: dim.Code, Name: pick(dim.NameZH, dim.NameEN), Weight: pct(dim.Weight)}
		for _, in := range dim.Indicators {
			fe, fz := in.Score.Describe()
			me, mz := in.Missing.Describe()
			dv.Indicators = append(dv.Indicators, indicatorRow{Code: in.Code, Name: pick(in.NameZH, in.NameEN), Feature: in.Feature,
				Explain: pick(in.ExplainZH, in.ExplainEN), Weight: pct(in.Weight),
				OfTotal:  strconv.FormatFloat(in.Weight*dim.Weight/100, 'f', 2, 64) + "%",
				Function: pick(fz, fe), Missing: pick(mz, me)})
		}
		s.Dimensions = append(s.Dimensions, dv)
	}
	return s, nil
}

// maxIndicatorBytes bounds an uploaded system (the service refuses more
// than 1 MiB anyway; this stops reading there).
const maxIndicatorBytes = 1 << 20

// indicatorImport stores an uploaded system (operator administrators);
// problems are shown on the page, field by field.
func (u *UI) indicatorImport(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Indicators == nil {
		return errNotFound
	}
	if !indicator.CanEdit(id.Principal) {
		return fault.New(fault.Forbidden, "indicator.edit_forbidden", "only an operator administrator may import an indicator system")
	}
	lang := server.LangFrom(r.Context())
	d := indicatorPageData{Reason: r.PostFormValue("reason")}
	file, _, err := r.FormFile("file")
	if err != nil {
		d.Error = u.t(r, "ui.indicator.import_no_file")
		return u.renderIndicators(w, r, http.StatusBadRequest, id, d)
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxIndicatorBytes+1))
	if err != nil {
		return fmt.Errorf("read uploaded indicator system: %w", err)
	}
	_, err = u.d.Indicators.Import(r.Context(), id.Principal, data, d.Reason, r.PostFormValue("activate") == "on")
	if err != nil {
		fe, ok := fault.As(err)
		if !ok || (fe.Kind != fault.Invalid && fe.Kind != fault.Conflict) {
			return err
		}
		d.Error = u.d.Catalog.TMap(lang, fe.Code, fe.Params)
		var fields *fault.FieldsError
		if errors.As(err, &fields) {
			d.Error = u.t(r, "ui.indicator.import_invalid", "count", strconv.Itoa(len(fields.Fields)))
			for _, x := range fields.Fields {
				d.Problems = append(d.Problems, x.Field+": "+u.d.Catalog.TMap(lang, x.Err.Code, x.Err.Params))
			}
		}
		return u.renderIndicators(w, r, http.StatusBadRequest, id, d)
	}
	http.Redirect(w, r, IndicatorsPath+"?done=imported", http.StatusSeeOther)
	return nil
}

// indicatorActivate makes a stored version active (operator
// administrators).
func (u *UI) indicatorActivate(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Indicators == nil {
		return errNotFound
	}
	sid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || sid <= 0 {
		return errNotFound
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "bad form").With("name", "form")
	}
	if _, err := u.d.Indicators.Activate(r.Context(), id.Principal, sid, strings.TrimSpace(r.PostForm.Get("reason"))); err != nil {
		return err
	}
	http.Redirect(w, r, IndicatorsPath+"?done=activated", http.StatusSeeOther)
	return nil
}

// indicatorDownload serves a stored version's canonical JSON as a file,
// the starting point for the next version an operator imports.
func (u *UI) indicatorDownload(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if u.d.Indicators == nil {
		return errNotFound
	}
	sid, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || sid <= 0 {
		return errNotFound
	}
	rec, err := u.d.Indicators.Get(r.Context(), id.Principal, sid)
	if err != nil {
		return err
	}
	name := "indicator-system-" + strconv.FormatInt(rec.ID, 10) + ".json"
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(rec.Body)
	return nil
}
