package api

import (
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Reading the catalogue needs only a signed-in principal: it describes
// data, it holds none. Changes are checked by the catalogue service.

func (a *API) listCatalog(w http.ResponseWriter, r *http.Request) error {
	if _, err := identity(r); err != nil {
		return err
	}
	vs, err := a.d.Items.List(r.Context(), r.URL.Query().Get("category"))
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []catalog.Version{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": vs, "total": len(vs)})
	return nil
}

func (a *API) getCatalogItem(w http.ResponseWriter, r *http.Request) error {
	if _, err := identity(r); err != nil {
		return err
	}
	v, err := a.d.Items.Get(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

func (a *API) catalogVersions(w http.ResponseWriter, r *http.Request) error {
	if _, err := identity(r); err != nil {
		return err
	}
	vs, err := a.d.Items.History(r.Context(), r.PathValue("code"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": vs})
	return nil
}

type catalogUpdate struct {
	Item        catalog.Item `json:"item"`
	BaseVersion int64        `json:"base_version"`
	Reason      string       `json:"reason"`
}

func (a *API) putCatalogItem(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	var in catalogUpdate
	if err := decode(r, &in); err != nil {
		return err
	}
	code := r.PathValue("code")
	if in.Item.Code == "" {
		in.Item.Code = code
	}
	if strings.TrimSpace(in.Item.Code) != code {
		return fault.New(fault.Invalid, "catalog.code_mismatch", "the item code in the body differs from the path").With("code", in.Item.Code)
	}
	if in.BaseVersion < 0 {
		return fault.New(fault.Invalid, "request.bad_param", "base_version must not be negative").With("name", "base_version")
	}
	v, err := a.d.Items.Save(r.Context(), id.Principal, in.Item, in.BaseVersion, in.Reason)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if in.BaseVersion == 0 && v.Version == 1 {
		status = http.StatusCreated
	}
	writeJSON(w, status, v)
	return nil
}

func (a *API) exportCatalog(w http.ResponseWriter, r *http.Request) error {
	if _, err := identity(r); err != nil {
		return err
	}
	var (
		b    []byte
		err  error
		ct   string
		name string
	)
	switch f := r.URL.Query().Get("format"); f {
	case "", "json":
		b, err = a.d.Items.ExportJSON(r.Context())
		ct, name = "application/json", "catalogue.json"
	case "xlsx":
		b, err = a.d.Items.ExportXLSX(r.Context())
		ct, name = catalog.XLSXContentType, "catalogue.xlsx"
	default:
		return fault.New(fault.Invalid, "catalog.export_format", "the export format must be json or xlsx")
	}
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(b)
	return nil
}

func (a *API) importCatalog(w http.ResponseWriter, r *http.Request) error {
	id, err := identity(r)
	if err != nil {
		return err
	}
	ct := r.Header.Get("Content-Type")
	isJSON := ct == "" || strings.HasPrefix(ct, "application/json")
	if !isJSON && !strings.HasPrefix(ct, catalog.XLSXContentType) {
		return fault.New(fault.Invalid, "request.import_content_type", "send JSON or XLSX").With("got", ct)
	}
	data, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return jsonError(err)
		}
		return fault.New(fault.Invalid, "request.bad_json", "cannot read the body").With("detail", "unreadable body")
	}
	reason := r.URL.Query().Get("reason")
	var res catalog.ImportResult
	if isJSON {
		res, err = a.d.Items.ImportJSON(r.Context(), id.Principal, data, reason)
	} else {
		res, err = a.d.Items.ImportXLSX(r.Context(), id.Principal, data, reason)
	}
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
