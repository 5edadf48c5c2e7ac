package ingest_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// TestRegionComplete ingests every file of a generated region (profiles,
// shareholders, measures, facts, corrections, loans) into an empty
// database and checks that what is stored equals what the seed loader
// stores for the same region, that re-ingesting (the same files, and
// re-sent copies with other bytes) changes nothing, and that every dirty
// row of a dirty copy of the region is in its file's error report.
func TestRegionComplete(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			testRegionComplete(t, b)
		})
	}
}

func newSealer(t testing.TB) *keys.Sealer {
	t.Helper()
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	s, err := keys.NewSealer(k)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writeFiles writes the bundles as department files.
func writeFiles(t testing.TB, bundles []synth.Bundle, dirty float64) (string, deptfiles.Manifest) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "files")
	w, err := deptfiles.NewWriter(deptfiles.Options{Dir: dir, Seed: 5, DirtyRate: dirty})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bundles {
		if err := w.Add(b); err != nil {
			t.Fatal(err)
		}
	}
	m, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// ingestOrder is the order a platform loads a region's files in: the
// registration snapshot first (it registers the enterprises), then
// originals before their corrections.
func ingestOrder(m deptfiles.Manifest) []deptfiles.File {
	fs := slices.Clone(m.Files)
	rank := func(f deptfiles.File) int {
		if f.RowKind == ingest.KindProfile {
			return 0
		}
		return max(f.Version, 1)
	}
	slices.SortStableFunc(fs, func(a, b deptfiles.File) int { return rank(a) - rank(b) })
	return fs
}

// contentDigest is a SHA-256 over what a store holds about a region,
// independent of storage order and of provenance: every enterprise's
// registry fields (the legal representative masked: the sealed bytes have
// a random nonce), its facts in their latest versions and its loans,
// sorted. Intended differences between the seed loader and ingestion are
// left out and counted separately: the enterprise size (the registration
// file has no size column: ingestion registers none), registration
// shareholder facts (the seed loader does not store shareholders;
// ingestion does), and provenance (batch, source row, received time:
// the seed records the simulated delivery time of each fact, ingestion
// the time it received the file).
func contentDigest(t testing.TB, st store.Store) (string, map[string]int) {
	t.Helper()
	ctx := context.Background()
	counts := map[string]int{}
	var lines []string
	for offset := 0; ; offset += 500 {
		rs, _, err := st.SearchEnterprises(ctx, enterprise.Query{Limit: 500, Offset: offset})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			counts["enterprises"]++
			lines = append(lines, fmt.Sprintf("E|%s|%s|%s|%s|%s|%s|%d|%s|%s|%s", r.Code, r.NameZH, r.NameEN, r.Division, r.Industry,
				r.Status, r.RegisteredCapital, r.FoundedOn.Format(time.DateOnly), r.Address, r.LegalRepMasked))
			fs, err := st.QueryFacts(ctx, facts.Query{EnterpriseID: r.ID, Limit: 100000})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range fs {
				if f.Item == ingest.ItemShareholders {
					counts["shareholders"]++
					continue
				}
				counts["facts"]++
				lines = append(lines, "F|"+factKey(r.Code, f))
			}
			ls, err := st.LoansOf(ctx, r.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range ls {
				counts["loans"]++
				lines = append(lines, fmt.Sprintf("L|%s|%s|%s|%d|%d|%d|%s|%s|%s|%s|%d|%s|%s", r.Code, l.Lender, l.ContractNo, l.AmountFen,
					l.RateBP, l.TermMonths, l.Guarantee, day(l.StartOn), day(l.MaturityOn), l.Status, l.MaxDaysOverdue,
					day(l.DefaultedOn), day(l.RepaidOn)))
			}
		}
		if len(rs) < 500 {
			break
		}
	}
	slices.Sort(lines)
	h := sha256.New()
	for _, l := range lines {
		h.Write([]byte(l + "\n"))
	}
	return hex.EncodeToString(h.Sum(nil)), counts
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

func testRegionComplete(t *testing.T, backendName string) {
	ctx := context.Background()
	g, err := synth.New(synth.Config{Enterprises: 80, Seed: 11, Months: 6})
	if err != nil {
		t.Fatal(err)
	}
	var bundles []synth.Bundle
	holders := 0
	if err := g.Each(ctx, func(b synth.Bundle) error {
		bundles = append(bundles, b)
		holders += len(b.Profile.Shareholders)
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// What the seed loader stores.
	seeded := openStore(t, backendName)
	if _, err := seed.Run(ctx, g, seed.Options{Store: seeded, Enterprises: &enterprise.Service{Repo: seeded, Seal: newSealer(t)}}); err != nil {
		t.Fatal(err)
	}
	wantDigest, wantCounts := contentDigest(t, seeded)
	seededFacts, _ := seeded.CountFacts(ctx)

	// Every clean file ingested into an empty database.
	dir, m := writeFiles(t, bundles, -1)
	st := openStore(t, backendName)
	svc := &enterprise.Service{Repo: st, Seal: newSealer(t)}
	kinds := map[string]int{}
	var results []ingest.Result
	var warnings, measureRows int64
	for _, mf := range ingestOrder(m) {
		ds, err := ingest.FromManifest(mf)
		if err != nil {
			t.Fatalf("%s: %v", mf.Path, err)
		}
		res, err := ingest.File(ctx, st, ds, filepath.Join(dir, mf.Path), ingest.Options{Enterprises: svc})
		if err != nil {
			t.Fatalf("%s: %v", mf.Path, err)
		}
		if res.Bad != 0 || res.OK != int64(mf.Rows) {
			t.Errorf("%s: %d ok, %d bad of %d rows: %+v", mf.Path, res.OK, res.Bad, mf.Rows, res.Problems[:min(3, len(res.Problems))])
		}
		for _, p := range res.Problems {
			if p.Severity() != ingest.SeverityWarning {
				t.Errorf("%s row %d: clean row refused: %s", mf.Path, p.Row, p.Code)
			}
		}
		warnings += res.Warnings
		if mf.RowKind == ingest.KindMeasure {
			measureRows += int64(mf.Rows)
		}
		kinds[mf.RowKind]++
		results = append(results, res)
	}
	for _, k := range []string{"profile", "shareholder", "measure", "fact", "loan"} {
		if kinds[k] == 0 {
			t.Fatalf("the region has no %s file: %v", k, kinds)
		}
	}
	gotDigest, gotCounts := contentDigest(t, st)
	if gotCounts["shareholders"] != holders {
		t.Errorf("%d shareholder facts stored, the region has %d shareholders", gotCounts["shareholders"], holders)
	}
	delete(gotCounts, "shareholders")
	if gotDigest != wantDigest || fmt.Sprint(gotCounts) != fmt.Sprint(wantCounts) {
		t.Fatalf("ingested content differs from the seed loader's: %v %s, seed %v %s", gotCounts, gotDigest, wantCounts, wantDigest)
	}
	allFacts, _ := st.CountFacts(ctx)
	if allFacts-int64(holders) != seededFacts {
		t.Errorf("%d facts (all versions) stored besides shareholders, the seed loader stores %d", allFacts-int64(holders), seededFacts)
	}
	// Personal data: shareholders' identity numbers only sealed and masked.
	for _, b := range bundles[:5] {
		e, _ := st.EnterpriseByCode(ctx, b.Profile.Code)
		fs, _ := st.QueryFacts(ctx, facts.Query{EnterpriseID: e.ID, Item: ingest.ItemShareholders})
		for _, f := range fs {
			for _, h := range b.Profile.Shareholders {
				if h.Natural && (strings.Contains(f.Detail+f.Text+f.Ref, h.IDNumber) || strings.Contains(f.Detail+f.Text+f.Ref, h.Name)) {
					t.Fatalf("a shareholder's identity is stored in clear: %+v", f)
				}
			}
		}
	}
	t.Logf("%s: %d files ingested (%v), %v, digest %s equals the seed loader's", backendName, len(results), kinds, gotCounts, gotDigest[:16])
	// Warnings on clean rows are false alarms: stored, but a department
	// asked to confirm a true value. They must stay rare.
	t.Logf("%s: %d warnings on %d clean measure rows", backendName, warnings, measureRows)
	if warnings*200 > measureRows {
		t.Errorf("%d warnings on %d clean measure rows: over 0.5 %%", warnings, measureRows)
	}

	// The same files again: every batch already loaded, nothing changes.
	for _, mf := range ingestOrder(m) {
		ds, _ := ingest.FromManifest(mf)
		res, err := ingest.File(ctx, st, ds, filepath.Join(dir, mf.Path), ingest.Options{Enterprises: svc})
		if err != nil || !res.AlreadyLoaded {
			t.Fatalf("%s again: %+v %v", mf.Path, res, err)
		}
	}
	// Re-sent snapshot and loan files with other bytes (a trailing blank
	// line): new batches whose rows all repeat what is stored.
	for _, mf := range m.Files {
		if mf.RowKind != ingest.KindProfile && mf.RowKind != ingest.KindShareholder && mf.RowKind != ingest.KindLoan {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, mf.Path))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(t.TempDir(), filepath.Base(mf.Path))
		if err := os.WriteFile(p, append(b, "\r\n"...), 0o600); err != nil {
			t.Fatal(err)
		}
		ds, _ := ingest.FromManifest(mf)
		res, err := ingest.File(ctx, st, ds, p, ingest.Options{Enterprises: svc})
		if err != nil || res.AlreadyLoaded || res.Unchanged != int64(mf.Rows) || res.Facts+res.Loans+res.Registered+res.Updated != 0 {
			t.Fatalf("%s re-sent: %+v %v", mf.Path, res, err)
		}
	}
	if again, counts := contentDigest(t, st); again != gotDigest || counts["shareholders"] != holders {
		t.Fatalf("re-ingesting changed the content: %v", counts)
	}
	if n, _ := st.CountFacts(ctx); n != allFacts {
		t.Fatalf("re-ingesting added facts: %d → %d", allFacts, n)
	}

	// A dirty copy of the region: every dirty row is reported, no clean
	// row is refused.
	testDirtyRegion(t, backendName, bundles, svc.Seal)
}

func testDirtyRegion(t *testing.T, backendName string, bundles []synth.Bundle, sealer *keys.Sealer) {
	ctx := context.Background()
	dir, m := writeFiles(t, bundles, 0.04)
	st := openStore(t, backendName)
	svc := &enterprise.Service{Repo: st, Seal: sealer}
	var dirtyTotal, warned, cleanWarned int
	// Profile rows first: a registration whose row is dirty is refused,
	// and the enterprise's other rows are then "not registered".
	unregistered := map[string]bool{}
	for _, b := range bundles {
		unregistered[b.Profile.Code] = true
	}
	for _, mf := range ingestOrder(m) {
		ds, err := ingest.FromManifest(mf)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ingest.File(ctx, st, ds, filepath.Join(dir, mf.Path), ingest.Options{Enterprises: svc})
		if err != nil {
			t.Fatalf("%s: %v", mf.Path, err)
		}
		if mf.RowKind == ingest.KindProfile {
			for code := range unregistered {
				if _, err := st.EnterpriseByCode(ctx, code); err == nil {
					delete(unregistered, code)
				}
			}
		}
		reported := map[int]ingest.Problem{}
		for _, p := range res.Problems {
			reported[p.Row] = p
		}
		dirty := map[int]bool{}
		for _, d := range mf.Dirty {
			dirtyTotal++
			dirty[d.Row] = true
			if p, ok := reported[d.Row]; ok {
				if p.Severity() == ingest.SeverityWarning {
					warned++
				}
				continue
			}
			t.Errorf("%s row %d: dirty row (%s %s %s) not in the error report", mf.Path, d.Row, d.Kind, d.Column, d.Note)
		}
		var warnings int64
		for _, p := range res.Problems {
			if p.Severity() == ingest.SeverityWarning {
				warnings++
			}
			if dirty[p.Row] || p.Code == "ingest.not_registered" && unregistered[p.Value] {
				continue
			}
			if p.Severity() == ingest.SeverityWarning {
				cleanWarned++
				continue
			}
			t.Errorf("%s row %d: clean row refused: %s %q %q %s", mf.Path, p.Row, p.Code, p.Column, p.Value, p.Detail)
		}
		if warnings != res.Warnings || res.Bad+warnings != int64(len(res.Problems))+res.ProblemsDropped {
			t.Errorf("%s: %d warnings listed, %d counted; %d bad; %d problems", mf.Path, warnings, res.Warnings, res.Bad, len(res.Problems))
		}
		if len(res.Problems) > 0 {
			var buf bytes.Buffer
			if err := ingest.WriteReport(&buf, res.Problems); err != nil {
				t.Fatal(err)
			}
			for _, p := range res.Problems {
				if en, zh := p.Reason(); en == p.Code || zh == p.Code || strings.Contains(en+zh, "{") {
					t.Errorf("%s row %d: no reason for %s: %q %q", mf.Path, p.Row, p.Code, en, zh)
				}
			}
		}
	}
	if dirtyTotal < 20 {
		t.Fatalf("only %d dirty rows", dirtyTotal)
	}
	t.Logf("%s: %d dirty rows, all reported (%d as warnings: stored, to be confirmed); %d warnings on clean rows",
		backendName, dirtyTotal, warned, cleanWarned)
}

// TestFileInCallersTransaction ingests monthly files inside a transaction
// the caller holds (as a job runner does) and outside one: the same rows
// are stored and the same rows refused, the unit check included (its
// history is then read in the transaction, one query at a time).
func TestFileInCallersTransaction(t *testing.T) {
	t.Parallel()
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			inTx, plain := newRegion(t, b, 40, 0.05), newRegion(t, b, 40, 0.05)
			var files []deptfiles.File
			for _, f := range inTx.m.Files {
				if f.Department == "hrss" && f.RowKind == ingest.KindMeasure && f.Version == 1 {
					files = append(files, f)
				}
			}
			slices.SortFunc(files, func(a, b deptfiles.File) int { return strings.Compare(a.Period, b.Period) })
			if len(files) < 4 {
				t.Fatalf("%d monthly files", len(files))
			}
			o := ingest.Options{ChunkRows: 7}
			for _, mf := range files {
				ds, err := ingest.FromManifest(mf)
				if err != nil {
					t.Fatal(err)
				}
				var a ingest.Result
				if err := inTx.st.InTx(ctx, func(tx store.Store) error {
					a, err = ingest.File(ctx, tx, ds, inTx.path(mf), o)
					return err
				}); err != nil {
					t.Fatalf("%s in a transaction: %v", mf.Path, err)
				}
				z, err := ingest.File(ctx, plain.st, ds, plain.path(mf), o)
				if err != nil {
					t.Fatal(err)
				}
				problems := func(r ingest.Result) string {
					var b strings.Builder
					for _, p := range r.Problems {
						fmt.Fprintf(&b, "%d:%s ", p.Row, p.Code)
					}
					return b.String()
				}
				if a.OK != z.OK || a.Facts != z.Facts || problems(a) != problems(z) {
					t.Fatalf("%s: in a transaction %d ok, %d facts, %s; outside %d ok, %d facts, %s", mf.Path, a.OK, a.Facts,
						problems(a), z.OK, z.Facts, problems(z))
				}
			}
		})
	}
}
