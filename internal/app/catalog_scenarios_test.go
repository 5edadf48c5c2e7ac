package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
)

type catalogList struct {
	Items []catalog.Version `json:"items"`
	Total int               `json:"total"`
}

// TestCatalogAPI walks the catalogue through the API: the default
// catalogue on first start, reads for every signed-in principal, edits by
// the operator administrator only, versions with evidence, stale and
// invalid edits refused, JSON and XLSX export and re-import.
func TestCatalogAPI(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	admin, analyst := w.actors["operator_admin"], w.actors["operator_analyst"]
	xlsxHdr := map[string]string{"Content-Type": catalog.XLSXContentType}
	get := func(path string, a actor, status int) []byte {
		t.Helper()
		rec := do(t, w.h, "GET", path, a, "", nil)
		if rec.Code != status {
			t.Fatalf("GET %s = %d, want %d: %s", path, rec.Code, status, truncate(rec.Body.String()))
		}
		return rec.Body.Bytes()
	}
	send := func(method, path string, a actor, body string, hdr map[string]string, status int, contains ...string) string {
		t.Helper()
		rec := do(t, w.h, method, path, a, body, hdr)
		if rec.Code != status {
			t.Fatalf("%s %s = %d, want %d: %s", method, path, rec.Code, status, truncate(rec.Body.String()))
		}
		for _, c := range contains {
			if !strings.Contains(rec.Body.String(), c) {
				t.Fatalf("%s %s: body lacks %q: %s", method, path, c, truncate(rec.Body.String()))
			}
		}
		return rec.Body.String()
	}
	entries := func(action string) []audit.Entry {
		t.Helper()
		es, err := w.n.Store.ListAudit(ctx, audit.Filter{Action: action, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	var all catalogList
	if err := json.Unmarshal(get("/api/v1/catalog", analyst, 200), &all); err != nil {
		t.Fatal(err)
	}
	if len(all.Items) < 40 || all.Total != len(all.Items) {
		t.Fatalf("catalogue lists %d items (total %d), want at least 40", len(all.Items), all.Total)
	}
	if es := entries("catalog.load_defaults"); len(es) != 1 || es[0].ActorName != "system" {
		t.Fatalf("default catalogue evidence = %+v, want one entry by the system", es)
	}
	for _, as := range []string{"institution_officer", "enterprise_admin", "auditor", "apikey"} {
		get("/api/v1/catalog/tax.vat_sales", w.actors[as], 200)
	}
	get("/api/v1/catalog", actor{}, 401)
	var tax catalogList
	if err := json.Unmarshal(get("/api/v1/catalog?category=tax", admin, 200), &tax); err != nil {
		t.Fatal(err)
	}
	for _, v := range tax.Items {
		if v.Category != catalog.CatTax {
			t.Fatalf("category filter returned %s (%s)", v.Code, v.Category)
		}
	}
	send("GET", "/api/v1/catalog?category=misc", admin, "", nil, 400, "catalog.category")
	send("GET", "/api/v1/catalog/tax.nothing", admin, "", nil, 404, "catalog.not_found")

	var cur catalog.Version
	if err := json.Unmarshal(get("/api/v1/catalog/tax.vat_sales", admin, 200), &cur); err != nil {
		t.Fatal(err)
	}
	if cur.Version != 1 || cur.AuthorName != "system" {
		t.Fatalf("default item = %+v, want version 1 by the system", cur)
	}
	update := func(it catalog.Item, base int, reason string) string {
		b, err := json.Marshal(map[string]any{"item": it, "base_version": base, "reason": reason})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	changed := cur.Item
	changed.Grade = 4
	changed.Note = "graded higher after review"
	send("PUT", "/api/v1/catalog/tax.vat_sales", analyst, update(changed, 1, "复核"), nil, 403, "catalog.edit_forbidden")
	send("PUT", "/api/v1/catalog/tax.vat_sales", admin, update(changed, 1, " "), nil, 400, "catalog.reason_required")
	send("PUT", "/api/v1/catalog/tax.vat_sales", admin, update(changed, 1, "数据分级复核：就高从严"), nil, 200, `"version":2`, `"grade":4`, `"author_name":"operator_admin"`)
	es := entries("catalog.update")
	if len(es) != 1 || !slices.Equal(es[0].Items, []string{"tax.vat_sales"}) || !strings.Contains(es[0].Detail, "就高从严") {
		t.Fatalf("catalog.update evidence = %+v", es)
	}
	send("PUT", "/api/v1/catalog/tax.vat_sales", admin, update(changed, 1, "again"), nil, 409, "catalog.stale")
	bad := changed
	bad.Grade = 7
	send("PUT", "/api/v1/catalog/tax.vat_sales", admin, update(bad, 2, "x"), map[string]string{"Accept-Language": "en"}, 400,
		`"field":"grade"`, "catalog.grade", "1 to 4")
	send("PUT", "/api/v1/catalog/tax.other", admin, update(changed, 2, "x"), nil, 400, "catalog.code_mismatch")
	var hist catalogList
	if err := json.Unmarshal(get("/api/v1/catalog/tax.vat_sales/versions", w.actors["auditor"], 200), &hist); err != nil {
		t.Fatal(err)
	}
	if len(hist.Items) != 2 || hist.Items[0].Version != 1 || hist.Items[1].Version != 2 || hist.Items[1].Reason != "数据分级复核：就高从严" {
		t.Fatalf("versions = %+v", hist.Items)
	}
	added := changed
	added.Code, added.NameZH, added.NameEN = "tax.stamp_duty", "印花税", "Stamp duty"
	send("PUT", "/api/v1/catalog/tax.stamp_duty", admin, update(added, 0, "新增信息项"), nil, 201, `"version":1`)

	// JSON export, re-imported unchanged, changes nothing.
	exported := string(get("/api/v1/catalog/export?format=json", w.actors["institution_officer"], 200))
	head, err := w.n.Store.AuditHead(ctx)
	if err != nil {
		t.Fatal(err)
	}
	send("POST", "/api/v1/catalog/import", analyst, exported, nil, 403, "catalog.edit_forbidden")
	send("POST", "/api/v1/catalog/import", admin, exported, nil, 200, `"added":[]`, `"changed":[]`)
	if h2, _ := w.n.Store.AuditHead(ctx); h2 != head {
		t.Fatalf("an unchanged import wrote evidence: head %d → %d", head.Seq, h2.Seq)
	}
	// An edited export changes exactly the edited item, as a new version.
	edited := strings.Replace(exported, `"name_en": "Stamp duty"`, `"name_en": "Stamp duty (contracts)"`, 1)
	send("POST", "/api/v1/catalog/import?reason=年度清单修订", admin, edited, nil, 200, `"changed":["tax.stamp_duty"]`)
	if es := entries("catalog.import"); len(es) != 1 || !strings.Contains(es[0].Detail, "年度清单修订") {
		t.Fatalf("catalog.import evidence = %+v", es)
	}
	// One bad item refuses the whole import.
	invalid := strings.Replace(edited, `"grade": 1`, `"grade": 9`, 1)
	send("POST", "/api/v1/catalog/import", admin, invalid, nil, 400, "catalog.import_invalid", "].grade")
	send("POST", "/api/v1/catalog/import", admin, `{"format":"other","items":[]}`, nil, 400, "catalog.import_format")
	send("POST", "/api/v1/catalog/import", admin, "x", map[string]string{"Content-Type": "text/csv"}, 400, "request.import_content_type")

	// XLSX export parses, names its columns in both languages, and
	// re-imports without changes.
	xb := get("/api/v1/catalog/export?format=xlsx", admin, 200)
	f, err := excelize.OpenReader(bytes.NewReader(xb))
	if err != nil {
		t.Fatalf("export is not a workbook: %v", err)
	}
	rows, err := f.GetRows(f.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(all.Items)+2 || rows[0][0] != "代码 Code" || !slices.Contains(rows[0], "数据分级 Data grade") {
		t.Fatalf("workbook has %d rows, header %v; want %d items", len(rows), rows[0], len(all.Items)+1)
	}
	send("POST", "/api/v1/catalog/import", admin, string(xb), xlsxHdr, 200, `"added":[]`, `"changed":[]`)
	// A bad cell is reported by its row, in the user's language.
	gradeCol := slices.Index(rows[0], "数据分级 Data grade")
	cell, _ := excelize.CoordinatesToCellName(gradeCol+1, 3)
	if err := f.SetCellValue(f.GetSheetList()[0], cell, "L9"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	send("POST", "/api/v1/catalog/import", admin, buf.String(),
		map[string]string{"Content-Type": catalog.XLSXContentType, "Accept-Language": "zh-CN"}, 400, `"field":"row 3: grade"`, "数据分级应为 1 至 4")
	send("GET", "/api/v1/catalog/export?format=csv", admin, "", nil, 400, "catalog.export_format")
}
