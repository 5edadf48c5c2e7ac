package app_test

import (
	"bytes"
	"context"
	"html"
	"mime/multipart"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// TestRightsPages walks the web UI through an objection and a repair: the
// enterprise files from its data page (with an attachment), the bank's
// page shows the badge, the department corrects from its queue, the
// enterprise reads the outcome, and an approved repair disappears from
// the bank's page.
func TestRightsPages(t *testing.T) {
	t.Parallel()
	w := newRightsWorld(t, "sqlite")
	page := func(who, path string, want int, lang string) string {
		t.Helper()
		rec := do(t, w.h, "GET", path, w.actors[who], "", map[string]string{"Accept-Language": lang})
		if rec.Code != want {
			t.Fatalf("%s GET %s = %d, want %d\n%s", who, path, rec.Code, want, rec.Body)
		}
		return html.UnescapeString(rec.Body.String())
	}
	post := func(who, path string, fields map[string]string, file string, want int) string {
		t.Helper()
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		for k, v := range fields {
			_ = mw.WriteField(k, v)
		}
		if file != "" {
			fw, _ := mw.CreateFormFile("attachments", "回执.txt")
			_, _ = fw.Write([]byte(file))
		}
		_ = mw.Close()
		rec := do(t, w.h, "POST", path, w.actors[who], body.String(), map[string]string{"Content-Type": mw.FormDataContentType(), "Accept-Language": "zh-CN"})
		if rec.Code != want {
			t.Fatalf("%s POST %s = %d, want %d\n%s", who, path, rec.Code, want, rec.Body)
		}
		return rec.Header().Get("Location") + html.UnescapeString(rec.Body.String())
	}
	dataPage := "/enterprises/" + huawei + "/data"

	// The enterprise's data page links each stored record to the form.
	own := page("ent", dataPage, 200, "zh-CN")
	link := "/rights/file?" + url.Values{"item": {"list.abnormal_operation"}, "period": {"2025-01-10"}, "ref": {"深市监异〔2025〕7号"}}.Encode()
	if !strings.Contains(own, link) || !strings.Contains(own, "异议 / 修复") {
		t.Fatalf("data page lacks the filing link %s", link)
	}
	if strings.Contains(page("bank", dataPage+"?purpose=loan_application", 200, "en"), "/rights/file") {
		t.Fatal("the bank's data page links to filing")
	}
	form := page("ent", link, 200, "zh-CN")
	for _, want := range []string{"提交异议", "申请信用修复", "未按规定期限公示年度报告"} {
		if !strings.Contains(form, want) {
			t.Fatalf("filing form lacks %q", want)
		}
	}
	page("bank", link, 403, "en")

	fields := map[string]string{"credit_code": huawei, "item": "list.abnormal_operation", "period": "2025-01-10", "ref": "深市监异〔2025〕7号",
		"reason": "年度报告已按期公示"}
	if loc := post("ent", "/rights/objections", fields, "公示回执", 303); !strings.HasPrefix(loc, "/rights?done=objection") {
		t.Fatalf("filing redirected to %q", loc)
	}
	mine := page("ent", "/rights", 200, "zh-CN")
	if !strings.Contains(mine, "年度报告已按期公示") || !strings.Contains(mine, "处理中") || !strings.Contains(mine, "回执.txt") {
		t.Fatalf("enterprise's page after filing:\n%s", mine)
	}
	if !strings.Contains(page("bank", dataPage+"?purpose=loan_application", 200, "en"), "Under objection") {
		t.Fatal("the bank's data page shows no objection badge")
	}
	// The department's queue offers the decision form and the file.
	queue := page("samr", "/rights", 200, "zh-CN")
	m := regexp.MustCompile(`/rights/objections/(\d+)/decision`).FindStringSubmatch(queue)
	if m == nil {
		t.Fatalf("no decision form in samr's queue:\n%s", queue)
	}
	a := regexp.MustCompile(`/rights/objections/\d+/attachments/\d+`).FindString(queue)
	if rec := do(t, w.h, "GET", a, w.actors["samr"], "", nil); a == "" || rec.Code != 200 || rec.Body.String() != "公示回执" {
		t.Fatalf("attachment %q download: %d %q", a, rec.Code, rec.Body)
	}
	if strings.Contains(page("tax", "/rights", 200, "zh-CN"), "年度报告已按期公示") {
		t.Fatal("the tax bureau sees samr's queue")
	}
	post("samr", "/rights/objections/"+m[1]+"/decision", map[string]string{"decision": "correct", "text": "通过登记的住所无法联系", "reason": "核实后更正"}, "", 303)
	mine = page("ent", "/rights", 200, "zh-CN")
	if !strings.Contains(mine, "已更正") || !strings.Contains(mine, "核实后更正") {
		t.Fatalf("enterprise's page after the correction:\n%s", mine)
	}
	bank := page("bank", dataPage+"?purpose=loan_application", 200, "en")
	if strings.Contains(bank, "Under objection") || !strings.Contains(bank, "通过登记的住所无法联系") {
		t.Fatalf("bank's page after the correction:\n%s", bank)
	}

	// A repair from the web: the operator approves, the bank loses it.
	rf := map[string]string{"credit_code": huawei, "item": "list.serious_dishonesty", "period": "2024-06-01", "ref": "深市监严〔2024〕2号", "evidence": "已纠正失信行为"}
	post("ent", "/rights/repairs", rf, "", 303)
	ops := page("admin", "/rights", 200, "zh-CN")
	rm := regexp.MustCompile(`/rights/repairs/(\d+)/decision`).FindStringSubmatch(ops)
	if rm == nil {
		t.Fatalf("no repair decision form for the operator:\n%s", ops)
	}
	if strings.Contains(page("auditor", "/rights", 200, "zh-CN"), "/decision") {
		t.Fatal("the auditor is offered a decision form")
	}
	post("admin", "/rights/repairs/"+rm[1]+"/decision", map[string]string{"decision": "approve"}, "", 303)
	if strings.Contains(page("bank", dataPage+"?purpose=loan_application", 200, "en"), "深市监严") {
		t.Fatal("the bank's page still shows the repaired record")
	}
	if !strings.Contains(page("ent", dataPage, 200, "zh-CN"), "已修复") {
		t.Fatal("the enterprise's page does not mark the repaired record")
	}
	page("bank", "/rights", 403, "en")
	// The corrected objection and the approved repair each queued the
	// enterprise's score for recomputation.
	if q, err := w.n.Store.RecomputeQueue(context.Background(), 10); err != nil || len(q) != 2 ||
		!strings.HasPrefix(q[0].Reason, "objection ") || !strings.Contains(q[1].Reason, "repair "+rm[1]) {
		t.Fatalf("recompute queue: %+v %v", q, err)
	}
}
