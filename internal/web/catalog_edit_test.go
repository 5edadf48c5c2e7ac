package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"

	"github.com/creditbridge/creditbridge/internal/catalog"
)

// itemForm is the form the edit page posts for v, with a reason.
func itemForm(csrf string, it catalog.Item, base, reason string) url.Values {
	v := url.Values{"csrf_token": {csrf}, "code": {it.Code}, "name_zh": {it.NameZH}, "name_en": {it.NameEN},
		"category": {string(it.Category)}, "department": {it.Department}, "shape": {string(it.Shape)}, "unit": {it.Unit},
		"frequency": {it.Frequency}, "sharing": {string(it.Sharing)}, "disclosure": {string(it.Disclosure)},
		"grade": {strconv.Itoa(it.Grade)}, "legal_basis": {it.LegalBasis},
		"effective_from": {it.EffectiveFrom}, "effective_to": {it.EffectiveTo}, "note": {it.Note}, "reason": {reason}}
	if base != "" {
		v.Set("base_version", base)
	}
	if it.Personal {
		v.Set("personal", "1")
	}
	for _, m := range it.Modes {
		v.Add("modes", string(m))
	}
	return v
}

var baseRE = regexp.MustCompile(`name="base_version" value="(\d+)"`)

// TestCatalogEditFlow edits an item through the page, then submits a
// second edit based on the version the first one replaced: it is refused
// as stale, says so, keeps what is stored, and offers the current version.
// Invalid fields come back with their messages next to them.
func TestCatalogEditFlow(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	ctx := context.Background()
	b := s.browser(t, "zh-CN")
	b.mustSignIn("admin")
	csrf := b.csrf()

	p := b.get("/catalog/tax.vat_sales")
	expect(t, "item page", p, http.StatusOK, []string{`href="/catalog/tax.vat_sales/edit"`}, nil)
	p = b.get("/catalog/tax.vat_sales/edit")
	expect(t, "edit form", p, http.StatusOK, []string{`name="base_version" value="1"`, `name="reason"`, `value="增值税应税销售额"`,
		`<option value="tax" selected>`, `value="physical" checked`}, nil)
	if m := baseRE.FindStringSubmatch(p.body); m == nil || m[1] != "1" {
		t.Fatal("the edit form carries no base version 1")
	}
	cur, err := s.items.Get(ctx, "tax.vat_sales")
	if err != nil {
		t.Fatal(err)
	}

	// Two administrators opened version 1; the first saves.
	first := cur.Item
	first.NameEN = "VAT taxable sales (declared)"
	p = b.do(http.MethodPost, "/catalog/tax.vat_sales/edit", itemForm(csrf, first, "1", "名称与申报表一致"))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/catalog/tax.vat_sales?saved=2" {
		t.Fatalf("save: %d → %q\n%s", p.status, p.header.Get("Location"), excerpt(p.body))
	}
	expect(t, "saved", b.get("/catalog/tax.vat_sales?saved=2"), http.StatusOK, []string{"已保存为第 2 版。", "名称与申报表一致"}, nil)

	// The second, still on version 1, is refused and overwrites nothing.
	second := cur.Item
	second.Note = "another note"
	p = b.do(http.MethodPost, "/catalog/tax.vat_sales/edit", itemForm(csrf, second, "1", "补充说明"))
	expect(t, "stale", p, http.StatusConflict, []string{"该信息项已被他人修改，请刷新后重试。", "当前为第 2 版", "another note", `value="补充说明"`,
		`name="base_version" value="1"`, `href="/catalog/tax.vat_sales/edit"`}, nil)
	now, err := s.items.Get(ctx, "tax.vat_sales")
	if err != nil {
		t.Fatal(err)
	}
	if now.Version != 2 || now.NameEN != first.NameEN || now.Note == "another note" {
		t.Fatalf("after the stale save the item is v%d %q %q; want v2 as the first save left it", now.Version, now.NameEN, now.Note)
	}

	// Invalid fields and no reason: every message next to its field, in
	// the reader's language; nothing stored.
	bad := now.Item
	bad.Grade, bad.Personal, bad.EffectiveFrom = 2, true, "2026-13-01"
	p = b.do(http.MethodPost, "/catalog/tax.vat_sales/edit", itemForm(csrf, bad, "2", " "))
	expect(t, "invalid zh", p, http.StatusBadRequest, []string{"含个人信息的信息项应定为 L3 或 L4 级。", "日期应类似 2026-01-01，而不是“2026-13-01”。",
		"请说明修改原因。", `class="field field-invalid"`}, nil)
	en := s.browser(t, "en")
	en.mustSignIn("admin")
	p = en.do(http.MethodPost, "/catalog/tax.vat_sales/edit", itemForm(en.csrf(), bad, "2", "x"))
	expect(t, "invalid en", p, http.StatusBadRequest, []string{"An item with personal information must be graded L3 or L4.",
		"The date must look like 2026-01-01, not &#34;2026-13-01&#34;."}, []string{"请说明修改原因。"})
	if v, _ := s.items.Get(ctx, "tax.vat_sales"); v.Version != 2 {
		t.Fatalf("an invalid edit stored version %d", v.Version)
	}
}

func TestCatalogCreateAndPermissions(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	b := s.browser(t, "zh-CN")
	b.mustSignIn("admin")
	csrf := b.csrf()
	expect(t, "list", b.get("/catalog"), http.StatusOK, []string{`href="/catalog/new"`, `href="/catalog/import"`}, nil)
	expect(t, "new form", b.get("/catalog/new"), http.StatusOK, []string{`action="/catalog/new"`, `name="code"`}, []string{`name="base_version"`})
	it := catalog.Item{Code: "tax.refund", NameZH: "出口退税额", NameEN: "Export tax refund", Category: catalog.CatTax, Department: "tax",
		Shape: "measure", Unit: "fen", Frequency: "monthly", Modes: []catalog.Mode{catalog.ModePhysical, catalog.ModeVerification},
		Sharing: catalog.Conditional, Disclosure: catalog.OnApplication, Grade: 3, LegalBasis: "《中华人民共和国税收征收管理法》", EffectiveFrom: "2027-01-01"}
	p := b.do(http.MethodPost, "/catalog/new", itemForm(csrf, it, "", "新增出口退税信息项"))
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/catalog/tax.refund?saved=1" {
		t.Fatalf("create: %d → %q\n%s", p.status, p.header.Get("Location"), excerpt(p.body))
	}
	v, err := s.items.Get(context.Background(), "tax.refund")
	if err != nil || v.Version != 1 || v.Grade != 3 || len(v.Modes) != 2 || v.AuthorName != "admin" || v.Reason != "新增出口退税信息项" {
		t.Fatalf("created item: %+v, %v", v, err)
	}
	p = b.do(http.MethodPost, "/catalog/new", itemForm(csrf, it, "", "again"))
	expect(t, "code taken", p, http.StatusConflict, []string{"共享清单中已有信息项 tax.refund，请修改该项。"}, nil)

	bank := s.browser(t, "en")
	bank.mustSignIn("bank")
	expect(t, "bank list", bank.get("/catalog"), http.StatusOK, nil, []string{`href="/catalog/new"`})
	expect(t, "bank edit form", bank.get("/catalog/tax.vat_sales/edit"), http.StatusForbidden,
		[]string{"Only an operator administrator may change the catalogue."}, nil)
	p = bank.do(http.MethodPost, "/catalog/tax.vat_sales/edit", itemForm(bank.csrf(), it, "1", "x"))
	expect(t, "bank save", p, http.StatusForbidden, nil, nil)
}

// upload posts a file to the import form.
func (b *browser) upload(csrf, name string, data []byte, reason string) page {
	b.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf_token", csrf)
	_ = w.WriteField("reason", reason)
	fw, err := w.CreateFormFile("file", name)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = w.Close()
	req, err := http.NewRequest(http.MethodPost, b.s.srv.URL+"/catalog/import", &body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Accept-Language", b.lang)
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

// TestCatalogImportPage uploads an edited JSON export and the XLSX export
// through the page, and a broken file that changes nothing.
func TestCatalogImportPage(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	ctx := context.Background()
	b := s.browser(t, "zh-CN")
	b.mustSignIn("admin")
	csrf := b.csrf()
	expect(t, "import form", b.get("/catalog/import"), http.StatusOK, []string{`enctype="multipart/form-data"`,
		`href="/api/v1/catalog/export?format=xlsx"`, `href="/api/v1/catalog/export?format=json"`}, nil)

	raw, err := s.items.ExportJSON(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var doc catalog.Document
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	doc.Items[0].NameEN += " (edited)"
	edited, _ := json.Marshal(doc)
	p := b.upload(csrf, "catalogue.json", edited, "年度复核")
	expect(t, "json import", p, http.StatusOK, []string{"导入完成：新增 0 项，修改 1 项", `href="/catalog/` + doc.Items[0].Code + `"`}, nil)
	if v, _ := s.items.Get(ctx, doc.Items[0].Code); v.Version != 2 || v.Reason != "年度复核" {
		t.Fatalf("after the import %s is v%d (%q)", v.Code, v.Version, v.Reason)
	}

	xlsx, err := s.items.ExportXLSX(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p = b.upload(csrf, "catalogue.xlsx", xlsx, "")
	expect(t, "xlsx import of the current catalogue", p, http.StatusOK, []string{"新增 0 项，修改 0 项"}, nil)

	doc.Items[1].Grade = 7
	broken, _ := json.Marshal(doc)
	en := s.browser(t, "en")
	en.mustSignIn("admin")
	p = en.upload(en.csrf(), "catalogue.json", broken, "")
	expect(t, "broken import", p, http.StatusBadRequest, []string{"The import has 1 problems; nothing was changed.",
		"items[1].grade: The data grade must be 1 to 4 (L1-L4), not &#34;7&#34;."}, nil)
	if v, _ := s.items.Get(ctx, doc.Items[1].Code); v.Version != 1 {
		t.Fatalf("a refused import changed %s to v%d", v.Code, v.Version)
	}
}
