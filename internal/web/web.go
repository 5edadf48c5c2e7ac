package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/ingestqueue"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/modeltrain"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// Deps are the services and settings the UI needs.
type Deps struct {
	Catalog     *i18n.Catalog
	Accounts    *account.Service
	Enterprises *enterprise.Service
	Audit       *audit.Service
	Items       *catalog.Service     // the catalogue of shared information
	Quality     *quality.Service     // data-quality results (optional: without it /quality is not found)
	Sharing     *sharing.Service     // reads of shared items through the access decision point
	Ingest      *ingestqueue.Service // submitted batches (optional: without it /submissions is not found)
	Rights      *rights.Service      // objections and credit repair (optional: without it /rights is not found)
	Authz       *authz.Service       // authorizations (optional: without it /authorizations is not found)
	Connectors  *connector.Service   // connectors to departments (optional: without it /connectors is not found)
	Live        *connector.Registry  // the running connectors, for their breaker state (optional)
	Verify      *verify.Service      // verification questions (optional: without it /verify is not found)
	Monitor     *monitor.Service     // security monitoring (optional: without it /monitor is not found)
	Indicators  *indicator.Service   // indicator-system versions (optional: without it /indicators is not found)
	Features    *features.Set        // credit feature definitions shown at /features (nil: features.DefaultSet)
	Scoring     *scoring.Service     // credit scores (optional: without it /scores is not found)
	Models      *modelreg.Service    // the model registry (optional: without it /models is not found)
	Training    *modeltrain.Job      // training a challenger in the background (optional: no button without it)
	// CookieSecure sets the Secure attribute on every cookie the UI sets.
	CookieSecure bool
	// SessionTTL is the idle lifetime of a session. The server slides a
	// session's expiry on use, so every page re-issues the session cookie
	// to expire SessionTTL from now; otherwise the browser would drop an
	// active session at the cookie's first expiry.
	SessionTTL time.Duration
	// NodeName is shown in the header (which platform node this is).
	NodeName string
	Log      *slog.Logger
}

// UI serves the HTML workbench.
type UI struct {
	d Deps
	// pages holds one parsed template set per language and page, so that
	// {{t "ui.nav.audit"}} is bound to the language at parse time and rendering
	// needs no per-request cloning.
	pages  map[i18n.Lang]map[string]*template.Template
	static fs.FS
	// asset is a digest of the static files, appended to their URLs so a
	// new stylesheet is never served from a stale cache.
	asset string
}

//go:embed templates static
var files embed.FS

// pageNames are the page templates under templates/pages, without ".html".
var pageNames = []string{"signin", "enterprises", "enterprise", "orgs", "users", "audit", "my_enterprise", "catalog", "catalog_item", "enterprise_data", "error", "quality", "catalog_edit", "catalog_import", "submissions", "submission", "authorizations", "authz_new", "authz_detail", "access_log", "rights", "rights_file", "connectors", "connector", "connector_edit", "verify", "monitor", "indicators", "authz_consent", "features", "scores", "score", "models", "models_detail"}

// New parses every template once, in every language, and fails on the
// first error.
func New(d Deps) (*UI, error) {
	switch {
	case d.Catalog == nil:
		return nil, errors.New("web: Deps.Catalog is required")
	case d.Accounts == nil, d.Enterprises == nil, d.Audit == nil, d.Items == nil:
		return nil, errors.New("web: Deps.Accounts, Deps.Enterprises, Deps.Audit and Deps.Items are required")
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.SessionTTL <= 0 {
		d.SessionTTL = 8 * time.Hour
	}
	static, err := fs.Sub(files, "static")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	asset, err := digestFS(static)
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	u := &UI{d: d, pages: map[i18n.Lang]map[string]*template.Template{}, static: static, asset: asset}
	for _, lang := range i18n.Langs() {
		base, err := template.New("base").Funcs(u.funcs(lang)).ParseFS(files, "templates/*.html")
		if err != nil {
			return nil, fmt.Errorf("web: parse layout: %w", err)
		}
		u.pages[lang] = map[string]*template.Template{}
		for _, name := range pageNames {
			t, err := base.Clone()
			if err != nil {
				return nil, fmt.Errorf("web: %w", err)
			}
			if t, err = t.ParseFS(files, "templates/pages/"+name+".html"); err != nil {
				return nil, fmt.Errorf("web: parse page %s: %w", name, err)
			}
			if t.Lookup("content") == nil {
				return nil, fmt.Errorf("web: page %s defines no \"content\" template", name)
			}
			u.pages[lang][name] = t
		}
	}
	return u, nil
}

func digestFS(fsys fs.FS) (string, error) {
	h := sha256.New()
	err := fs.WalkDir(fsys, ".", func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s\x00%d\x00", path, len(b))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:12], err
}

// Register adds the UI's routes to mux. It also claims "/" for every path
// no other handler matches, so unknown addresses get a translated 404 page.
func (u *UI) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /{$}", u.handle(u.home))
	mux.HandleFunc("GET /sign-in", u.handle(u.signInForm))
	mux.HandleFunc("POST /sign-in", u.handle(u.signIn))
	mux.HandleFunc("POST /sign-out", u.handle(u.signOut))
	mux.HandleFunc("GET /lang", u.handle(u.setLang))
	mux.HandleFunc("GET /enterprises", u.handle(u.enterprises))
	mux.HandleFunc("GET /enterprises/{code}", u.handle(u.enterprise))
	mux.HandleFunc("GET /enterprises/{code}/data", u.handle(u.enterpriseSharedData))
	mux.HandleFunc("GET /orgs", u.handle(u.orgs))
	mux.HandleFunc("GET /users", u.handle(u.users))
	mux.HandleFunc("GET /audit", u.handle(u.audit))
	mux.HandleFunc("GET /audit/export", u.handle(u.auditExport))
	mux.HandleFunc("GET /my/enterprise", u.handle(u.myEnterprise))
	mux.HandleFunc("GET /catalog", u.handle(u.catalogList))
	mux.HandleFunc("GET /catalog/{code}", u.handle(u.catalogItem))
	mux.HandleFunc("GET /catalog/new", u.handle(u.catalogNewForm))
	mux.HandleFunc("POST /catalog/new", u.handle(u.catalogCreate))
	mux.HandleFunc("GET /catalog/import", u.handle(u.catalogImportForm))
	mux.HandleFunc("POST /catalog/import", u.handle(u.catalogImport))
	mux.HandleFunc("GET /catalog/{code}/edit", u.handle(u.catalogEditForm))
	mux.HandleFunc("POST /catalog/{code}/edit", u.handle(u.catalogUpdate))
	mux.HandleFunc("GET /quality", u.handle(u.qualityPage))
	mux.HandleFunc("GET /features", u.handle(u.featuresPage))
	mux.HandleFunc("POST /quality/runs", u.handle(u.qualityRun))
	mux.HandleFunc("GET "+SubmitPath, u.handle(u.submissions))
	mux.HandleFunc("POST "+SubmitPath, u.handle(u.submit))
	mux.HandleFunc("GET "+SubmitPath+"/{id}", u.handle(u.submission))
	mux.HandleFunc("GET "+SubmitPath+"/{id}/errors.csv", u.handle(u.submissionReport("csv")))
	mux.HandleFunc("GET "+SubmitPath+"/{id}/errors.xlsx", u.handle(u.submissionReport("xlsx")))
	mux.HandleFunc("GET /authorizations", u.handle(u.authorizations))
	mux.HandleFunc("GET /authorizations/new", u.handle(u.authzForm))
	mux.HandleFunc("POST /authorizations/new", u.handle(u.authzCreate))
	mux.HandleFunc("GET /authorizations/{id}", u.handle(u.authzDetail))
	mux.HandleFunc("POST /authorizations/{id}/consent", u.handle(u.authzConsent))
	mux.HandleFunc("POST /authorizations/{id}/invite", u.handle(u.authzInvite))
	mux.HandleFunc("POST /authorizations/{id}/webhooks/{delivery}/replay", u.handle(u.authzReplay))
	mux.HandleFunc("GET /consent/{token}", u.handle(u.consentPage))
	mux.HandleFunc("POST /consent/{token}", u.handle(u.consentAnswer))
	for _, verb := range []string{"approve", "reject", "pause", "resume", "revoke"} {
		mux.HandleFunc("POST /authorizations/{id}/"+verb, u.handle(u.authzAct(verb)))
	}
	mux.HandleFunc("GET /my/accesses", u.handle(u.accessLog))
	mux.HandleFunc("GET /connectors", u.handle(u.connectorList))
	mux.HandleFunc("GET /connectors/new", u.handle(u.connectorNewForm))
	mux.HandleFunc("POST /connectors/new", u.handle(u.connectorCreate))
	mux.HandleFunc("GET /connectors/{name}", u.handle(u.connectorDetail))
	mux.HandleFunc("GET /connectors/{name}/edit", u.handle(u.connectorEditForm))
	mux.HandleFunc("POST /connectors/{name}/edit", u.handle(u.connectorUpdate))
	mux.HandleFunc("GET /verify", u.handle(u.verifyPage))
	mux.HandleFunc("POST /verify", u.handle(u.verifyAsk))
	mux.HandleFunc("POST /verify/attestation", u.handle(u.verifyDownload))
	mux.HandleFunc("GET "+RightsPath, u.handle(u.rightsPage))
	mux.HandleFunc("GET "+RightsPath+"/file", u.handle(u.rightsFileForm))
	mux.HandleFunc("POST "+RightsPath+"/objections", u.handle(u.fileRights(rights.OwnerObjection)))
	mux.HandleFunc("POST "+RightsPath+"/repairs", u.handle(u.fileRights(rights.OwnerRepair)))
	mux.HandleFunc("POST "+RightsPath+"/objections/{id}/decision", u.handle(u.decideRights(rights.OwnerObjection)))
	mux.HandleFunc("POST "+RightsPath+"/repairs/{id}/decision", u.handle(u.decideRights(rights.OwnerRepair)))
	mux.HandleFunc("GET "+RightsPath+"/objections/{id}/attachments/{attachment}", u.handle(u.rightsAttachmentDownload(rights.OwnerObjection)))
	mux.HandleFunc("GET "+RightsPath+"/repairs/{id}/attachments/{attachment}", u.handle(u.rightsAttachmentDownload(rights.OwnerRepair)))
	mux.HandleFunc("GET "+MonitorPath, u.handle(u.monitorPage))
	mux.HandleFunc("POST "+MonitorPath+"/suspensions", u.handle(u.monitorSuspend))
	mux.HandleFunc("POST "+MonitorPath+"/suspensions/{id}/reinstate", u.handle(u.monitorReinstate))
	mux.HandleFunc("GET "+IndicatorsPath, u.handle(u.indicatorPage))
	mux.HandleFunc("POST "+IndicatorsPath+"/import", u.handle(u.indicatorImport))
	mux.HandleFunc("POST "+IndicatorsPath+"/{id}/activate", u.handle(u.indicatorActivate))
	mux.HandleFunc("GET "+IndicatorsPath+"/{id}/system.json", u.handle(u.indicatorDownload))
	mux.HandleFunc("GET /scores", u.handle(u.scoresPage))
	mux.HandleFunc("POST /scores/runs", u.handle(u.scoresRun))
	mux.HandleFunc("GET /enterprises/{code}/score", u.handle(u.scorePage))
	mux.HandleFunc("GET "+ModelsPath, u.handle(u.modelsPage))
	mux.HandleFunc("POST "+ModelsPath+"/train", u.handle(u.modelTrain))
	mux.HandleFunc("GET "+ModelsPath+"/{id}", u.handle(u.modelDetail))
	mux.HandleFunc("POST "+ModelsPath+"/{id}/promote", u.handle(u.modelPromote))
	mux.Handle("GET /static/", u.staticHandler())
	mux.HandleFunc("/", u.handle(u.notFound))
}

// handler is a page handler; a returned error becomes the error page.
type handler func(w http.ResponseWriter, r *http.Request) error

func (u *UI) handle(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := h(w, r); err != nil {
			u.RenderError(w, r, err)
		}
	}
}

// staticHandler serves the embedded assets; directories are not listed.
func (u *UI) staticHandler() http.Handler {
	files := http.StripPrefix("/static/", http.FileServerFS(u.static))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/") {
			u.RenderError(w, r, errNotFound)
			return
		}
		if r.URL.Query().Get("v") == u.asset {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		files.ServeHTTP(w, r)
	})
}

// page is what every template receives: the frame (language, user,
// navigation) and the page's own Data.
type page struct {
	Lang     i18n.Lang
	Title    string // catalogue key of the page title
	Node     string
	User     *viewer
	CSRF     string
	Nav      []navLink
	Here     string // this page's address, for the language switcher
	Asset    string
	Data     any
	LangLink map[string]string
}

// viewer is the signed-in user as the header shows them.
type viewer struct {
	DisplayName string
	Username    string
	OrgName     string
	Role        account.Role
	OrgKind     account.OrgKind
}

type navLink struct {
	Href   string
	Key    string
	Active bool
}

// render executes a page into a buffer first, so a template failure
// becomes a clean 500 rather than half a page.
func (u *UI) render(w http.ResponseWriter, r *http.Request, status int, name, title string, data any) {
	lang := server.LangFrom(r.Context())
	p := u.frame(r, title, data)
	var buf bytes.Buffer
	t := u.pages[lang][name]
	if t == nil {
		t = u.pages[i18n.ZH][name]
	}
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		u.d.Log.Error("render page", "page", name, "request_id", server.RequestIDFrom(r.Context()), "error", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = fmt.Fprintln(w, u.d.Catalog.T(lang, "internal"))
		return
	}
	u.slideSession(w, r)
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (u *UI) frame(r *http.Request, title string, data any) page {
	lang := server.LangFrom(r.Context())
	here := r.URL.RequestURI()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		here = r.URL.Path
	}
	if safeNext(here) == "" {
		here = "/"
	}
	p := page{Lang: lang, Title: title, Node: u.d.NodeName, Here: here, Asset: u.asset, Data: data,
		LangLink: map[string]string{}}
	for _, l := range i18n.Langs() {
		p.LangLink[string(l)] = "/lang?to=" + string(l) + "&next=" + queryEscape(here)
	}
	if id, ok := server.IdentityFrom(r.Context()); ok && !id.ViaAPIKey {
		pr := id.Principal
		p.User = &viewer{DisplayName: pr.DisplayName, Username: pr.Username, OrgName: pr.OrgName, Role: pr.Role, OrgKind: pr.OrgKind}
		if lang == i18n.EN {
			// The principal carries only the organisation's Chinese name.
			if orgs, err := u.orgsByID(r.Context(), []int64{pr.OrgID}); err == nil && orgs[pr.OrgID].NameEN != "" {
				p.User.OrgName = orgs[pr.OrgID].NameEN
			}
		}
		p.CSRF = id.CSRF
		p.Nav = navFor(pr.Role, r.URL.Path)
		if u.d.Authz == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == "/authorizations" })
		}
		if u.d.Rights == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == RightsPath })
		}
		if u.d.Connectors == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == "/connectors" })
		}
		if u.d.Verify == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == "/verify" })
		}
		if u.d.Monitor == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == MonitorPath })
		}
		if u.d.Indicators == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == IndicatorsPath })
		}
		if u.d.Scoring == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == "/scores" })
		}
		if u.d.Models == nil {
			p.Nav = slices.DeleteFunc(p.Nav, func(l navLink) bool { return l.Href == ModelsPath })
		}
	}
	return p
}

// slideSession re-issues the session cookie of a signed-in browser so it
// outlives the server-side session's sliding expiry.
func (u *UI) slideSession(w http.ResponseWriter, r *http.Request) {
	id, ok := server.IdentityFrom(r.Context())
	if !ok || id.SessionToken == "" {
		return
	}
	u.setSessionCookie(w, id.SessionToken, time.Now().Add(u.d.SessionTTL))
}

func (u *UI) setSessionCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{Name: server.SessionCookie, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: u.d.CookieSecure, SameSite: http.SameSiteLaxMode})
}

func (u *UI) clearCookie(w http.ResponseWriter, name, path string) {
	http.SetCookie(w, &http.Cookie{Name: name, Value: "", Path: path, MaxAge: -1,
		HttpOnly: true, Secure: u.d.CookieSecure, SameSite: http.SameSiteLaxMode})
}

// navFor lists the sections a role works in.
func navFor(role account.Role, path string) []navLink {
	var links []navLink
	add := func(href, key string) {
		links = append(links, navLink{Href: href, Key: key, Active: path == href || strings.HasPrefix(path, href+"/")})
	}
	switch role {
	case account.RoleOperatorAdmin, account.RoleOperatorAnalyst, account.RoleAuditor:
		add("/enterprises", "ui.nav.enterprises")
		add("/orgs", "ui.nav.orgs")
		add("/users", "ui.nav.users")
		add("/audit", "ui.nav.audit")
		add("/quality", "ui.nav.quality")
		add("/features", "ui.nav.features")
		add(MonitorPath, "ui.nav.monitor")
		add(IndicatorsPath, "ui.nav.indicators")
		add("/scores", "ui.nav.scores")
		add(ModelsPath, "ui.nav.models")
	case account.RoleEnterpriseAdmin:
		add("/my/enterprise", "ui.nav.my_enterprise")
		add("/my/accesses", "ui.nav.accesses")
	default:
		add("/enterprises", "ui.nav.enterprises")
		add("/audit", "ui.nav.audit")
	}
	switch role {
	case account.RoleOperatorAdmin, account.RoleOperatorAnalyst, account.RoleAuditor, account.RoleEnterpriseAdmin, account.RoleInstitutionOfficer:
		add("/authorizations", "ui.nav.authorizations")
	}
	switch role {
	case account.RoleOperatorAdmin, account.RoleOperatorAnalyst, account.RoleAuditor, account.RoleDepartmentOfficer:
		add(SubmitPath, "ui.nav.submissions")
	}
	if role != account.RoleInstitutionOfficer {
		add(RightsPath, "ui.nav.rights")
	}
	add("/catalog", "ui.nav.catalog")
	switch role {
	case account.RoleOperatorAdmin:
		add("/connectors", "ui.nav.connectors")
	}
	switch role {
	case account.RoleInstitutionOfficer, account.RoleOperatorAdmin, account.RoleOperatorAnalyst:
		add("/verify", "ui.nav.verify")
	}
	return links
}

// t translates for the request's language (for text built in handlers).
func (u *UI) t(r *http.Request, key string, params ...string) string {
	return u.d.Catalog.T(server.LangFrom(r.Context()), key, params...)
}
