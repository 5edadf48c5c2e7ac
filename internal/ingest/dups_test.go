package ingest_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

// TestDuplicatesFarApart: a copy of a row far beyond the exact window is
// still found (by the fixed-size filter and the batch's stored facts),
// with the same report as a copy found in the window, and nothing of it
// is stored twice.
func TestDuplicatesFarApart(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b, func(t *testing.T) {
			ctx := context.Background()
			r := newRegion(t, b, 60, 0)
			mf := r.file(t, func(f deptfiles.File) bool { return f.Department == "water" && f.Version <= 1 })
			raw, err := os.ReadFile(r.path(mf))
			if err != nil {
				t.Fatal(err)
			}
			lines := strings.SplitAfter(strings.TrimRight(string(raw), "\n"), "\n")
			if !strings.HasSuffix(lines[len(lines)-1], "\n") {
				lines[len(lines)-1] += "\n"
			}
			firstData, lastData := mf.HeaderRow+1, len(lines)
			if lastData-firstData < 20 {
				t.Fatalf("only %d data rows", lastData-firstData+1)
			}
			// The first data row again at the end, the last data row again
			// right after itself.
			body := strings.Join(lines, "") + lines[firstData-1] + lines[lastData-1]
			run := func(name string, window int) ingest.Result {
				path := filepath.Join(t.TempDir(), name+".csv")
				if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
					t.Fatal(err)
				}
				ds, err := ingest.FromManifest(mf)
				if err != nil {
					t.Fatal(err)
				}
				res, err := ingest.File(ctx, r.st, ds, path, ingest.Options{BatchID: name, ChunkRows: 2, DupWindow: window, NoUnitCheck: true})
				if err != nil {
					t.Fatal(err)
				}
				return res
			}
			// Window 8 (4 chunks): the far copy goes through the filter
			// and the store; window 100000: everything is exact.
			far := run("far", 8)
			if far.Duplicates != 2 || far.Bad != 2 || len(far.Problems) != 2 {
				t.Fatalf("far: %+v %+v", far, far.Problems)
			}
			got := map[int]int{}
			for _, p := range far.Problems {
				if p.Code != "ingest.duplicate" {
					t.Fatalf("problem %+v", p)
				}
				got[p.Row] = p.Of
			}
			if got[lastData+1] != firstData || got[lastData+2] != lastData {
				t.Fatalf("duplicates reported %v, want row %d of %d and row %d of %d", got, lastData+1, firstData, lastData+2, lastData)
			}
			// With an exact window the result is the same (on a fresh
			// region: the same content is already loaded in the first).
			r2 := newRegion(t, b, 60, 0)
			r.st = r2.st
			exact := run("exact", 100_000)
			if exact.Duplicates != far.Duplicates || exact.Facts != far.Facts || exact.OK != far.OK {
				t.Fatalf("exact window %+v, far window %+v", exact, far)
			}
			if far.Facts == 0 || far.OK != int64(lastData-firstData+1) {
				t.Fatalf("stored %d facts from %d rows", far.Facts, far.OK)
			}
		})
	}
}
