package web

import (
	"net/http"
	"slices"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/server"
)

// The catalogue pages are open to every signed-in user: the catalogue
// describes data and holds none. Operators change it through the API
// (PUT /api/v1/catalog/{code}, import), which the pages point to.

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
		catalogItemData{V: vs[0], Versions: vs, CanEdit: id.Principal.IsAdmin()})
	return nil
}
