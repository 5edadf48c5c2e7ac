package catalog_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

// importRig is the catalogue service on a SQLite store holding the
// default catalogue.
func importRig(t testing.TB) *catalog.Service {
	st := scratch.Open(t, "sqlite")
	s := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := s.LoadDefaults(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

var importer = access.Principal{UserID: 1, Username: "admin", Role: "operator_admin"}

// fuzzImport checks what every import promises, whatever the file: it
// is applied, or refused with a coded error and the catalogue exactly as
// it was (nothing half-written).
func fuzzImport(t *testing.T, s *catalog.Service, imp func(context.Context, access.Principal, []byte, string) (catalog.ImportResult, error), data []byte) {
	ctx := context.Background()
	before, err := s.ExportJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, err = imp(ctx, importer, data, "fuzz")
	if err == nil {
		return
	}
	if _, ok := fault.As(err); !ok {
		t.Fatalf("error without a fault code: %v", err)
	}
	after, err := s.ExportJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(itemsOf(t, before), itemsOf(t, after)) {
		t.Fatal("a refused import changed the catalogue")
	}
}

// itemsOf is an export's items (what it says besides them is the time
// of the export).
func itemsOf(t *testing.T, export []byte) []byte {
	var doc struct {
		Items json.RawMessage `json:"items"`
	}
	if err := json.Unmarshal(export, &doc); err != nil || len(doc.Items) == 0 {
		t.Fatalf("export without items: %v", err)
	}
	return doc.Items
}

func FuzzImportJSON(f *testing.F) {
	s := importRig(f)
	doc, err := s.ExportJSON(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(doc)
	f.Add(doc[:len(doc)/2])
	f.Add([]byte(strings.Replace(string(doc), `"grade": 2`, `"grade": 9`, 1)))
	f.Add([]byte(strings.Replace(string(doc), `"name_zh": "`, `"name_zh": "`+"\xff", 1)))
	f.Add([]byte(strings.Replace(string(doc), `"items": [`, `"extra": 1, "items": [`, 1)))
	f.Add([]byte(`{"format":"creditbridge.catalog/v1","items":[{"code":"tax.paid_total"}]}`))
	f.Add([]byte(`{"format":"other","items":[]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, s, s.ImportJSON, data) })
}

func FuzzImportXLSX(f *testing.F) {
	s := importRig(f)
	book, err := s.ExportXLSX(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(book)
	f.Add(book[:len(book)/2])
	flipped := bytes.Clone(book)
	flipped[len(flipped)/3] ^= 0x55
	f.Add(flipped)
	f.Add([]byte("PK\x03\x04 not really"))
	f.Add([]byte("代码 Code,名称\n"))
	f.Fuzz(func(t *testing.T, data []byte) { fuzzImport(t, s, s.ImportXLSX, data) })
}
