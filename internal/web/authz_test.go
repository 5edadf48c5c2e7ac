package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/personid"
)

var authzIDRE = regexp.MustCompile(`/authorizations/(az_[A-Z2-7a-z0-9]+)\?done=requested`)

// requestAuthz submits the request form as the bank and returns the new
// authorization's id.
func requestAuthz(t *testing.T, bank *browser, form url.Values) string {
	t.Helper()
	form.Set("csrf_token", bank.csrf())
	p := bank.do(http.MethodPost, "/authorizations/new", form)
	m := authzIDRE.FindStringSubmatch(p.header.Get("Location"))
	if p.status != http.StatusSeeOther || m == nil {
		t.Fatalf("request: status %d → %q\n%s", p.status, p.header.Get("Location"), excerpt(p.body))
	}
	return m[1]
}

func requestForm(items ...string) url.Values {
	through := time.Now().UTC().AddDate(0, 0, 20).Format(time.DateOnly)
	return url.Values{"credit_code": {huaweiCode}, "purpose": {access.PurposeLoan}, "items": items,
		"data_from": {"2024-01-01"}, "data_to": {"2026-10-31"}, "valid_to": {through},
		"fetch_type": {authz.FetchOneTime}, "mode": {authz.ModeView}}
}

// TestAuthorizationPages walks the authorization pages end to end: a bank
// requests, the enterprise reads the request in plain words and approves
// it, narrows another and rejects a third, records the legal
// representative's separate consent as a step of its own, pauses, resumes
// and revokes; the bank, the auditor and the enterprise's access log see
// each in turn.
func TestAuthorizationPages(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	ctx := context.Background()

	bank := s.browser(t, "zh-CN")
	bank.mustSignIn("bank")
	expect(t, "request form", bank.get("/authorizations/new"), http.StatusOK,
		[]string{"申请授权", `name="credit_code"`, `value="tax."`, `value="registration.legal_representative"`, "L4", "含个人信息", "一次性"}, nil)

	// Bad input comes back with each field's problem, and nothing is stored.
	bad := requestForm()
	bad.Set("credit_code", "914403001922038217")
	bad.Set("csrf_token", bank.csrf())
	expect(t, "bad request", bank.do(http.MethodPost, "/authorizations/new", bad), http.StatusUnprocessableEntity,
		[]string{"请更正标出的内容", "请至少选择一个数据项或数据类别", "914403001922038217"}, nil)
	if as, err := s.st.ListAuthorizations(ctx, authz.Filter{Limit: 10}); err != nil || len(as) != 0 {
		t.Fatalf("a rejected form stored %d authorizations (%v)", len(as), err)
	}

	full := requestAuthz(t, bank, requestForm("tax.", "registration.legal_representative"))
	narrowed := requestAuthz(t, bank, requestForm("tax.", "registration.shareholders"))
	rejected := requestAuthz(t, bank, requestForm("tax."))
	expect(t, "bank sees its request", bank.get("/authorizations/"+full+"?done=requested"), http.StatusOK,
		[]string{"申请已提交", "待处理", full}, []string{"按申请内容同意", "登记管理员声明", "生成同意链接"})

	// The enterprise reads the requests in plain words.
	ent := s.browser(t, "zh-CN")
	ent.mustSignIn("huawei")
	until := time.Now().UTC().AddDate(0, 0, 20).Format(time.DateOnly)
	expect(t, "enterprise list", ent.get("/authorizations"), http.StatusOK,
		[]string{"授权管理", institutionOrgName + "请求查看贵企业 2024-01 至 2026-10 的数据（纳税、法定代表人信息），用于贷款申请审核，有效期至 " + until + "，一次性查询。",
			"涉及个人信息", "查看并处理"}, nil)
	expect(t, "enterprise detail", ent.get("/authorizations/"+full), http.StatusOK,
		[]string{"按申请内容同意", "或缩小范围后同意", "拒绝", "个人信息单独同意", "生成同意链接", "登记管理员声明"}, nil)

	// Approve as asked.
	csrf := ent.csrf()
	p := ent.do(http.MethodPost, "/authorizations/"+full+"/approve", url.Values{"csrf_token": {csrf}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("approve: %d\n%s", p.status, excerpt(p.body))
	}
	expect(t, "approved", ent.get(p.header.Get("Location")), http.StatusOK, []string{"已同意。", "生效中", "暂停", "撤销"}, []string{"按申请内容同意"})

	// Narrow: untick the shareholders and shorten the data range.
	p = ent.do(http.MethodPost, "/authorizations/"+narrowed+"/approve", url.Values{"csrf_token": {csrf}, "narrow": {"1"},
		"items": {"tax."}, "data_from": {"2025-01-01"}, "data_to": {"2026-10-31"}, "valid_to": {until}, "mode": {authz.ModeView}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("narrow: %d\n%s", p.status, excerpt(p.body))
	}
	a, err := s.authz.Get(ctx, access.System, narrowed)
	if err != nil || a.Status != authz.StatusActive || strings.Join(a.Items, ",") != "tax." || a.DataFrom.Format(time.DateOnly) != "2025-01-01" {
		t.Fatalf("narrowed: %+v %v", a, err)
	}
	// Narrowing cannot widen: a later data end is refused with the reason.
	wider := requestAuthz(t, bank, requestForm("tax."))
	expect(t, "widening refused", ent.do(http.MethodPost, "/authorizations/"+wider+"/approve", url.Values{"csrf_token": {csrf}, "narrow": {"1"},
		"items": {"tax."}, "data_from": {"2024-01-01"}, "data_to": {"2027-12-31"}, "mode": {authz.ModeView}}),
		http.StatusUnprocessableEntity, []string{"批准时只能缩小申请的范围"}, nil)

	// Reject with a reason.
	p = ent.do(http.MethodPost, "/authorizations/"+rejected+"/reject", url.Values{"csrf_token": {csrf}, "reason": {"不再办理该笔贷款"}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("reject: %d\n%s", p.status, excerpt(p.body))
	}
	expect(t, "rejected", ent.get(p.header.Get("Location")), http.StatusOK, []string{"已拒绝", "不再办理该笔贷款"}, []string{"按申请内容同意"})

	// The administrator's attestation of the legal representative's
	// separate consent: not bundled with the approval, labelled as the
	// administrator's, the person checked against the registry.
	a, _ = s.authz.Get(ctx, access.System, full)
	if a.PersonalConsent {
		t.Fatal("approval gave the personal consent")
	}
	idn, err := personid.Complete("440300" + "19800101001")
	if err != nil {
		t.Fatal(err)
	}
	consent := func(name, id, last6 string, agree bool) page {
		v := url.Values{"csrf_token": {csrf}, "role": {authz.ConsentLegalRep}, "name": {name}, "id_number": {id}, "id_last6": {last6}}
		if agree {
			v.Set("agree", "yes")
		}
		return ent.do(http.MethodPost, "/authorizations/"+full+"/consent", v)
	}
	expect(t, "consent unticked", consent("张三丰", idn, idn[12:], false), http.StatusUnprocessableEntity, []string{"须勾选确认已取得本人书面单独同意"}, []string{idn})
	expect(t, "consent last six wrong", consent("张三丰", idn, "000000", true), http.StatusUnprocessableEntity, []string{"身份证号码后六位与所填号码不一致"}, []string{idn})
	other, _ := personid.Complete("110105" + "19491231002")
	expect(t, "consent by someone else", consent("张三丰", other, other[12:], true), http.StatusUnprocessableEntity, []string{"与企业登记记录中该身份的人员不符"}, []string{other})
	if a, _ = s.authz.Get(ctx, access.System, full); a.PersonalConsent {
		t.Fatal("a refused consent was recorded")
	}
	p = consent("张三丰", idn, idn[12:], true)
	if p.status != http.StatusSeeOther {
		t.Fatalf("consent: %d\n%s", p.status, excerpt(p.body))
	}
	expect(t, "consented", ent.get(p.header.Get("Location")), http.StatusOK, []string{"本人单独同意已记录", "已获个人单独同意", "法定代表人 · 张**", "管理员代为登记（声明）"}, []string{idn, "张三丰"})

	// Pause, resume, revoke.
	for _, step := range []struct{ verb, notice, status string }{
		{"pause", "已暂停。", "已暂停"}, {"resume", "已恢复。", "生效中"}, {"revoke", "已撤销。", "已撤销"},
	} {
		p = ent.do(http.MethodPost, "/authorizations/"+full+"/"+step.verb, url.Values{"csrf_token": {csrf}, "reason": {"测试"}})
		if p.status != http.StatusSeeOther {
			t.Fatalf("%s: %d\n%s", step.verb, p.status, excerpt(p.body))
		}
		expect(t, step.verb, ent.get(p.header.Get("Location")), http.StatusOK, []string{step.notice, step.status}, nil)
	}
	// A revoked authorization cannot come back.
	expect(t, "resume revoked", ent.do(http.MethodPost, "/authorizations/"+full+"/resume", url.Values{"csrf_token": {csrf}}),
		http.StatusConflict, []string{"该授权当前状态为"}, nil)

	// The bank cannot decide for the enterprise.
	expect(t, "bank approves", bank.do(http.MethodPost, "/authorizations/"+wider+"/approve", url.Values{"csrf_token": {bank.csrf()}}),
		http.StatusForbidden, nil, nil)
	enBank := s.browser(t, "en")
	enBank.mustSignIn("bank")
	expect(t, "bank list", enBank.get("/authorizations"), http.StatusOK,
		[]string{"Request authorization", "Revoked", "Rejected", "Active", "Waiting for a decision",
			"Demo Rural Bank asks to view the data of " + huaweiName + " (Tax) from 2024-01 to 2026-10, for Loan application, valid until " + until + ", a one-time query."}, nil)

	// The auditor lists all with filters.
	aud := s.browser(t, "en")
	aud.mustSignIn("auditor")
	expect(t, "auditor all", aud.get("/authorizations"), http.StatusOK, []string{full, narrowed, rejected, wider}, nil)
	expect(t, "auditor active", aud.get("/authorizations?status=active"), http.StatusOK, []string{narrowed[:11]}, []string{full[:11], rejected[:11], wider[:11]})
	expect(t, "auditor by enterprise", aud.get("/authorizations?enterprise="+xiaomiCode), http.StatusOK, []string{"No authorizations match."}, []string{full[:11]})
	expect(t, "auditor bad status", aud.get("/authorizations?status=nope"), http.StatusBadRequest, nil, nil)

	// Who accessed my data: the requests and decisions about the
	// enterprise, with the authorization each was made under.
	expect(t, "access log", ent.get("/my/accesses"), http.StatusOK,
		[]string{"谁查询了我", "/authorizations/" + full, "/enterprises/" + huaweiCode + "/data", institutionOrgName}, nil)
	expect(t, "access log is the enterprise's", bank.get("/my/accesses"), http.StatusForbidden, nil, nil)

	// Navigation per role.
	expect(t, "enterprise nav", ent.get("/my/enterprise"), http.StatusOK, []string{`href="/authorizations"`, `href="/my/accesses"`}, nil)
	expect(t, "bank nav", bank.get("/enterprises"), http.StatusOK, []string{`href="/authorizations"`}, []string{`href="/my/accesses"`})
}

var consentLinkRE = regexp.MustCompile(`value="(https?://[^"]+/consent/(ct_[A-Za-z0-9_-]{43}))"`)

// TestConsentLinkPages: the enterprise's administrator makes a one-time
// link for the legal representative, who opens it without an account,
// reads in plain words who gets which of their data, is refused under a
// wrong identity number, and gives consent under the right one; the
// authorization page then shows the consent as the person's own, and the
// link cannot be used again.
func TestConsentLinkPages(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	ctx := context.Background()
	bank := s.browser(t, "zh-CN")
	bank.mustSignIn("bank")
	id := requestAuthz(t, bank, requestForm("tax.", "registration.legal_representative"))
	ent := s.browser(t, "zh-CN")
	ent.mustSignIn("huawei")
	csrf := ent.csrf()
	if p := ent.do(http.MethodPost, "/authorizations/"+id+"/approve", url.Values{"csrf_token": {csrf}}); p.status != http.StatusSeeOther {
		t.Fatalf("approve: %d", p.status)
	}
	expect(t, "invite without a name", ent.do(http.MethodPost, "/authorizations/"+id+"/invite", url.Values{"csrf_token": {csrf}, "role": {authz.ConsentLegalRep}}),
		http.StatusUnprocessableEntity, []string{"请填写同意人姓名"}, nil)
	p := ent.do(http.MethodPost, "/authorizations/"+id+"/invite", url.Values{"csrf_token": {csrf}, "role": {authz.ConsentLegalRep}, "name": {"张三丰"}})
	expect(t, "invited", p, http.StatusCreated, []string{"已为 张** 生成同意链接", "仅显示这一次", "等待本人答复"}, []string{"张三丰"})
	m := consentLinkRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no consent link on the page:\n%s", excerpt(p.body))
	}
	link, token := m[1], m[2]
	if !strings.HasPrefix(link, s.srv.URL) {
		t.Fatalf("link %q is not on this server", link)
	}
	expect(t, "the link is not shown again", ent.get("/authorizations/"+id), http.StatusOK, []string{"已生成的同意链接", "等待本人答复"}, []string{token})

	// The person, without an account.
	person := s.browser(t, "zh-CN")
	expect(t, "consent page", person.get("/consent/"+token), http.StatusOK,
		[]string{institutionOrgName + "请求查看" + huaweiName, "法定代表人", "姓名、身份证号码", "我同意", "我拒绝"}, nil)
	expect(t, "unknown link", person.get("/consent/ct_"+strings.Repeat("A", 43)), http.StatusNotFound, nil, []string{huaweiName})
	idn, err := personid.Complete("440300" + "19800101001")
	if err != nil {
		t.Fatal(err)
	}
	other, _ := personid.Complete("110105" + "19491231002")
	expect(t, "wrong identity", person.do(http.MethodPost, "/consent/"+token, url.Values{"decision": {"give"}, "name": {"张三丰"}, "id_number": {other}}),
		http.StatusUnprocessableEntity, []string{"与企业登记记录中该身份的人员不符", "张三丰"}, []string{other})
	if a, _ := s.authz.Get(ctx, access.System, id); a.PersonalConsent {
		t.Fatal("a wrong identity gave consent")
	}
	expect(t, "given", person.do(http.MethodPost, "/consent/"+token, url.Values{"decision": {"give"}, "name": {"张三丰"}, "id_number": {idn}}),
		http.StatusOK, []string{"您的单独同意已记录"}, []string{idn})
	expect(t, "used link", person.get("/consent/"+token), http.StatusConflict, []string{"该同意链接已被答复"}, nil)
	if a, _ := s.authz.Get(ctx, access.System, id); !a.PersonalConsent {
		t.Fatal("the person's consent did not reach the authorization")
	}
	expect(t, "the person's own consent", ent.get("/authorizations/"+id), http.StatusOK,
		[]string{"本人通过同意链接作出", "已同意", "已获个人单独同意"}, []string{idn, "张三丰"})
	enPerson := s.browser(t, "en")
	expect(t, "used link in English", enPerson.get("/consent/"+token), http.StatusConflict, []string{"already been answered"}, nil)
}

// TestWebhookDeliveriesOnTheAuthorizationPage: the institution sees the
// notifications its callback was sent, a failed one with a button to send
// it again; the enterprise sees them without the button.
func TestWebhookDeliveriesOnTheAuthorizationPage(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	failing := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) }))
	defer failing.Close()
	bank := s.browser(t, "zh-CN")
	bank.mustSignIn("bank")
	form := requestForm("tax.")
	form.Set("callback_url", failing.URL+"/cb")
	id := requestAuthz(t, bank, form)
	n := &authz.Notifier{Repo: s.st, Client: failing.Client(), Attempts: 1}
	if sent, err := n.RunDue(t.Context(), 1); err != nil || sent != 1 {
		t.Fatalf("run: %d %v", sent, err)
	}
	ds, err := s.st.ListDeliveries(t.Context(), authz.DeliveryFilter{AuthorizationID: id})
	if err != nil || len(ds) != 1 || ds[0].Status != authz.DeliveryFailed {
		t.Fatalf("deliveries %+v %v", ds, err)
	}
	replay := "/authorizations/" + id + "/webhooks/" + strconv.FormatInt(ds[0].ID, 10) + "/replay"
	expect(t, "bank sees the failure", bank.get("/authorizations/"+id), http.StatusOK,
		[]string{"向金融机构发送的通知", "authorization.request", "发送失败", "HTTP 503", `action="` + replay + `"`}, nil)
	ent := s.browser(t, "zh-CN")
	ent.mustSignIn("huawei")
	expect(t, "enterprise sees it, without the button", ent.get("/authorizations/"+id), http.StatusOK, []string{"发送失败"}, []string{replay})
	expect(t, "enterprise cannot replay", ent.do(http.MethodPost, replay, url.Values{"csrf_token": {ent.csrf()}}), http.StatusForbidden, nil, nil)
	p := bank.do(http.MethodPost, replay, url.Values{"csrf_token": {bank.csrf()}})
	if p.status != http.StatusSeeOther {
		t.Fatalf("replay: %d\n%s", p.status, excerpt(p.body))
	}
	expect(t, "replayed", bank.get(p.header.Get("Location")), http.StatusOK, []string{"该通知将重新发送。", "待发送"}, []string{`action="` + replay + `"`})
}
