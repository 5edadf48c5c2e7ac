package ingest_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

func mustSHA(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func completeCode(first17 string) (string, error) {
	c, err := creditcode.Complete(first17)
	return string(c), err
}

// taxCSV is the region's monthly tax dataset read as a plain CSV with a
// header row, and write, which writes rows of it into a file: each row
// gives cells by item or field ("enterprise.code", "fact.period",
// "tax.vat_sales"…); required columns not given hold a name.
func taxCSV(t *testing.T, r *region, name string) (ds ingest.Dataset, write func(file string, rows []map[string]string) string) {
	t.Helper()
	mf := r.file(t, func(f deptfiles.File) bool { return f.Department == "tax" && f.RowKind == ingest.KindMeasure })
	ds, err := ingest.FromManifest(mf)
	if err != nil {
		t.Fatal(err)
	}
	ds.Name, ds.Format, ds.Encoding, ds.HeaderRow, ds.Sheet = name, "csv", "utf-8", 1, ""
	write = func(file string, rows []map[string]string) string {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		head := make([]string, len(ds.Columns))
		for i, c := range ds.Columns {
			head[i] = c.Name
		}
		_ = w.Write(head)
		for _, row := range rows {
			cells := make([]string, len(ds.Columns))
			for i, c := range ds.Columns {
				key := c.Item
				if key == "" {
					key = c.Field
				}
				if v, ok := row[key]; ok {
					cells[i] = v
				} else if c.Required {
					cells[i] = "某公司（模拟）"
				}
			}
			_ = w.Write(cells)
		}
		w.Flush()
		p := filepath.Join(t.TempDir(), file)
		if err := os.WriteFile(p, buf.Bytes(), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	return ds, write
}
