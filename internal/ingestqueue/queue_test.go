package ingestqueue_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/ingestqueue"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// backends are SQLite always and PostgreSQL when
// CREDITBRIDGE_TEST_POSTGRES_URL is set.
func backends(t *testing.T) []string { return scratch.Backends(t) }

// openStore opens an empty store with the default catalogue (a batch's
// reads pass the access decision point, which knows items from it).
func openStore(t *testing.T, name string) store.Store { return scratch.OpenWithCatalogue(t, name) }

// region is a small generated region: its files and manifest, and a store
// whose registry holds its enterprises.
type region struct {
	dir string
	m   deptfiles.Manifest
	st  store.Store
}

func newRegion(t *testing.T, backendName string) *region {
	t.Helper()
	ctx := context.Background()
	g, err := synth.New(synth.Config{Enterprises: 60, Seed: 11, Months: 3})
	if err != nil {
		t.Fatal(err)
	}
	r := &region{dir: filepath.Join(t.TempDir(), "files")}
	w, err := deptfiles.NewWriter(deptfiles.Options{Dir: r.dir, Seed: 5, DirtyRate: 0.05})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*enterprise.Record
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	sealer, err := keys.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	r.st = openStore(t, backendName)
	ent := &enterprise.Service{Repo: r.st, Seal: sealer}
	if err := g.Each(ctx, func(b synth.Bundle) error {
		rec, err := ent.Prepare(seed.Input(b.Profile))
		if err != nil {
			return err
		}
		recs = append(recs, &rec)
		return w.Add(b)
	}); err != nil {
		t.Fatal(err)
	}
	if r.m, err = w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := r.st.InTx(ctx, func(tx store.Store) error { return ent.Import(ctx, tx, access.System, "registry", recs) }); err != nil {
		t.Fatal(err)
	}
	return r
}

// files returns the manifest's original (not correction) files of a
// dataset kind, those with dirty rows first.
func (r *region) files(t *testing.T, dataset string) []deptfiles.File {
	t.Helper()
	var dirty, clean []deptfiles.File
	for _, f := range r.m.Files {
		if f.Department+"/"+f.Dataset == dataset && f.Version <= 1 {
			if len(f.Dirty) > 0 {
				dirty = append(dirty, f)
			} else {
				clean = append(clean, f)
			}
		}
	}
	if len(dirty)+len(clean) < 2 {
		t.Fatalf("fewer than two %s files", dataset)
	}
	return append(dirty, clean...)
}

// file returns a file of a dataset kind; dirty: one with dirty rows.
func (r *region) file(t *testing.T, dataset string, dirty bool) deptfiles.File {
	t.Helper()
	f := r.files(t, dataset)[0]
	if dirty && len(f.Dirty) == 0 {
		t.Fatalf("no %s file with dirty rows", dataset)
	}
	return f
}

func (r *region) open(t *testing.T, f deptfiles.File) *os.File {
	t.Helper()
	fh, err := os.Open(filepath.Join(r.dir, filepath.FromSlash(f.Path)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fh.Close() })
	return fh
}

var (
	admin    = access.Principal{UserID: 1, Username: "admin", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}
	analyst  = access.Principal{UserID: 2, Username: "analyst", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAnalyst}
	taxUser  = access.Principal{UserID: 3, Username: "tax", OrgID: 2, OrgKind: account.KindDepartment, Role: account.RoleDepartmentOfficer, Department: "tax"}
	hrssUser = access.Principal{UserID: 4, Username: "hrss", OrgID: 3, OrgKind: account.KindDepartment, Role: account.RoleDepartmentOfficer, Department: "hrss"}
	taxKey   = access.Principal{OrgID: 2, OrgKind: account.KindDepartment, Department: "tax", APIKeyID: 9, APIKeyPrefix: "cbk_tax", Scopes: []account.Scope{account.ScopeDataWrite}}
	readKey  = access.Principal{OrgID: 2, OrgKind: account.KindDepartment, Department: "tax", APIKeyID: 10, APIKeyPrefix: "cbk_ro", Scopes: []account.Scope{account.ScopeEnterpriseRead}}
	bank     = access.Principal{UserID: 5, Username: "bank", OrgID: 4, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer}
)

func newService(t *testing.T, r *region, dir string) *ingestqueue.Service {
	t.Helper()
	s := &ingestqueue.Service{Store: r.st, Dir: dir, MaxUpload: 50 << 20}
	n, err := s.RegisterManifest(context.Background(), filepath.Join(r.dir, deptfiles.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	if n == 0 {
		t.Fatal("no dataset registered from the manifest")
	}
	return s
}

func runAll(t *testing.T, s *ingestqueue.Service) {
	t.Helper()
	for i := 0; ; i++ {
		ran, err := s.RunNext(context.Background())
		if err != nil {
			t.Fatalf("RunNext: %v", err)
		}
		if !ran {
			return
		}
		if i > 50 {
			t.Fatal("the queue does not drain")
		}
	}
}

func spoolFiles(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func wantFault(t *testing.T, err error, kind fault.Kind, code string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("error = %v, want kind %v code %q", err, kind, code)
	}
}

func TestBatchRunsAndItsReportSurvives(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			r := newRegion(t, b)
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "spool")
			s := newService(t, r, dir)
			dirty := r.file(t, "tax/tax.returns", true)
			j, err := s.Submit(ctx, taxKey, ingestqueue.Submission{Dataset: "tax/tax.returns", FileName: "../x/" + filepath.Base(dirty.Path), Body: r.open(t, dirty)})
			if err != nil {
				t.Fatal(err)
			}
			if j.State != ingestjob.Queued || j.FileName != filepath.Base(dirty.Path) || j.Batch != "tax-"+dirty.SHA256[:16] || j.SHA256 != dirty.SHA256 {
				t.Fatalf("submitted job: %+v", j)
			}
			if got := spoolFiles(t, dir); len(got) != 1 || got[0] != j.ID+".upload" {
				t.Fatalf("spool holds %v, want the one upload", got)
			}
			runAll(t, s)
			got, err := s.Job(ctx, taxUser, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != ingestjob.Loaded || got.Bad == 0 || got.OK == 0 || got.Rows != got.OK+got.Bad || got.Facts == 0 || got.Attempts != 1 {
				t.Fatalf("after the run: %+v", got)
			}
			if len(spoolFiles(t, dir)) != 0 {
				t.Fatalf("spool not emptied: %v", spoolFiles(t, dir))
			}
			if fb, err := r.st.BatchByID(ctx, got.Batch); err != nil || fb.RowsBad != got.Bad || fb.Facts != got.Facts {
				t.Fatalf("stored batch %+v (%v) differs from the job %+v", fb, err, got)
			}
			// Every dirty row the manifest lists is in the report, after a
			// "restart" (a fresh service on the same store).
			s2 := &ingestqueue.Service{Store: r.st, Dir: dir}
			var csvOut, xlsxOut bytes.Buffer
			if _, err := s2.Report(ctx, admin, j.ID, "csv", &csvOut); err != nil {
				t.Fatal(err)
			}
			if _, err := s2.Report(ctx, taxKey, j.ID, "xlsx", &xlsxOut); err != nil {
				t.Fatal(err)
			}
			rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvOut.String(), "\uFEFF"))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if int64(len(rows)-1) != got.Bad {
				t.Fatalf("CSV report has %d rows, the batch %d bad rows", len(rows)-1, got.Bad)
			}
			inReport := map[string]bool{}
			for _, row := range rows[1:] {
				inReport[row[0]] = true
				if row[4] == "" || row[5] == "" || row[4] == row[3] {
					t.Fatalf("report row without reasons: %q", row)
				}
			}
			for _, d := range dirty.Dirty {
				// A wrong unit is caught only against the enterprise's
				// earlier values, which a first batch does not have.
				if d.Kind != deptfiles.DirtyUnit && !inReport[itoa(d.Row)] {
					t.Errorf("dirty row %d (%s) is not in the report", d.Row, d.Kind)
				}
			}
			x, err := excelize.OpenReader(&xlsxOut)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			xrows, err := x.GetRows("errors")
			if err != nil {
				t.Fatal(err)
			}
			if len(xrows) != len(rows) || xrows[1][0] != rows[1][0] || xrows[1][4] != rows[1][4] {
				t.Fatalf("XLSX report (%d rows) differs from the CSV one (%d rows)", len(xrows), len(rows))
			}
			// Evidence: the submission and the two report reads.
			for _, action := range []string{"ingest.submit", "ingest.report.read", "ingest.dataset.save"} {
				es, err := r.st.ListAudit(ctx, auditFilter(action))
				if err != nil {
					t.Fatal(err)
				}
				if len(es) == 0 {
					t.Errorf("no %s evidence entry", action)
				}
			}
		})
	}
}

func TestInterruptedBatchRunsAgainAfterRestart(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			r := newRegion(t, b)
			dir := filepath.Join(t.TempDir(), "spool")
			s := newService(t, r, dir)
			f := r.file(t, "tax/tax.returns", true)
			j, err := s.Submit(context.Background(), taxUser, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: r.open(t, f)})
			if err != nil {
				t.Fatal(err)
			}
			before, err := r.st.CountFacts(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			// The node "dies" in the middle of the batch: its context ends
			// after the first progress report, inside the transaction.
			ctx, cancel := context.WithCancel(context.Background())
			progressed := false
			s.Tune = func(o *ingest.Options) {
				// Small chunks, so that the batch reports progress early.
				// The unit check is off: it has nothing to do with how a
				// batch survives, and its history reads run on a second
				// goroutine (internal/ingest) that races on the shared
				// transaction with chunks this small.
				o.ChunkRows, o.NoUnitCheck = 5, true
				o.Progress = func(p ingest.Progress) {
					if p.Rows > 0 && !p.Done {
						progressed = true
						cancel()
					}
				}
			}
			if _, err := s.RunNext(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("interrupted run: %v, want context.Canceled", err)
			}
			if !progressed {
				t.Fatal("the batch ended before it could be interrupted")
			}
			mid, err := r.st.JobByID(context.Background(), j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if mid.State != ingestjob.Running || mid.Attempts != 1 {
				t.Fatalf("interrupted job: state %s attempts %d", mid.State, mid.Attempts)
			}
			if n, _ := r.st.CountFacts(context.Background()); n != before {
				t.Fatalf("an interrupted batch left %d facts", n-before)
			}
			if _, err := r.st.BatchByID(context.Background(), j.Batch); !fault.Is(err, fault.NotFound) {
				t.Fatalf("an interrupted batch is recorded: %v", err)
			}
			// A new node on the same store and data directory picks it up.
			s2 := &ingestqueue.Service{Store: r.st, Dir: dir}
			runAll(t, s2)
			got, err := s2.Job(context.Background(), admin, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != ingestjob.Loaded || got.Attempts != 2 || got.OK == 0 {
				t.Fatalf("after restart: %+v", got)
			}
			fb, err := r.st.BatchByID(context.Background(), j.Batch)
			if err != nil {
				t.Fatal(err)
			}
			if n, _ := r.st.CountFacts(context.Background()); n-before != fb.Facts || fb.Facts != got.Facts {
				t.Fatalf("facts after restart: +%d, batch says %d, job %d", n-before, fb.Facts, got.Facts)
			}
		})
	}
}

func TestSameBatchOrContentAgainIsAlreadyLoaded(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			r := newRegion(t, b)
			ctx := context.Background()
			s := newService(t, r, filepath.Join(t.TempDir(), "spool"))
			f := r.file(t, "hrss/hrss.contributions", false)
			first, err := s.Submit(ctx, admin, ingestqueue.Submission{Dataset: "hrss/hrss.contributions", Batch: "hrss-2026-08", Body: r.open(t, f)})
			if err != nil {
				t.Fatal(err)
			}
			runAll(t, s)
			facts, _ := r.st.CountFacts(ctx)
			// The same content under another batch id, and another file
			// under the same batch id.
			other := r.files(t, "hrss/hrss.contributions")[1]
			again, err := s.Submit(ctx, hrssUser, ingestqueue.Submission{Dataset: "hrss/hrss.contributions", Batch: "hrss-resent", Body: r.open(t, f)})
			if err != nil {
				t.Fatal(err)
			}
			sameID, err := s.Submit(ctx, hrssUser, ingestqueue.Submission{Dataset: "hrss/hrss.contributions", Batch: "hrss-2026-08", Body: r.open(t, other)})
			if err != nil {
				t.Fatal(err)
			}
			runAll(t, s)
			want, _ := s.Job(ctx, admin, first.ID)
			for _, id := range []string{again.ID, sameID.ID} {
				j, err := s.Job(ctx, hrssUser, id)
				if err != nil {
					t.Fatal(err)
				}
				if j.State != ingestjob.AlreadyLoaded || j.Batch != "hrss-2026-08" || j.OK != want.OK || j.Rows != want.Rows {
					t.Fatalf("resubmission %s: %+v, want already_loaded with %+v's counts", id, j, want)
				}
			}
			if n, _ := r.st.CountFacts(ctx); n != facts {
				t.Fatalf("a resubmission changed the facts: %d → %d", facts, n)
			}
		})
	}
}

func TestMalformedFileFailsAndStoresNothing(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			r := newRegion(t, b)
			ctx := context.Background()
			dir := filepath.Join(t.TempDir(), "spool")
			s := newService(t, r, dir)
			f := r.file(t, "water/water.usage", false)
			raw, err := os.ReadFile(filepath.Join(r.dir, filepath.FromSlash(f.Path)))
			if err != nil {
				t.Fatal(err)
			}
			// Rename a header column: the file no longer matches its dataset.
			bad := bytes.Replace(raw, []byte(f.Columns[1].Name), []byte("某个无关的列"), 1)
			before, _ := r.st.CountFacts(ctx)
			j, err := s.Submit(ctx, admin, ingestqueue.Submission{Dataset: "water/water.usage", Body: bytes.NewReader(bad)})
			if err != nil {
				t.Fatal(err)
			}
			runAll(t, s)
			got, err := s.Job(ctx, admin, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != ingestjob.Failed || got.ErrorCode != "ingest.header" || got.ErrorParams["detail"] == "" || got.OK != 0 {
				t.Fatalf("malformed file: %+v", got)
			}
			if n, _ := r.st.CountFacts(ctx); n != before {
				t.Fatalf("a failed batch stored %d facts", n-before)
			}
			if len(spoolFiles(t, dir)) != 0 {
				t.Fatalf("spool not emptied: %v", spoolFiles(t, dir))
			}
		})
	}
}

func TestRefusedSubmissionsKeepNothing(t *testing.T) {
	r := newRegion(t, "sqlite")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "spool")
	s := newService(t, r, dir)
	s.MaxUpload = 2048
	tax := r.file(t, "tax/tax.returns", false)
	water := r.file(t, "water/water.usage", false)
	body := func(f deptfiles.File) *os.File { return r.open(t, f) }
	cases := []struct {
		name string
		p    access.Principal
		in   ingestqueue.Submission
		kind fault.Kind
		code string
	}{
		{"other department", hrssUser, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: body(tax)}, fault.Forbidden, "ingestjob.other_department"},
		{"analyst", analyst, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: body(tax)}, fault.Forbidden, "ingestjob.submit_forbidden"},
		{"institution", bank, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: body(tax)}, fault.Forbidden, "ingestjob.submit_forbidden"},
		{"key without data:write", readKey, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: body(tax)}, fault.Forbidden, "ingestjob.scope_missing"},
		{"unknown dataset", admin, ingestqueue.Submission{Dataset: "tax/nope", Body: body(tax)}, fault.NotFound, "ingestjob.dataset_not_found"},
		{"no dataset", admin, ingestqueue.Submission{Body: body(tax)}, fault.Invalid, "ingestjob.dataset_required"},
		{"bad batch id", admin, ingestqueue.Submission{Dataset: "tax/tax.returns", Batch: "a b", Body: body(tax)}, fault.Invalid, "ingestjob.batch_id"},
		{"text for an XLSX dataset", taxUser, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: strings.NewReader("统一社会信用代码,x\n")}, fault.Invalid, "ingestjob.format_mismatch"},
		{"empty", admin, ingestqueue.Submission{Dataset: "water/water.usage", Body: strings.NewReader("")}, fault.Invalid, "ingestjob.empty_file"},
		{"too large", admin, ingestqueue.Submission{Dataset: "water/water.usage", Body: body(water)}, fault.TooLarge, "ingestjob.too_large"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Submit(ctx, c.p, c.in)
			wantFault(t, err, c.kind, c.code)
			if got := spoolFiles(t, dir); len(got) != 0 {
				t.Fatalf("a refused upload left %v", got)
			}
		})
	}
	// A small XLSX for a CSV dataset is refused for its format.
	small := &bytes.Buffer{}
	small.WriteString("PK\x03\x04rest-of-a-zip")
	_, err := s.Submit(ctx, admin, ingestqueue.Submission{Dataset: "water/water.usage", Body: small})
	wantFault(t, err, fault.Invalid, "ingestjob.format_mismatch")
	js, err := s.Jobs(ctx, admin, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(js) != 0 {
		t.Fatalf("refused submissions were recorded: %+v", js)
	}
}

func TestWhoSeesWhichBatches(t *testing.T) {
	r := newRegion(t, "sqlite")
	ctx := context.Background()
	s := newService(t, r, filepath.Join(t.TempDir(), "spool"))
	tj, err := s.Submit(ctx, taxUser, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: r.open(t, r.file(t, "tax/tax.returns", false))})
	if err != nil {
		t.Fatal(err)
	}
	hj, err := s.Submit(ctx, hrssUser, ingestqueue.Submission{Dataset: "hrss/hrss.contributions", Body: r.open(t, r.file(t, "hrss/hrss.contributions", false))})
	if err != nil {
		t.Fatal(err)
	}
	ids := func(p access.Principal) []string {
		js, err := s.Jobs(ctx, p, 10)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range js {
			out = append(out, j.Dataset)
		}
		return out
	}
	if got := ids(taxUser); len(got) != 1 || got[0] != "tax/tax.returns" {
		t.Errorf("tax sees %v", got)
	}
	if got := ids(analyst); len(got) != 2 {
		t.Errorf("analyst sees %v", got)
	}
	if _, err := s.Job(ctx, hrssUser, tj.ID); !fault.Is(err, fault.NotFound) {
		t.Errorf("hrss reading tax's batch: %v, want NotFound", err)
	}
	if _, err := s.Job(ctx, bank, hj.ID); !fault.Is(err, fault.Forbidden) {
		t.Errorf("bank reading a batch: %v, want Forbidden", err)
	}
	if _, err := s.Jobs(ctx, bank, 10); !fault.Is(err, fault.Forbidden) {
		t.Errorf("bank listing batches: %v, want Forbidden", err)
	}
	if _, err := s.Report(ctx, taxUser, tj.ID, "csv", &bytes.Buffer{}); !fault.Is(err, fault.Conflict) {
		t.Errorf("report of a queued batch: %v, want Conflict", err)
	}
	defs, err := s.Submittable(ctx, taxUser)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range defs {
		if d.Department != "tax" {
			t.Errorf("tax may submit %s", d.Name)
		}
	}
	if len(defs) == 0 {
		t.Error("tax may submit nothing")
	}
}

func TestSaveDatasetRules(t *testing.T) {
	r := newRegion(t, "sqlite")
	ctx := context.Background()
	s := newService(t, r, filepath.Join(t.TempDir(), "spool"))
	def, err := s.Dataset(ctx, taxUser, "tax/tax.returns")
	if err != nil {
		t.Fatal(err)
	}
	var ds map[string]any
	if err := json.Unmarshal([]byte(def.Spec), &ds); err != nil {
		t.Fatal(err)
	}
	spec := func(mut func(m map[string]any)) []byte {
		m := map[string]any{}
		for k, v := range ds {
			m[k] = v
		}
		mut(m)
		b, _ := json.Marshal(m)
		return b
	}
	d, err := s.SaveDataset(ctx, admin, "tax/returns-copy", spec(func(m map[string]any) { delete(m, "name") }))
	if err != nil {
		t.Fatal(err)
	}
	if d.Version != 1 || d.Department != "tax" || d.UpdatedBy != "admin" {
		t.Fatalf("saved: %+v", d)
	}
	d, err = s.SaveDataset(ctx, admin, "tax/returns-copy", spec(func(m map[string]any) { m["name"] = "tax/returns-copy"; m["sheet"] = "x" }))
	if err != nil || d.Version != 2 {
		t.Fatalf("replace: %+v %v", d, err)
	}
	cases := []struct {
		name string
		p    access.Principal
		path string
		body []byte
		kind fault.Kind
		code string
	}{
		{"department", taxUser, "tax/x", spec(func(map[string]any) {}), fault.Forbidden, "ingestjob.define_forbidden"},
		{"name mismatch", admin, "tax/x", spec(func(m map[string]any) { m["name"] = "tax/y" }), fault.Invalid, "ingestjob.name_mismatch"},
		{"bad name", admin, "tax x", spec(func(m map[string]any) { delete(m, "name") }), fault.Invalid, "ingestjob.dataset_name"},
		{"unknown field", admin, "tax/x", spec(func(m map[string]any) { delete(m, "name"); m["colums"] = 1 }), fault.Invalid, "ingest.dataset"},
		{"invalid definition", admin, "tax/x", spec(func(m map[string]any) { delete(m, "name"); m["format"] = "pdf" }), fault.Invalid, "ingest.dataset"},
		{"not JSON", admin, "tax/x", []byte("{"), fault.Invalid, "ingest.dataset"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.SaveDataset(ctx, c.p, c.path, c.body)
			wantFault(t, err, c.kind, c.code)
		})
	}
	if _, err := s.Dataset(ctx, taxUser, "tax/x"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("a refused definition was stored: %v", err)
	}
}

func TestCleanSpoolRemovesOnlyWhatNoBatchNeeds(t *testing.T) {
	r := newRegion(t, "sqlite")
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "spool")
	s := newService(t, r, dir)
	f := r.file(t, "water/water.usage", false)
	done, err := s.Submit(ctx, admin, ingestqueue.Submission{Dataset: "water/water.usage", Body: r.open(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	runAll(t, s)
	pending, err := s.Submit(ctx, admin, ingestqueue.Submission{Dataset: "water/water.usage", Batch: "again", Body: r.open(t, f)})
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, age time.Duration) {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		at := time.Now().Add(-age)
		if err := os.Chtimes(p, at, at); err != nil {
			t.Fatal(err)
		}
	}
	write(done.ID+".upload", 0)       // its batch ended: the node died before removing it
	write("sub-unknown.upload", 0)    // never recorded
	write(".incoming-old", time.Hour) // a partial upload of an earlier run
	write("notes.txt", time.Hour)
	// An upload in progress while the clean-up runs is left alone.
	live, err := s.Submit(ctx, admin, ingestqueue.Submission{Dataset: "water/water.usage", Batch: "live",
		Body: &cleanDuring{r: r.open(t, f), clean: func() error { return s.CleanSpool(ctx) }}})
	if err != nil {
		t.Fatalf("an upload during the clean-up: %v", err)
	}
	if err := s.CleanSpool(ctx); err != nil {
		t.Fatal(err)
	}
	got := spoolFiles(t, dir)
	want := []string{"notes.txt", live.ID + ".upload", pending.ID + ".upload"}
	slices.Sort(want)
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("spool after clean-up: %v, want %v", got, want)
	}
}

// cleanDuring runs clean in the middle of the upload it reads.
type cleanDuring struct {
	r     io.Reader
	clean func() error
	done  bool
}

func (c *cleanDuring) Read(p []byte) (int, error) {
	n, err := c.r.Read(p[:min(len(p), 100)])
	if !c.done {
		c.done = true
		if cerr := c.clean(); cerr != nil {
			return n, cerr
		}
	}
	return n, err
}

// commitThenCancel is a store whose transactions commit and then report
// that ctx ended: the node was told to stop while the commit was in
// flight, after the database had made it durable.
type commitThenCancel struct {
	store.Store
	cancel context.CancelFunc
}

func (c commitThenCancel) InTx(ctx context.Context, fn func(store.Store) error) error {
	if err := c.Store.InTx(context.WithoutCancel(ctx), fn); err != nil {
		return err
	}
	c.cancel()
	return ctx.Err()
}

func TestBatchCommittedAsTheNodeStopsLeavesNoUpload(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			r := newRegion(t, b)
			dir := filepath.Join(t.TempDir(), "spool")
			s := newService(t, r, dir)
			f := r.file(t, "tax/tax.returns", false)
			j, err := s.Submit(context.Background(), taxUser, ingestqueue.Submission{Dataset: "tax/tax.returns", Body: r.open(t, f)})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			s.Store = commitThenCancel{Store: r.st, cancel: cancel}
			if _, err := s.RunNext(ctx); !errors.Is(err, context.Canceled) {
				t.Fatalf("run: %v, want context.Canceled", err)
			}
			got, err := r.st.JobByID(context.Background(), j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State != ingestjob.Loaded || got.OK == 0 {
				t.Fatalf("job: state %s, %d rows ok", got.State, got.OK)
			}
			if fs := spoolFiles(t, dir); len(fs) != 0 {
				t.Fatalf("the upload of a batch that ended stays in the spool: %v", fs)
			}
		})
	}
}
