package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
)

// Connector pages: operator administrators list, inspect and edit the
// connectors to departments' interfaces (connector.Service, which enforces
// who may). A configuration is edited as its JSON (as the API takes it);
// the secret is a separate write-only field: never shown, blank keeps the
// stored one. Every save needs a reason and is refused when someone saved
// in between (the form carries the version it was based on).

// connectorRow is one connector in the list.
type connectorRow struct {
	connector.View
	Items   []string
	Running bool   // loaded in the node's registry, at this version
	Breaker string // closed, open, half_open (when running)
}

type connectorListData struct {
	Rows  []connectorRow
	Saved string
}

func (u *UI) requireConnectors() error {
	if u.d.Connectors == nil {
		return errNotFound
	}
	return nil
}

func (u *UI) connectorList(w http.ResponseWriter, r *http.Request) error {
	if err := u.requireConnectors(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	vs, err := u.d.Connectors.List(r.Context(), id.Principal)
	if err != nil {
		return err
	}
	status := map[string]connector.Status{}
	if u.d.Live != nil {
		for _, s := range u.d.Live.Status() {
			status[s.Name] = s
		}
	}
	d := connectorListData{}
	for _, v := range vs {
		row := connectorRow{View: v}
		for _, it := range v.Items {
			row.Items = append(row.Items, it.Code)
		}
		if s, ok := status[v.Name]; ok && s.Version == v.Version {
			row.Running, row.Breaker = true, s.Breaker
		}
		d.Rows = append(d.Rows, row)
	}
	u.render(w, r, http.StatusOK, "connectors", "ui.connectors.title", d)
	return nil
}

type connectorDetailData struct {
	connectorRow
	Versions []connector.View // newest first
	Saved    string
}

func (u *UI) connectorDetail(w http.ResponseWriter, r *http.Request) error {
	if err := u.requireConnectors(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	hist, err := u.d.Connectors.History(r.Context(), id.Principal, r.PathValue("name"))
	if err != nil {
		return err
	}
	if len(hist) == 0 {
		return errNotFound
	}
	cur := hist[len(hist)-1]
	d := connectorDetailData{connectorRow: connectorRow{View: cur}, Saved: r.URL.Query().Get("saved")}
	for _, it := range cur.Items {
		d.Items = append(d.Items, it.Code)
	}
	if u.d.Live != nil {
		for _, s := range u.d.Live.Status() {
			if s.Name == cur.Name && s.Version == cur.Version {
				d.Running, d.Breaker = true, s.Breaker
			}
		}
	}
	for i := len(hist) - 1; i >= 0; i-- {
		d.Versions = append(d.Versions, hist[i])
	}
	u.render(w, r, http.StatusOK, "connector", "ui.connectors.detail_title", d)
	return nil
}

// connectorForm is the create/edit form.
type connectorForm struct {
	New       bool
	Name      string
	Base      int64
	Config    string // JSON, never with the secret
	SecretSet bool
	Reason    string
	Error     string
	Errors    map[string]string // config, secret, reason
	Current   *connector.View   // after a stale save
}

// configJSON is a configuration as the form shows it: indented, secret
// left out.
func configJSON(c connector.Config) string {
	c.Auth.Secret = ""
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	_ = enc.Encode(c)
	return b.String()
}

// connectorTemplate is the configuration a new connector starts from.
var connectorTemplate = connector.Config{
	Name: "", Department: "", Enabled: true, BaseURL: "https://",
	Auth:     connector.Auth{Type: connector.AuthHMAC, KeyID: "creditbridge"},
	Request:  connector.Request{Method: "GET", Path: "/api/{item}/{credit_code}?from={from}&to={to}"},
	Response: connector.Response{Records: "data.records", Period: "period", Num: "value"},
	Items:    []connector.ServedItem{},
}

func (u *UI) connectorNewForm(w http.ResponseWriter, r *http.Request) error {
	if err := u.requireConnectors(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	// List checks the right to administer connectors.
	if _, err := u.d.Connectors.List(r.Context(), id.Principal); err != nil {
		return err
	}
	f := connectorForm{New: true, Config: configJSON(connector.Normalize(connectorTemplate)), Errors: map[string]string{}}
	u.render(w, r, http.StatusOK, "connector_edit", "ui.connectors.new_title", f)
	return nil
}

func (u *UI) connectorEditForm(w http.ResponseWriter, r *http.Request) error {
	if err := u.requireConnectors(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	v, err := u.d.Connectors.Get(r.Context(), id.Principal, r.PathValue("name"))
	if err != nil {
		return err
	}
	f := connectorForm{Name: v.Name, Base: v.Version, Config: configJSON(v.Config), SecretSet: v.SecretSet, Errors: map[string]string{}}
	u.render(w, r, http.StatusOK, "connector_edit", "ui.connectors.edit_title", f)
	return nil
}

func (u *UI) connectorCreate(w http.ResponseWriter, r *http.Request) error {
	return u.connectorSave(w, r, true)
}

func (u *UI) connectorUpdate(w http.ResponseWriter, r *http.Request) error {
	return u.connectorSave(w, r, false)
}

// connectorSave stores the posted configuration as the version after the
// form's base. The secret field is never sent back; invalid input, a
// missing reason and a stale base come back with the user's input.
func (u *UI) connectorSave(w http.ResponseWriter, r *http.Request, isNew bool) error {
	if err := u.requireConnectors(); err != nil {
		return err
	}
	id, err := server.Require(r)
	if err != nil {
		return err
	}
	if err := r.ParseForm(); err != nil {
		return fault.New(fault.Invalid, "request.bad_param", "unreadable form").With("name", "form")
	}
	lang := server.LangFrom(r.Context())
	f := connectorForm{New: isNew, Config: r.PostFormValue("config"), Reason: r.PostFormValue("reason"), Errors: map[string]string{}}
	title := "ui.connectors.edit_title"
	if isNew {
		title = "ui.connectors.new_title"
	} else {
		f.Name = r.PathValue("name")
		f.Base, err = strconv.ParseInt(r.PostFormValue("base_version"), 10, 64)
		if err != nil || f.Base < 1 {
			return fault.New(fault.Invalid, "request.bad_param", "bad base version").With("name", "base_version")
		}
		cur, err := u.d.Connectors.Get(r.Context(), id.Principal, f.Name)
		if err != nil {
			return err
		}
		f.SecretSet = cur.SecretSet
	}
	var cfg connector.Config
	dec := json.NewDecoder(strings.NewReader(f.Config))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		f.Errors["config"] = u.t(r, "ui.connectors.form.bad_json", "error", jsonProblem(err))
	} else if cfg.Auth.Secret != "" {
		// The secret goes in its own field, so that it is never echoed.
		f.Errors["config"] = u.t(r, "ui.connectors.form.secret_in_json")
		f.Config = configJSON(cfg)
	}
	if !isNew {
		cfg.Name = f.Name // the address names the connector; the form cannot move it
	}
	cfg.Auth.Secret = r.PostFormValue("secret")
	if strings.TrimSpace(f.Reason) == "" {
		f.Errors["reason"] = u.d.Catalog.TMap(lang, "connector.reason_required", nil)
	}
	if len(f.Errors) > 0 {
		u.render(w, r, http.StatusBadRequest, "connector_edit", title, f)
		return nil
	}
	v, err := u.d.Connectors.Save(r.Context(), id.Principal, cfg, f.Base, f.Reason)
	if err == nil {
		http.Redirect(w, r, "/connectors/"+v.Name+"?saved="+strconv.FormatInt(v.Version, 10), http.StatusSeeOther)
		return nil
	}
	fe, ok := fault.As(err)
	var fields *fault.FieldsError
	switch {
	case errors.As(err, &fields):
		var msgs []string
		for _, x := range fields.Fields {
			msg := u.d.Catalog.TMap(lang, x.Err.Code, x.Err.Params)
			if x.Field == "auth.secret" {
				f.Errors["secret"] = msg
				continue
			}
			msgs = append(msgs, x.Field+": "+msg)
		}
		if len(msgs) > 0 {
			f.Errors["config"] = strings.Join(msgs, "; ")
		}
	case ok && fe.Code == "connector.reason_required":
		f.Errors["reason"] = u.d.Catalog.TMap(lang, fe.Code, fe.Params)
	case ok && fe.Code == "connector.stale":
		f.Error = u.d.Catalog.TMap(lang, fe.Code, fe.Params)
		if cur, err := u.d.Connectors.Get(r.Context(), id.Principal, cfg.Name); err == nil {
			f.Current = &cur
		}
	case ok && (fe.Kind == fault.Invalid || fe.Kind == fault.Conflict):
		f.Errors["config"] = u.d.Catalog.TMap(lang, fe.Code, fe.Params)
	default:
		return err
	}
	status := http.StatusBadRequest
	if fe != nil && fe.Kind == fault.Conflict {
		status = http.StatusConflict
	}
	u.render(w, r, status, "connector_edit", title, f)
	return nil
}

// jsonProblem says where a configuration's JSON is wrong, without Go's
// type names.
func jsonProblem(err error) string {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return "offset " + strconv.FormatInt(syn.Offset, 10) + ": " + syn.Error()
	case errors.As(err, &typ):
		return typ.Field + ": " + typ.Value
	}
	return strings.TrimPrefix(err.Error(), "json: ")
}
