package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestqueue"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// ingestWorld is a node (SQLite, or PostgreSQL in a scratch schema) whose
// registry holds a small generated region, with an operator, two
// departments (tax, hrss) and a tax API key, and the region's files.
type ingestWorld struct {
	n      *app.Node
	h      http.Handler
	files  string
	m      deptfiles.Manifest
	admin  actor
	tax    actor
	hrss   actor
	taxKey actor
}

func ingestNodeConfig(t *testing.T, backendName string) config.Config {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Listen = "127.0.0.1:0"
	if backendName != "sqlite" {
		cfg.DB = scratch.DSN(t, backendName)
	}
	return cfg
}

func ingestBackends(t *testing.T) []string { return scratch.Backends(t) }

func newIngestWorld(t *testing.T, backendName string) *ingestWorld {
	t.Helper()
	ctx := context.Background()
	n, err := app.Open(ctx, ingestNodeConfig(t, backendName), slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})))
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	h, err := n.Handler()
	if err != nil {
		t.Fatal(err)
	}
	w := &ingestWorld{n: n, h: h, files: filepath.Join(t.TempDir(), "files")}
	g, err := synth.New(synth.Config{Enterprises: 50, Seed: 3, Months: 3})
	if err != nil {
		t.Fatal(err)
	}
	fw, err := deptfiles.NewWriter(deptfiles.Options{Dir: w.files, Seed: 9, DirtyRate: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*enterprise.Record
	if err := g.Each(ctx, func(b synth.Bundle) error {
		rec, err := n.Enterprises.Prepare(seed.Input(b.Profile))
		if err != nil {
			return err
		}
		recs = append(recs, &rec)
		return fw.Add(b)
	}); err != nil {
		t.Fatal(err)
	}
	if w.m, err = fw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := n.Store.InTx(ctx, func(tx store.Store) error { return n.Enterprises.Import(ctx, tx, access.System, "registry", recs) }); err != nil {
		t.Fatal(err)
	}
	sys := account.SystemActor
	org := func(o account.Org, user string, role account.Role) account.Org {
		o, err := n.Accounts.CreateOrg(ctx, sys, o)
		if err != nil {
			t.Fatalf("org %s: %v", o.Name, err)
		}
		if _, err := n.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: o.ID, Username: user, Role: role, Password: "correct horse battery"}); err != nil {
			t.Fatal(err)
		}
		return o
	}
	org(account.Org{Kind: account.KindOperator, Name: "运营中心"}, "admin", account.RoleOperatorAdmin)
	taxOrg := org(account.Org{Kind: account.KindDepartment, Name: "税务局", Department: "tax"}, "taxofficer", account.RoleDepartmentOfficer)
	org(account.Org{Kind: account.KindDepartment, Name: "人社厅", Department: "hrss"}, "hrssofficer", account.RoleDepartmentOfficer)
	signIn := func(user string) actor {
		rec := do(t, h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"`+user+`","password":"correct horse battery"}`, nil)
		if rec.Code != 200 {
			t.Fatalf("sign in %s: %d %s", user, rec.Code, rec.Body)
		}
		var me struct {
			CSRF string `json:"csrf_token"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &me)
		for _, c := range rec.Result().Cookies() {
			if c.Name == server.SessionCookie {
				return actor{cookie: c.Value, csrf: me.CSRF}
			}
		}
		t.Fatalf("no session cookie for %s", user)
		return actor{}
	}
	w.admin, w.tax, w.hrss = signIn("admin"), signIn("taxofficer"), signIn("hrssofficer")
	secret, _, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: taxOrg.ID, Name: "tax-system", Scopes: []account.Scope{account.ScopeDataWrite}})
	if err != nil {
		t.Fatal(err)
	}
	w.taxKey = actor{key: secret}
	return w
}

// runQueue runs the node's batch runner for the rest of the test.
func (w *ingestWorld) runQueue(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); w.n.Ingest.Run(ctx, 20*time.Millisecond) }()
	t.Cleanup(func() { cancel(); <-done })
}

func (w *ingestWorld) file(t *testing.T, dataset string, dirty bool) (deptfiles.File, []byte) {
	t.Helper()
	for _, f := range w.m.Files {
		if f.Department+"/"+f.Dataset == dataset && f.Version <= 1 && (!dirty || len(f.Dirty) > 0) {
			b, err := os.ReadFile(filepath.Join(w.files, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Fatal(err)
			}
			return f, b
		}
	}
	t.Fatalf("no %s file (dirty %v)", dataset, dirty)
	return deptfiles.File{}, nil
}

// upload sends body as the request body with a content type.
func upload(t *testing.T, h http.Handler, path string, a actor, ct string, body []byte, hdr map[string]string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest("POST", path, bytes.NewReader(body))
	req.RemoteAddr = "192.0.2.10:5555"
	req.Header.Set("Content-Type", ct)
	if a.cookie != "" {
		req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: a.cookie})
		req.Header.Set(server.CSRFHeader, a.csrf)
	}
	if a.key != "" {
		req.Header.Set("Authorization", "Bearer "+a.key)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

type batchOut struct {
	ID    string `json:"id"`
	Batch string `json:"batch"`
	State string `json:"state"`
	Rows  int64  `json:"rows"`
	OK    int64  `json:"ok"`
	Bad   int64  `json:"bad"`
	Facts int64  `json:"facts"`
	// Warnings: rows stored with a suspect value, listed in the report
	// with severity "warning".
	Warnings int64 `json:"warnings"`
	Error    *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
	Links struct {
		CSV  string `json:"errors_csv"`
		XLSX string `json:"errors_xlsx"`
	} `json:"links"`
}

func decodeBatch(t *testing.T, rec *httptest.ResponseRecorder) batchOut {
	t.Helper()
	var b batchOut
	if err := json.Unmarshal(rec.Body.Bytes(), &b); err != nil {
		t.Fatalf("batch JSON: %v: %s", err, rec.Body)
	}
	return b
}

// await polls a batch until it ends.
func await(t *testing.T, h http.Handler, a actor, location string, hdr map[string]string) batchOut {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		rec := do(t, h, "GET", location, a, "", hdr)
		if rec.Code != 200 {
			t.Fatalf("GET %s: %d %s", location, rec.Code, rec.Body)
		}
		b := decodeBatch(t, rec)
		switch b.State {
		case "loaded", "failed", "already_loaded":
			return b
		}
		if time.Now().After(deadline) {
			t.Fatalf("batch %s still %s", location, b.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestIngestAPI(t *testing.T) {
	t.Parallel()
	for _, b := range ingestBackends(t) {
		t.Run(b, func(t *testing.T) { ingestAPIScenario(t, b) })
	}
}

func ingestAPIScenario(t *testing.T, backendName string) {
	w := newIngestWorld(t, backendName)
	h := w.h
	ctx := context.Background()
	en := map[string]string{"Accept-Language": "en"}
	zh := map[string]string{"Accept-Language": "zh-CN"}

	// Dataset definitions: operators register them (the "/" of a name is
	// escaped in the address); departments may not.
	defs := ingestqueue.ManifestDatasets(w.m)
	for _, ds := range defs {
		name := ds.Name
		ds.Name = ""
		body, _ := json.Marshal(ds)
		path := "/api/v1/ingest/datasets/" + url.PathEscape(name)
		if rec := do(t, h, "PUT", path, w.tax, string(body), en); rec.Code != 403 || !strings.Contains(rec.Body.String(), "Only operator administrators") {
			t.Fatalf("department PUT %s: %d %s", name, rec.Code, rec.Body)
		}
		if rec := do(t, h, "PUT", path, w.admin, string(body), nil); rec.Code != 201 {
			t.Fatalf("PUT %s: %d %s", name, rec.Code, rec.Body)
		}
	}
	taxDS := "tax/tax.returns"
	tdef, _ := json.Marshal(defs[0])
	if rec := do(t, h, "PUT", "/api/v1/ingest/datasets/"+url.PathEscape(defs[0].Name), w.admin, string(tdef), nil); rec.Code != 200 ||
		!strings.Contains(rec.Body.String(), `"version":2`) {
		t.Fatalf("replace: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "PUT", "/api/v1/ingest/datasets/tax%2Fbad", w.admin, `{"format":"pdf"}`, en); rec.Code != 400 ||
		!strings.Contains(rec.Body.String(), "dataset definition is invalid") {
		t.Fatalf("invalid definition: %d %s", rec.Code, rec.Body)
	}
	rec := do(t, h, "GET", "/api/v1/ingest/datasets/"+url.PathEscape(taxDS), w.tax, "", nil)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"key_column"`) {
		t.Fatalf("GET dataset: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "GET", "/api/v1/ingest/datasets?department=tax", w.hrss, "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), taxDS) ||
		strings.Contains(rec.Body.String(), "hrss/") {
		t.Fatalf("list datasets: %d %s", rec.Code, rec.Body)
	}

	w.runQueue(t)
	facts := func() int64 {
		n, err := w.n.Store.CountFacts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	// A dirty file from the tax department's system, as the raw body.
	f, body := w.file(t, taxDS, true)
	rec = upload(t, h, "/api/v1/ingest/batches?dataset="+url.QueryEscape(taxDS), w.taxKey, ingest.ReportXLSXType, body,
		map[string]string{"Content-Disposition": `attachment; filename="` + filepath.Base(f.Path) + `"`})
	if rec.Code != 202 {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	loc := rec.Header().Get("Location")
	sub := decodeBatch(t, rec)
	if loc != "/api/v1/ingest/batches/"+sub.ID || sub.State != "queued" || sub.Batch != "tax-"+f.SHA256[:16] {
		t.Fatalf("submit answer: Location %q, %+v", loc, sub)
	}
	done := await(t, h, w.taxKey, loc, nil)
	if done.State != "loaded" || done.Bad == 0 || done.OK == 0 || done.Rows != done.OK+done.Bad {
		t.Fatalf("loaded batch: %+v (file has %d dirty rows)", done, len(f.Dirty))
	}
	afterFirst := facts()
	if afterFirst == 0 {
		t.Fatal("no facts stored")
	}
	// Its error report, both formats, same rows.
	rec = do(t, h, "GET", done.Links.CSV, w.tax, "", nil)
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") {
		t.Fatalf("errors.csv: %d %s", rec.Code, rec.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rec.Body.String(), "\uFEFF"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if int64(len(rows)-1) != done.Bad+done.Warnings || rows[0][0] != "row" || rows[0][4] != "severity" {
		t.Fatalf("CSV report: %d rows for %d bad and %d warnings: %q", len(rows)-1, done.Bad, done.Warnings, rows[0])
	}
	warned := 0
	for _, r := range rows[1:] {
		if r[4] == ingest.SeverityWarning {
			warned++
		}
	}
	if int64(warned) != done.Warnings {
		t.Fatalf("CSV report: %d warnings listed, %d counted", warned, done.Warnings)
	}
	if testing.Verbose() {
		t.Logf("dirty rows %+v; report %q", f.Dirty, rows[1:])
	}
	rec = do(t, h, "GET", done.Links.XLSX, w.admin, "", nil)
	if rec.Code != 200 || rec.Header().Get("Content-Type") != ingest.ReportXLSXType {
		t.Fatalf("errors.xlsx: %d %s", rec.Code, rec.Header())
	}
	x, err := excelize.OpenReader(bytes.NewReader(rec.Body.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	xrows, _ := x.GetRows("errors")
	x.Close()
	if len(xrows) != len(rows) {
		t.Fatalf("XLSX report %d rows, CSV %d", len(xrows), len(rows))
	}
	// Another department neither sees the batch nor its report.
	if rec := do(t, h, "GET", loc, w.hrss, "", nil); rec.Code != 404 {
		t.Fatalf("hrss reads tax's batch: %d", rec.Code)
	}
	if rec := do(t, h, "GET", done.Links.CSV, w.hrss, "", nil); rec.Code != 404 || strings.Contains(rec.Body.String(), "row,column") {
		t.Fatalf("hrss reads tax's report: %d %s", rec.Code, rec.Body)
	}

	// The same file again (a multipart form this time, streamed by the
	// API): already loaded, nothing changes.
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	_ = mw.WriteField("dataset", taxDS)
	fw, _ := mw.CreateFormFile("file", filepath.Base(f.Path))
	_, _ = fw.Write(body)
	_ = mw.Close()
	rec = upload(t, h, "/api/v1/ingest/batches", w.taxKey, mw.FormDataContentType(), mp.Bytes(), nil)
	if rec.Code != 202 {
		t.Fatalf("resubmit: %d %s", rec.Code, rec.Body)
	}
	again := await(t, h, w.tax, rec.Header().Get("Location"), nil)
	if again.State != "already_loaded" || again.Batch != done.Batch || again.OK != done.OK {
		t.Fatalf("resubmission: %+v", again)
	}
	if n := facts(); n != afterFirst {
		t.Fatalf("resubmission changed facts: %d → %d", afterFirst, n)
	}

	// Wrong department: refused in the caller's language, nothing kept.
	hf, hbody := w.file(t, "hrss/hrss.contributions", false)
	_ = hf
	for lang, want := range map[string]string{"en": `reports data for department \"hrss\"`, "zh-CN": "贵单位只能报送“hrss”部门的数据"} {
		rec = upload(t, h, "/api/v1/ingest/batches?dataset="+url.QueryEscape(taxDS), w.hrss, "text/csv", hbody, map[string]string{"Accept-Language": lang})
		if rec.Code != 403 || !strings.Contains(rec.Body.String(), want) || !strings.Contains(rec.Body.String(), "ingestjob.other_department") {
			t.Fatalf("wrong department (%s): %d %s", lang, rec.Code, rec.Body)
		}
	}

	// A malformed file (its header does not match): the batch fails with
	// a reason the department can act on, and stores nothing.
	wf, wbody := w.file(t, "water/water.usage", false)
	bad := bytes.Replace(wbody, []byte(wf.Columns[1].Name), []byte("无关列"), 1)
	rec = upload(t, h, "/api/v1/ingest/batches?dataset=water%2Fwater.usage&batch=water-bad-1", w.admin, "text/csv", bad, nil)
	if rec.Code != 202 {
		t.Fatalf("malformed submit: %d %s", rec.Code, rec.Body)
	}
	failed := await(t, h, w.admin, rec.Header().Get("Location"), zh)
	if failed.State != "failed" || failed.Error == nil || failed.Error.Code != "ingest.header" || !strings.Contains(failed.Error.Message, "表头") {
		t.Fatalf("malformed batch: %+v", failed)
	}
	if n := facts(); n != afterFirst {
		t.Fatalf("a failed batch changed facts: %d → %d", afterFirst, n)
	}
	enFailed := await(t, h, w.admin, rec.Header().Get("Location"), en)
	if !strings.Contains(enFailed.Error.Message, "does not match the dataset") {
		t.Fatalf("English reason: %q", enFailed.Error.Message)
	}
	if rec := do(t, h, "GET", failed.Links.CSV, w.admin, "", nil); rec.Code != 200 || strings.Count(rec.Body.String(), "\n") != 1 {
		t.Fatalf("a failed batch's report is its header only: %d %q", rec.Code, rec.Body)
	}

	// Refusals at the door.
	for _, c := range []struct {
		name   string
		path   string
		a      actor
		ct     string
		body   []byte
		status int
		code   string
	}{
		{"content type", "/api/v1/ingest/batches?dataset=" + url.QueryEscape(taxDS), w.taxKey, "application/pdf", body, 400, "ingestjob.content_type"},
		{"no dataset", "/api/v1/ingest/batches", w.taxKey, "text/csv", hbody, 400, "ingestjob.dataset_required"},
		{"unknown dataset", "/api/v1/ingest/batches?dataset=tax%2Fnope", w.taxKey, "text/csv", hbody, 404, "ingestjob.dataset_not_found"},
		{"text as XLSX dataset", "/api/v1/ingest/batches?dataset=" + url.QueryEscape(taxDS), w.taxKey, "text/csv", hbody, 400, "ingestjob.format_mismatch"},
		{"empty", "/api/v1/ingest/batches?dataset=" + url.QueryEscape(taxDS), w.taxKey, "text/csv", nil, 400, "ingestjob.empty_file"},
		{"anonymous", "/api/v1/ingest/batches?dataset=" + url.QueryEscape(taxDS), actor{}, "text/csv", hbody, 401, "auth.required"},
	} {
		rec := upload(t, h, c.path, c.a, c.ct, c.body, nil)
		if rec.Code != c.status || !strings.Contains(rec.Body.String(), `"code":"`+c.code+`"`) {
			t.Errorf("%s: %d %s", c.name, rec.Code, rec.Body)
		}
	}
	if rec := do(t, h, "GET", "/api/v1/ingest/batches/sub-nope", w.admin, "", nil); rec.Code != 404 {
		t.Errorf("unknown batch: %d", rec.Code)
	}
	// The list: the department sees its own batches, the operator all.
	var list struct {
		Items []batchOut `json:"items"`
	}
	rec = do(t, h, "GET", "/api/v1/ingest/batches", w.tax, "", nil)
	_ = json.Unmarshal(rec.Body.Bytes(), &list)
	if rec.Code != 200 || len(list.Items) != 2 {
		t.Fatalf("tax's list: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, h, "GET", "/api/v1/ingest/batches", w.admin, "", nil)
	_ = json.Unmarshal(rec.Body.Bytes(), &list)
	if len(list.Items) != 3 {
		t.Fatalf("operator's list has %d batches, want 3", len(list.Items))
	}
	// The registration snapshot (profile rows) goes through the registry
	// service: it loads through the API like any other file.
	var prof deptfiles.File
	for _, f := range w.m.Files {
		if f.RowKind == "profile" {
			prof = f
			break
		}
	}
	pbody, err := os.ReadFile(filepath.Join(w.files, filepath.FromSlash(prof.Path)))
	if err != nil {
		t.Fatal(err)
	}
	rec = upload(t, h, "/api/v1/ingest/batches?dataset="+url.QueryEscape(prof.Department+"/"+prof.Dataset), w.admin, "text/csv", pbody, nil)
	if rec.Code != 202 {
		t.Fatalf("submit the registration file: %d %s", rec.Code, rec.Body)
	}
	if b := await(t, h, w.admin, rec.Header().Get("Location"), nil); b.State != "loaded" || b.OK == 0 {
		t.Fatalf("registration file through the API: %+v", b)
	}
	// Nothing is left in the spool once batches end. The runner removes a
	// batch's upload just after the commit that makes it "loaded" (a crash
	// in between is CleanSpool's business at the next start), so a poll
	// can see the file for a moment: give the removal a few seconds.
	var es []os.DirEntry
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		es, _ = os.ReadDir(filepath.Join(w.n.Config.DataDir, "ingest"))
		if len(es) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(es) != 0 {
		t.Fatalf("spool not emptied: %d files", len(es))
	}
}

func TestSubmissionPages(t *testing.T) {
	t.Parallel()
	w := newIngestWorld(t, "sqlite")
	h := w.h
	if _, err := w.n.Ingest.RegisterManifest(context.Background(), filepath.Join(w.files, deptfiles.ManifestName)); err != nil {
		t.Fatal(err)
	}
	page := func(a actor, path, lang string) *httptest.ResponseRecorder {
		return do(t, h, "GET", path, a, "", map[string]string{"Accept-Language": lang})
	}
	form := func(a actor, dataset string, name string, file []byte, lang string) *httptest.ResponseRecorder {
		var b bytes.Buffer
		mw := multipart.NewWriter(&b)
		_ = mw.WriteField("csrf_token", a.csrf)
		_ = mw.WriteField("dataset", dataset)
		if file != nil {
			fw, _ := mw.CreateFormFile("file", name)
			_, _ = fw.Write(file)
		}
		_ = mw.Close()
		req := httptest.NewRequest("POST", "/submissions", &b)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Accept-Language", lang)
		req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: a.cookie})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	// The department officer's page: navigation, the form with its own
	// datasets only, in both languages.
	rec := page(w.tax, "/submissions", "zh-CN")
	body := rec.Body.String()
	if rec.Code != 200 || !strings.Contains(body, "数据报送") || !strings.Contains(body, `href="/submissions"`) ||
		!strings.Contains(body, `value="tax/tax.returns"`) || strings.Contains(body, `value="hrss/`) || !strings.Contains(body, `enctype="multipart/form-data"`) {
		t.Fatalf("submissions page: %d\n%s", rec.Code, body)
	}
	if rec := page(w.tax, "/submissions", "en"); !strings.Contains(rec.Body.String(), "Data submission") || !strings.Contains(rec.Body.String(), "Submit a file") {
		t.Fatalf("English page:\n%s", rec.Body)
	}
	f, file := w.file(t, "tax/tax.returns", true)
	// Refusals show the form again with the reason.
	if rec := form(w.tax, "tax/tax.returns", "", nil, "en"); rec.Code != 400 || !strings.Contains(rec.Body.String(), "Choose the file to submit") {
		t.Fatalf("no file: %d\n%s", rec.Code, rec.Body)
	}
	if rec := form(w.hrss, "tax/tax.returns", "x.xlsx", file, "zh-CN"); rec.Code != 403 || !strings.Contains(rec.Body.String(), "贵单位只能报送") {
		t.Fatalf("other department: %d\n%s", rec.Code, rec.Body)
	}
	if rec := form(actor{cookie: w.tax.cookie, csrf: "forged"}, "tax/tax.returns", "x.xlsx", file, "en"); rec.Code != 403 {
		t.Fatalf("forged CSRF token: %d", rec.Code)
	}
	// A made-up session cookie: refused as not signed in.
	if rec := form(actor{cookie: "made-up", csrf: "x"}, "tax/tax.returns", "x.xlsx", file, "en"); rec.Code != http.StatusUnauthorized {
		t.Fatalf("made-up session: %d %s", rec.Code, rec.Header())
	}
	rec = form(w.tax, "tax/tax.returns", filepath.Base(f.Path), file, "zh-CN")
	if rec.Code != http.StatusSeeOther || !strings.HasPrefix(rec.Header().Get("Location"), "/submissions/sub-") {
		t.Fatalf("upload: %d %s\n%s", rec.Code, rec.Header(), rec.Body)
	}
	batchPage := rec.Header().Get("Location")
	// Queued: the page refreshes itself and offers no report yet.
	rec = page(w.tax, batchPage, "zh-CN")
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `<meta http-equiv="refresh" content="2">`) || !strings.Contains(rec.Body.String(), "排队中") ||
		strings.Contains(rec.Body.String(), "errors.csv") {
		t.Fatalf("queued batch page: %d\n%s", rec.Code, rec.Body)
	}
	if rec := page(w.tax, batchPage+"/errors.csv", "en"); rec.Code != 409 || !strings.Contains(rec.Body.String(), "has not ended yet") {
		t.Fatalf("report of a queued batch: %d\n%s", rec.Code, rec.Body)
	}
	if ran, err := w.n.Ingest.RunNext(context.Background()); err != nil || !ran {
		t.Fatalf("RunNext: %v %v", ran, err)
	}
	for lang, state := range map[string]string{"zh-CN": "已入库", "en": "Loaded"} {
		rec = page(w.tax, batchPage, lang)
		b := rec.Body.String()
		if rec.Code != 200 || strings.Contains(b, `http-equiv="refresh"`) || !strings.Contains(b, state) ||
			!strings.Contains(b, batchPage+"/errors.xlsx") || !strings.Contains(b, batchPage+"/errors.csv") {
			t.Fatalf("loaded batch page (%s): %d\n%s", lang, rec.Code, b)
		}
	}
	rec = page(w.tax, batchPage+"/errors.csv", "zh-CN")
	if rec.Code != 200 || !strings.HasPrefix(rec.Header().Get("Content-Type"), "text/csv") || !strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
		t.Fatalf("CSV download: %d %v", rec.Code, rec.Header())
	}
	if lines := strings.Count(rec.Body.String(), "\n"); lines < 2 {
		t.Fatalf("CSV report has %d lines for a file with %d dirty rows", lines, len(f.Dirty))
	}
	rec = page(w.tax, batchPage+"/errors.xlsx", "zh-CN")
	if rec.Code != 200 || rec.Header().Get("Content-Type") != ingest.ReportXLSXType || !bytes.HasPrefix(rec.Body.Bytes(), []byte("PK")) {
		t.Fatalf("XLSX download: %d %v", rec.Code, rec.Header())
	}
	// The list shows it; another department does not see it; an
	// institution has no such page.
	if rec := page(w.admin, "/submissions", "en"); !regexp.MustCompile(`href="` + regexp.QuoteMeta(batchPage) + `"`).MatchString(rec.Body.String()) {
		t.Fatalf("operator's list lacks the batch:\n%s", rec.Body)
	}
	if rec := page(w.hrss, batchPage, "en"); rec.Code != 404 {
		t.Fatalf("hrss opens tax's batch: %d", rec.Code)
	}
	if rec := page(w.hrss, "/submissions", "en"); strings.Contains(rec.Body.String(), batchPage) {
		t.Fatal("hrss lists tax's batch")
	}
}
