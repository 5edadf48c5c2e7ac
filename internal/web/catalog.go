package web

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The catalogue pages are open to every signed-in user: the catalogue
// describes data and holds none. Operator administrators edit an item,
// add one or import an export here (or through the API); every change is
// a new version with its reason, in the evidence log.

type catalogGroup struct {
	Category string
	Items    []catalog.Version
}

type catalogData struct {
	Category   string
	Categories []option
	Groups     []catalogGroup
	Total      int
	CanEdit    bool
}

func (u *UI) catalogList(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	lang := server.LangFrom(r.Context())
	cat := r.URL.Query().Get("category")
	if !slices.Contains(catalog.Categories, catalog.Category(cat)) {
		cat = ""
	}
	vs, err := u.d.Items.List(r.Context(), cat)
	if err != nil {
		return err
	}
	d := catalogData{Category: cat, Total: len(vs), CanEdit: id.Principal.IsAdmin()}
	for _, c := range catalog.Categories {
		d.Categories = append(d.Categories, option{Value: string(c), Label: u.labelOf(lang, "ui.category.", string(c)), Selected: cat == string(c)})
	}
	for _, v := range vs {
		if n := len(d.Groups); n == 0 || d.Groups[n-1].Category != string(v.Category) {
			d.Groups = append(d.Groups, catalogGroup{Category: string(v.Category)})
		}
		g := &d.Groups[len(d.Groups)-1]
		g.Items = append(g.Items, v)
	}
	u.render(w, r, http.StatusOK, "catalog", "ui.catalog.title", d)
	return nil
}

type catalogItemData struct {
	V        catalog.Version
	Versions []catalog.Version // newest first
	CanEdit  bool
	Saved    bool // the page follows the user's save
}

func (u *UI) catalogItem(w http.ResponseWriter, r *http.Request) error {
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	vs, err := u.d.Items.History(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	slices.Reverse(vs)
	u.render(w, r, http.StatusOK, "catalog_item", "ui.catalog.item_title",
		catalogItemData{V: vs[0], Versions: vs, CanEdit: id.Principal.IsAdmin(), Saved: r.URL.Query().Get("saved") != ""})
	return nil
}

// ---- editing (operator administrators)

// catalogForm is the edit and create form: the item as typed, the version
// it is based on, the reason, and what was wrong with it (each field's
// message in the user's language, next to the field).
type catalogForm struct {
	New         bool
	Item        catalog.Item
	Base        int64
	Reason      string
	Errors      map[string]string
	Error       string           // a problem with the form as a whole (stale base)
	Current     *catalog.Version // the current version, when the base is stale
	Categories  []option
	Shapes      []option
	Frequencies []option
	Modes       []option
	Sharings    []option
	Disclosures []option
	Grades      []option
}

var errEditForbidden = fault.New(fault.Forbidden, "catalog.edit_forbidden", "only an operator administrator may change the catalogue")

// requireEditor returns the signed-in operator administrator.
func requireEditor(r *http.Request) (server.Identity, error) {
	id, err := server.Require(r)
	if err != nil {
		return id, err
	}
	if !id.Principal.IsAdmin() {
		return id, errEditForbidden
	}
	return id, nil
}

func (u *UI) catalogFormData(r *http.Request, f catalogForm) catalogForm {
	lang := server.LangFrom(r.Context())
	opts := func(prefix string, values []string, selected func(string) bool) []option {
		out := make([]option, len(values))
		for i, v := range values {
			out[i] = option{Value: v, Label: u.labelOf(lang, prefix, v), Selected: selected(v)}
		}
		return out
	}
	it := f.Item
	f.Categories = opts("ui.category.", strs(catalog.Categories), func(v string) bool { return v == string(it.Category) })
	f.Shapes = opts("ui.shape.", strs(catalog.Shapes), func(v string) bool { return v == string(it.Shape) })
	f.Frequencies = opts("ui.frequency.", catalog.Frequencies, func(v string) bool { return v == it.Frequency })
	f.Modes = opts("ui.mode.", strs(catalog.Modes), func(v string) bool { return slices.Contains(it.Modes, catalog.Mode(v)) })
	f.Sharings = opts("ui.sharing.", strs(catalog.SharingValues), func(v string) bool { return v == string(it.Sharing) })
	f.Disclosures = opts("ui.disclosure.", strs(catalog.DisclosureValues), func(v string) bool { return v == string(it.Disclosure) })
	f.Grades = opts("ui.grade.", []string{"1", "2", "3", "4"}, func(v string) bool { return v == strconv.Itoa(it.Grade) })
	for i := range f.Grades {
		f.Grades[i].Label = "L" + f.Grades[i].Value + " · " + f.Grades[i].Label
	}
	return f
}

func strs[T ~string](xs []T) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = string(x)
	}
	return out
}

func (u *UI) catalogNewForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireEditor(r); err != nil {
		return err
	}
	f := catalogForm{New: true, Item: catalog.Item{Modes: []catalog.Mode{catalog.ModePhysical}, Grade: 2,
		Sharing: catalog.Conditional, Disclosure: catalog.OnApplication, Shape: "measure", Frequency: "monthly"}}
	u.render(w, r, http.StatusOK, "catalog_edit", "ui.catalog.new_title", u.catalogFormData(r, f))
	return nil
}

func (u *UI) catalogEditForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireEditor(r); err != nil {
		return err
	}
	v, err := u.d.Items.Get(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "catalog_edit", "ui.catalog.edit_title", u.catalogFormData(r, catalogForm{Item: v.Item, Base: v.Version}))
	return nil
}

// itemFromForm reads every field of an item from a posted form; values
// that do not parse are left for Validate to name.
func itemFromForm(r *http.Request) catalog.Item {
	grade, _ := strconv.Atoi(r.PostFormValue("grade"))
	it := catalog.Item{
		Code: r.PostFormValue("code"), NameZH: r.PostFormValue("name_zh"), NameEN: r.PostFormValue("name_en"),
		Category: catalog.Category(r.PostFormValue("category")), Department: r.PostFormValue("department"),
		Shape: facts.Shape(r.PostFormValue("shape")), Unit: r.PostFormValue("unit"), Frequency: r.PostFormValue("frequency"),
		Sharing: catalog.Sharing(r.PostFormValue("sharing")), Disclosure: catalog.Disclosure(r.PostFormValue("disclosure")),
		Grade: grade, Personal: r.PostFormValue("personal") == "1", LegalBasis: r.PostFormValue("legal_basis"),
		EffectiveFrom: r.PostFormValue("effective_from"), EffectiveTo: r.PostFormValue("effective_to"), Note: r.PostFormValue("note"),
	}
	for _, m := range r.PostForm["modes"] {
		it.Modes = append(it.Modes, catalog.Mode(m))
	}
	return it
}

func (u *UI) catalogCreate(w http.ResponseWriter, r *http.Request) error {
	return u.catalogSave(w, r, true)
}

func (u *UI) catalogUpdate(w http.ResponseWriter, r *http.Request) error {
	return u.catalogSave(w, r, false)
}

// catalogSave stores the posted item as the next version after the form's
// base version. A base that is no longer current (someone saved in
// between) changes nothing: the form comes back with the user's input, the
// reason and a link to the current version. Invalid fields come back with
// their messages next to them.
func (u *UI) catalogSave(w http.ResponseWriter, r *http.Request, isNew bool) error {
	id, err := requireEditor(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "unreadable form").With("name", "form")
	}
	it := itemFromForm(r)
	var base int64
	if !isNew {
		it.Code = r.PathValue("code") // the address names the item; the form cannot move it
		base, err = strconv.ParseInt(r.PostFormValue("base_version"), 10, 64)
		if err != nil || base < 1 {
			return fault.New(fault.Invalid, "request.bad_param", "bad base version").With("name", "base_version")
		}
	}
	reason := r.PostFormValue("reason")
	f := catalogForm{New: isNew, Item: it, Base: base, Reason: reason, Errors: map[string]string{}}
	lang := server.LangFrom(r.Context())
	title := "ui.catalog.edit_title"
	if isNew {
		title = "ui.catalog.new_title"
		if _, err := u.d.Items.Get(r.Context(), it.Code); err == nil {
			f.Errors["code"] = u.t(r, "ui.catalog.form.code_taken", "code", it.Code)
			u.render(w, r, http.StatusConflict, "catalog_edit", title, u.catalogFormData(r, f))
			return nil
		}
	}
	// Every problem at once: the fields, and the reason.
	var fields *fault.FieldsError
	if _, err := catalog.Validate(it); errors.As(err, &fields) {
		for _, x := range fields.Fields {
			if _, seen := f.Errors[x.Field]; !seen {
				f.Errors[x.Field] = u.d.Catalog.TMap(lang, x.Err.Code, x.Err.Params)
			}
		}
	}
	if strings.TrimSpace(reason) == "" {
		f.Errors["reason"] = u.d.Catalog.TMap(lang, "catalog.reason_required", nil)
	}
	if len(f.Errors) > 0 {
		u.render(w, r, http.StatusBadRequest, "catalog_edit", title, u.catalogFormData(r, f))
		return nil
	}
	v, err := u.d.Items.Save(r.Context(), id.Principal, it, base, reason)
	if err == nil {
		http.Redirect(w, r, "/catalog/"+v.Code+"?saved="+strconv.FormatInt(v.Version, 10), http.StatusSeeOther)
		return nil
	}
	fe, ok := fault.As(err)
	switch {
	case errors.As(err, &fields):
		for _, x := range fields.Fields {
			if _, seen := f.Errors[x.Field]; !seen {
				f.Errors[x.Field] = u.d.Catalog.TMap(lang, x.Err.Code, x.Err.Params)
			}
		}
	case ok && fe.Code == "catalog.reason_required":
		f.Errors["reason"] = u.d.Catalog.TMap(lang, fe.Code, fe.Params)
	case ok && fe.Code == "catalog.stale":
		f.Error = u.d.Catalog.TMap(lang, fe.Code, fe.Params)
		if cur, err := u.d.Items.Get(r.Context(), it.Code); err == nil {
			f.Current = &cur
		}
	default:
		return err
	}
	status := http.StatusBadRequest
	if f.Error != "" {
		status = http.StatusConflict
	}
	u.render(w, r, status, "catalog_edit", title, u.catalogFormData(r, f))
	return nil
}

// catalogImportData is the import page: the form, and after an upload
// what changed or every problem found (nothing is changed then).
type catalogImportData struct {
	Reason   string
	Done     bool
	Result   catalog.ImportResult
	Error    string
	Problems []string
}

func (u *UI) catalogImportForm(w http.ResponseWriter, r *http.Request) error {
	if _, err := requireEditor(r); err != nil {
		return err
	}
	u.render(w, r, http.StatusOK, "catalog_import", "ui.catalog.import_title", catalogImportData{})
	return nil
}

// maxImportBytes bounds an uploaded catalogue (the default catalogue's
// export is about 60 KB).
const maxImportBytes = 8 << 20

// catalogImport applies an uploaded export (JSON or XLSX, told apart by
// the XLSX's ZIP signature), all or nothing.
func (u *UI) catalogImport(w http.ResponseWriter, r *http.Request) error {
	id, err := requireEditor(r)
	if err != nil {
		return err
	}
	d := catalogImportData{Reason: r.PostFormValue("reason")}
	lang := server.LangFrom(r.Context())
	file, _, err := r.FormFile("file")
	if err != nil {
		d.Error = u.t(r, "ui.catalog.import_no_file")
		u.render(w, r, http.StatusBadRequest, "catalog_import", "ui.catalog.import_title", d)
		return nil
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, maxImportBytes+1))
	if err != nil {
		return fmt.Errorf("read uploaded catalogue: %w", err)
	}
	if len(data) > maxImportBytes {
		d.Error = u.t(r, "ui.catalog.import_too_large")
		u.render(w, r, http.StatusRequestEntityTooLarge, "catalog_import", "ui.catalog.import_title", d)
		return nil
	}
	var res catalog.ImportResult
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		res, err = u.d.Items.ImportXLSX(r.Context(), id.Principal, data, d.Reason)
	} else {
		res, err = u.d.Items.ImportJSON(r.Context(), id.Principal, data, d.Reason)
	}
	if err != nil {
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.Invalid {
			return err
		}
		d.Error = u.d.Catalog.TMap(lang, fe.Code, fe.Params)
		var fields *fault.FieldsError
		if errors.As(err, &fields) {
			for _, x := range fields.Fields {
				d.Problems = append(d.Problems, x.Field+": "+u.d.Catalog.TMap(lang, x.Err.Code, x.Err.Params))
			}
		}
		u.render(w, r, http.StatusBadRequest, "catalog_import", "ui.catalog.import_title", d)
		return nil
	}
	d.Done, d.Result = true, res
	u.render(w, r, http.StatusOK, "catalog_import", "ui.catalog.import_title", d)
	return nil
}
