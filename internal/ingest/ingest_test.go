package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// region is a generated region: its files, manifest and bundles, and a
// store whose registry (only) holds its enterprises.
type region struct {
	dir     string
	m       deptfiles.Manifest
	bundles []synth.Bundle
	st      store.Store
}

func newRegion(t testing.TB, backendName string, n int, dirtyRate float64) *region {
	t.Helper()
	ctx := context.Background()
	g, err := synth.New(synth.Config{Enterprises: n, Seed: 7, Months: 6})
	if err != nil {
		t.Fatal(err)
	}
	r := &region{dir: filepath.Join(t.TempDir(), "files")}
	w, err := deptfiles.NewWriter(deptfiles.Options{Dir: r.dir, Seed: 3, DirtyRate: dirtyRate})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Each(ctx, func(b synth.Bundle) error {
		r.bundles = append(r.bundles, b)
		return w.Add(b)
	}); err != nil {
		t.Fatal(err)
	}
	if r.m, err = w.Close(); err != nil {
		t.Fatal(err)
	}
	r.st = openStore(t, backendName)
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	sealer, err := keys.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	ent := &enterprise.Service{Repo: r.st, Seal: sealer}
	recs := make([]*enterprise.Record, len(r.bundles))
	for i, b := range r.bundles {
		rec, err := ent.Prepare(seed.Input(b.Profile))
		if err != nil {
			t.Fatal(err)
		}
		recs[i] = &rec
	}
	if err := r.st.InTx(ctx, func(tx store.Store) error {
		return ent.Import(ctx, tx, access.System, "registry", recs)
	}); err != nil {
		t.Fatal(err)
	}
	return r
}

// backends are the stores the region tests run on: SQLite always,
// PostgreSQL (a fresh schema) when CREDITBRIDGE_TEST_POSTGRES_URL is set.
func backends(t *testing.T) []string { return scratch.Backends(t) }

// openStore opens an empty store with the default catalogue (a batch's
// reads pass the access decision point, which knows items from it).
func openStore(t testing.TB, backendName string) store.Store {
	return scratch.OpenWithCatalogue(t, backendName)
}

func (r *region) path(f deptfiles.File) string {
	return filepath.Join(r.dir, filepath.FromSlash(f.Path))
}

func (r *region) file(t testing.TB, pred func(deptfiles.File) bool) deptfiles.File {
	t.Helper()
	for _, f := range r.m.Files {
		if pred(f) {
			return f
		}
	}
	t.Fatal("no such file in the region")
	return deptfiles.File{}
}

func canonical(s string) string {
	if s == "" || s == "{}" {
		return "{}"
	}
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return "invalid:" + s
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return strings.TrimSpace(b.String())
}

func factKey(code string, f facts.Fact) string {
	ends := ""
	if !f.EndsOn.IsZero() {
		ends = f.EndsOn.Format(time.DateOnly)
	}
	return fmt.Sprintf("%s|%s|%s|%s|%s|%s|%d|%q|%q|%s|v%d", code, f.Source, f.Item, f.Shape, f.Period.Format(time.DateOnly),
		ends, f.Num, f.Text, f.Ref, canonical(f.Detail), max(f.Version, 1))
}

// TestRegionIngests ingests every fact file of a generated region (the
// original versions) and checks each clean row became exactly the facts
// it was generated from, each dirty row is in the error report at its
// row, and a second ingestion changes nothing.
func TestRegionIngests(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			testRegionIngests(t, b)
		})
	}
}

func testRegionIngests(t *testing.T, backendName string) {
	ctx := context.Background()
	r := newRegion(t, backendName, 150, 0.05)
	want := map[string]int{}
	for _, b := range r.bundles {
		for _, f := range b.Facts {
			if max(f.Version, 1) == 1 {
				want[factKey(b.Profile.Code, f)]++
			}
		}
	}
	// unitRows are wrong_unit rows stored: not caught (a value in fen in
	// a 元 column parses as a plausible amount) or stored with a warning
	// asking to confirm it. Their facts are allowed to be off, and the
	// test reports how many there were.
	unitRows := map[string]bool{}
	results := map[string]ingest.Result{}
	var unsupported, missedUnit, warnedUnit, cleanWarned, dirtyTotal int
	for _, mf := range r.m.Files {
		if mf.RowKind == "profile" || mf.RowKind == "shareholder" || mf.RowKind == "loan" {
			unsupported++ // registry rows: see TestRegionComplete
			continue
		}
		ds, err := ingest.FromManifest(mf)
		if err != nil {
			t.Fatalf("%s: FromManifest: %v", mf.Path, err)
		}
		if mf.Version > 1 {
			continue // corrections: QueryFacts shows the latest version only
		}
		res, err := ingest.File(ctx, r.st, ds, r.path(mf), ingest.Options{})
		if err != nil {
			t.Fatalf("%s: %v", mf.Path, err)
		}
		results[mf.Path] = res
		if res.Rows != int64(mf.Rows) {
			t.Errorf("%s: %d rows read, manifest says %d", mf.Path, res.Rows, mf.Rows)
		}
		reported := map[int]ingest.Problem{}
		for _, p := range res.Problems {
			reported[p.Row] = p
		}
		dirty := map[int]bool{}
		for _, d := range mf.Dirty {
			dirtyTotal++
			dirty[d.Row] = true
			p, ok := reported[d.Row]
			switch {
			case ok && d.Kind == deptfiles.DirtyDuplicate && p.Code != "ingest.duplicate":
				t.Errorf("%s row %d: duplicate reported as %s", mf.Path, d.Row, p.Code)
			case ok && d.Column != "" && p.Column != d.Column && p.Code != "ingest.not_registered":
				t.Errorf("%s row %d: %s in %s reported in column %q (%s)", mf.Path, d.Row, d.Kind, d.Column, p.Column, p.Code)
			case ok && p.Severity() == ingest.SeverityWarning:
				warnedUnit++
				unitRows[fmt.Sprintf("%s#%d", res.Batch, d.Row)] = true
			case !ok && d.Kind == deptfiles.DirtyUnit:
				missedUnit++
				t.Logf("%s row %d: wrong unit not caught: %s (was %s)", mf.Path, d.Row, d.Note, d.Was)
				unitRows[fmt.Sprintf("%s#%d", res.Batch, d.Row)] = true
			case !ok:
				t.Errorf("%s row %d: dirty row (%s, %s) not in the error report", mf.Path, d.Row, d.Kind, d.Note)
			}
		}
		for _, p := range res.Problems {
			if !dirty[p.Row] && p.Severity() == ingest.SeverityWarning {
				cleanWarned++
			} else if !dirty[p.Row] {
				t.Errorf("%s row %d: clean row rejected: %s %q %q", mf.Path, p.Row, p.Code, p.Column, p.Value)
			}
			if en, zh := p.Reason(); en == "" || zh == "" || en == p.Code {
				t.Errorf("%s row %d: no reason for %s", mf.Path, p.Row, p.Code)
			}
		}
	}
	if unsupported == 0 || len(results) < 10 || dirtyTotal == 0 {
		t.Fatalf("region too small: %d files ingested, %d unsupported, %d dirty rows", len(results), unsupported, dirtyTotal)
	}
	// Every stored fact is one generated fact, with its provenance.
	stored := 0
	for _, b := range r.bundles {
		e, err := r.st.EnterpriseByCode(ctx, b.Profile.Code)
		if err != nil {
			t.Fatal(err)
		}
		fs, err := r.st.QueryFacts(ctx, facts.Query{EnterpriseID: e.ID, Limit: 100000})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			stored++
			if f.Batch == "" || f.SourceRow < 1 || f.ReceivedAt.IsZero() || f.Source == "" {
				t.Errorf("fact without provenance: %+v", f)
			}
			k := factKey(b.Profile.Code, f)
			if want[k] == 0 {
				if !unitRows[fmt.Sprintf("%s#%d", f.Batch, f.SourceRow)] {
					t.Errorf("stored fact not generated: %s (batch %s row %d)", k, f.Batch, f.SourceRow)
				}
				continue
			}
			want[k]--
		}
	}
	var okRows, facts64 int64
	for _, res := range results {
		okRows += res.OK
		facts64 += res.Facts
	}
	n, err := r.st.CountFacts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != facts64 || int64(stored) != n {
		t.Errorf("CountFacts = %d, batches stored %d, QueryFacts found %d", n, facts64, stored)
	}
	t.Logf("%d files, %d rows ok, %d facts, %d dirty rows, %d wrong-unit rows not caught, %d stored with a warning, "+
		"%d warnings on clean rows, %d files of other row kinds skipped", len(results), okRows, n, dirtyTotal, missedUnit, warnedUnit,
		cleanWarned, unsupported)
	if cleanWarned*100 > int(okRows) {
		t.Errorf("%d warnings on clean rows of %d", cleanWarned, okRows)
	}

	// A second ingestion changes nothing, whether by content or by id.
	for path, first := range results {
		mf := r.file(t, func(f deptfiles.File) bool { return f.Path == path })
		ds, _ := ingest.FromManifest(mf)
		again, err := ingest.File(ctx, r.st, ds, r.path(mf), ingest.Options{BatchID: "another-id"})
		if err != nil || !again.AlreadyLoaded || again.Batch != first.Batch || again.OK != first.OK {
			t.Fatalf("%s again: %+v, %v", path, again, err)
		}
		break
	}
	for path, first := range results {
		mf := r.file(t, func(f deptfiles.File) bool { return f.Path == path })
		ds, _ := ingest.FromManifest(mf)
		again, err := ingest.File(ctx, r.st, ds, r.path(mf), ingest.Options{})
		if err != nil || !again.AlreadyLoaded || again.Batch != first.Batch {
			t.Fatalf("%s again: %+v, %v", path, again, err)
		}
	}
	if n2, _ := r.st.CountFacts(ctx); n2 != n {
		t.Fatalf("re-ingesting changed the facts: %d → %d", n, n2)
	}
}

func TestRefusals(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			testRefusals(t, b)
		})
	}
}

func testRefusals(t *testing.T, backendName string) {
	ctx := context.Background()
	r := newRegion(t, backendName, 20, 0.02)
	nothingStored := func(t *testing.T) {
		t.Helper()
		if n, _ := r.st.CountFacts(ctx); n != 0 {
			t.Fatalf("%d facts stored", n)
		}
	}
	t.Run("GB18030_declared_UTF-8", func(t *testing.T) {
		mf := r.file(t, func(f deptfiles.File) bool { return f.Department == "hrss" && f.Encoding == "gb18030" })
		ds, err := ingest.FromManifest(mf)
		if err != nil {
			t.Fatal(err)
		}
		ds.Encoding = "utf-8"
		_, err = ingest.File(ctx, r.st, ds, r.path(mf), ingest.Options{})
		fe, ok := fault.As(err)
		if !ok || fe.Code != "ingest.encoding" || !strings.Contains(err.Error(), "row 1") {
			t.Fatalf("err = %v, want ingest.encoding naming row 1", err)
		}
		nothingStored(t)
		sum := mustSHA(t, r.path(mf))
		if _, err := r.st.BatchBySHA256(ctx, sum); !fault.Is(err, fault.NotFound) {
			t.Fatalf("batch recorded: %v", err)
		}
	})
	t.Run("truncated_XLSX", func(t *testing.T) {
		mf := r.file(t, func(f deptfiles.File) bool { return f.Department == "tax" && f.Format == "xlsx" })
		ds, err := ingest.FromManifest(mf)
		if err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(r.path(mf))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), "truncated.xlsx")
		if err := os.WriteFile(p, b[:len(b)*2/3], 0o600); err != nil {
			t.Fatal(err)
		}
		_, err = ingest.File(ctx, r.st, ds, p, ingest.Options{})
		if fe, ok := fault.As(err); !ok || fe.Code != "ingest.damaged" {
			t.Fatalf("err = %v, want ingest.damaged", err)
		}
		nothingStored(t)
	})
	t.Run("enterprise_not_registered", func(t *testing.T) {
		dir := t.TempDir()
		p := filepath.Join(dir, "water.csv")
		// A valid code no enterprise of the region has.
		csv := "统一社会信用代码,用户名称,抄表年月,用水量(立方米),欠费金额(元)\n91320000MA1XXXXXX0,某公司,2026-10,12,0.00\n"
		code := "91110000100000000" // 17 characters; complete it below
		cc, err := completeCode(code)
		if err != nil {
			t.Fatal(err)
		}
		csv = strings.Replace(csv, "91320000MA1XXXXXX0", cc, 1)
		if err := os.WriteFile(p, []byte(csv), 0o600); err != nil {
			t.Fatal(err)
		}
		mf := r.file(t, func(f deptfiles.File) bool { return f.Department == "water" })
		ds, err := ingest.FromManifest(mf)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ingest.File(ctx, r.st, ds, p, ingest.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if res.OK != 0 || res.Bad != 1 || res.Problems[0].Code != "ingest.not_registered" || res.Problems[0].Row != 2 {
			t.Fatalf("result %+v", res)
		}
		en, zh := res.Problems[0].Reason()
		if !strings.Contains(en, "not registered") || !strings.Contains(zh, "未登记") {
			t.Fatalf("reason %q / %q", en, zh)
		}
		var buf bytes.Buffer
		if err := ingest.WriteReport(&buf, res.Problems); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "2,统一社会信用代码,"+cc+",ingest.not_registered,") {
			t.Fatalf("report:\n%s", buf.String())
		}
		nothingStored(t)
	})
}
