package deptsim

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// writeFiles writes the test region as department files.
func writeFiles(t *testing.T, rate float64) (string, deptfiles.Manifest) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "files")
	w, err := deptfiles.NewWriter(deptfiles.Options{Dir: dir, Province: "32", Seed: 5, DirtyRate: rate})
	if err != nil {
		t.Fatal(err)
	}
	g, err := synth.New(region)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Each(context.Background(), func(b synth.Bundle) error { return w.Add(b) }); err != nil {
		t.Fatal(err)
	}
	m, err := w.Close()
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

// canonical re-encodes records so that the key order and number spelling
// of details do not matter.
func canonical(t *testing.T, rs []Record) string {
	t.Helper()
	var out []string
	for _, r := range rs {
		var d any
		if len(r.Detail) > 0 {
			if err := json.Unmarshal(r.Detail, &d); err != nil {
				t.Fatal(err)
			}
		}
		b, _ := json.Marshal(d)
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%s", r.Period, r.Value, r.Text, r.Ref, r.EndsOn, b))
	}
	return strings.Join(out, "\n")
}

// A clean region's files answer exactly as generating the region does, for
// every enterprise, department and item.
func TestDataAnswersAsTheGeneratedRegion(t *testing.T) {
	t.Parallel()
	dir, m := writeFiles(t, -1)
	if m.DirtyRows != 0 || len(m.Interface) != 6 {
		t.Fatalf("dirty rows %d, interface tables %d", m.DirtyRows, len(m.Interface))
	}
	ctx := context.Background()
	gen, err := New(ctx, Options{Region: region, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	files, err := New(ctx, Options{Data: dir, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := len(files.Codes()), len(gen.Codes()); got != want {
		t.Fatalf("%d enterprises from the files, %d generated", got, want)
	}
	if st := files.Stats(); st.DataRows == 0 || st.SkippedRows != 0 {
		t.Fatalf("stats %+v", st)
	}
	gs, fs := httptest.NewServer(gen.Handler()), httptest.NewServer(files.Handler())
	defer gs.Close()
	defer fs.Close()
	hdr := map[string]string{"X-API-Key": "k"}
	compared, nonEmpty := 0, map[string]bool{}
	for _, code := range gen.Codes()[:40] {
		for item := range gen.units {
			dept := deptOf(item)
			path := "/api/" + dept + "/v1/enterprises/" + code + "/items/" + item
			s1, a1 := get(t, gs.URL+path, hdr)
			s2, a2 := get(t, fs.URL+path, hdr)
			if s1 != 200 || s2 != 200 {
				t.Fatalf("%s: status %d generated, %d from files", path, s1, s2)
			}
			if c1, c2 := canonical(t, a1.Data.Records), canonical(t, a2.Data.Records); c1 != c2 {
				t.Fatalf("%s differs:\ngenerated:\n%s\nfrom files:\n%s", path, c1, c2)
			}
			if len(a1.Data.Records) > 0 {
				nonEmpty[item] = true
			}
			compared++
		}
	}
	for _, it := range deptfiles.InterfaceItems() {
		if !nonEmpty[it.Code] && it.Code != ItemConsumption && it.Code != ItemMovableMortgage {
			t.Errorf("no enterprise has %s: the comparison proves little", it.Code)
		}
	}
	if len(nonEmpty) < 15 {
		t.Errorf("only %d items had records", len(nonEmpty))
	}
	// A date range filters alike.
	code := gen.Codes()[3]
	q := "/api/tax/v1/enterprises/" + code + "/items/vat_sales?from=2025-01-01&to=2025-06-30"
	_, a1 := get(t, gs.URL+q, hdr)
	_, a2 := get(t, fs.URL+q, hdr)
	if canonical(t, a1.Data.Records) != canonical(t, a2.Data.Records) {
		t.Fatalf("range answers differ")
	}
	t.Logf("%d answers compared, %d items with records", compared, len(nonEmpty))
}

// Dirty rows are skipped and counted: exactly those the manifest lists.
func TestDataSkipsDirtyRows(t *testing.T) {
	t.Parallel()
	dir, m := writeFiles(t, 0.02)
	if m.DirtyRows == 0 {
		t.Fatal("no dirty rows written")
	}
	s, err := New(context.Background(), Options{Data: dir, APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	var tableRows int64
	for _, tb := range m.Interface {
		tableRows += int64(tb.Rows)
	}
	if st.SkippedRows != int64(m.DirtyRows) || st.DataRows != int64(m.DataRows)+tableRows {
		t.Fatalf("stats %+v, manifest: %d data rows (+%d in interface tables), %d dirty", st, m.DataRows, tableRows, m.DirtyRows)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	_, body := getRaw(t, srv.URL+"/_sim/stats")
	if !bytes.Contains(body, []byte(fmt.Sprintf(`"skipped_rows":%d`, m.DirtyRows))) {
		t.Fatalf("/_sim/stats: %s", body)
	}
}

func getRaw(t *testing.T, url string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func TestDataErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	empty := t.TempDir()
	notJSON := t.TempDir()
	if err := os.WriteFile(filepath.Join(notJSON, deptfiles.ManifestName), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	real := t.TempDir()
	if err := os.WriteFile(filepath.Join(real, deptfiles.ManifestName), []byte(`{"synthetic":false,"files":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	changed, m := writeFiles(t, -1)
	if err := os.WriteFile(filepath.Join(changed, filepath.FromSlash(m.Files[0].Path)), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ name, dir, want string }{
		{"missing", filepath.Join(empty, "nope"), "does not exist"},
		{"no manifest", empty, "has no manifest.json"},
		{"bad manifest", notJSON, "not a department-files manifest"},
		{"not synthetic", real, "synthetic regions only"},
		{"changed file", changed, "was changed after it was written"},
	} {
		_, err := New(ctx, Options{Data: c.dir, APIKey: "k"})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}
