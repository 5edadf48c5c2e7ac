package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/server"
)

// expect checks a page: its status, text that must appear and text that
// must not.
func expect(t *testing.T, what string, p page, status int, want, wantNot []string) {
	t.Helper()
	if p.status != status {
		t.Errorf("%s: status %d, want %d\n%s", what, p.status, status, excerpt(p.body))
	}
	for _, s := range want {
		if !strings.Contains(p.body, s) {
			t.Errorf("%s: page lacks %q\n%s", what, s, excerpt(p.body))
		}
	}
	for _, s := range wantNot {
		if strings.Contains(p.body, s) {
			t.Errorf("%s: page must not contain %q", what, s)
		}
	}
}

var mainRE = regexp.MustCompile(`(?s)<main[^>]*>(.*)</main>`)

func excerpt(body string) string {
	if m := mainRE.FindStringSubmatch(body); m != nil {
		body = m[1]
	}
	if len(body) > 1500 {
		body = body[:1500] + "…"
	}
	return body
}

func TestAnonymousRequestsGoToSignIn(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	b := s.browser(t, "zh-CN")
	cases := []struct {
		name, path, location string
	}{
		{"home", "/", "/sign-in"},
		{"enterprise list", "/enterprises", "/sign-in?next=%2Fenterprises"},
		{"list with query", "/enterprises?q=" + url.QueryEscape("华为"), "/sign-in?next=%2Fenterprises%3Fq%3D%25E5%258D%258E%25E4%25B8%25BA"},
		{"detail", "/enterprises/" + huaweiCode, "/sign-in?next=%2Fenterprises%2F" + huaweiCode},
		{"evidence log", "/audit", "/sign-in?next=%2Faudit"},
		{"own enterprise", "/my/enterprise", "/sign-in?next=%2Fmy%2Fenterprise"},
	}
	for _, c := range cases {
		p := b.get(c.path)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != c.location {
			t.Errorf("%s: GET %s = %d → %q, want 303 → %q", c.name, c.path, p.status, p.header.Get("Location"), c.location)
		}
	}
	// Signing out without a session just returns to the sign-in page.
	p := b.do(http.MethodPost, "/sign-out", url.Values{})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/sign-in" {
		t.Errorf("anonymous sign-out: %d → %q, want 303 → /sign-in", p.status, p.header.Get("Location"))
	}
}

func TestSignInFailuresAreTranslated(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	cases := []struct {
		lang, user, wrong string
		want              []string
	}{
		{"zh-CN", "admin", "wrong password 1", []string{"用户名或密码错误。", `lang="zh-CN"`, `value="admin"`}},
		{"en", "bank", "wrong password 2", []string{"Wrong username or password.", `lang="en"`, `value="bank"`}},
		{"en", "nobody", "whatever it is", []string{"Wrong username or password."}},
	}
	for _, c := range cases {
		b := s.browser(t, c.lang)
		p := b.signInAs(c.user, c.wrong, "")
		expect(t, c.lang+" "+c.user, p, http.StatusUnauthorized, c.want, []string{c.wrong})
	}
}

func TestSignInThrottleSaysWhenToRetry(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	for i := 0; i < 3; i++ {
		s.browser(t, "en").signInAs("auditor", "not the password", "")
	}
	// Locked now, even with the right password.
	zh := s.browser(t, "zh-CN").signInAs("auditor", password, "")
	expect(t, "zh throttled", zh, http.StatusTooManyRequests, []string{"登录失败次数过多，请在 15 分钟后重试。"}, nil)
	en := s.browser(t, "en").signInAs("auditor", password, "")
	expect(t, "en throttled", en, http.StatusTooManyRequests, []string{"Too many failed sign-ins. Try again in 15 minutes."}, nil)
}

func TestSignInSetsASafeSessionCookie(t *testing.T) {
	t.Parallel()
	s := newStack(t, true)
	b := s.browser(t, "en")
	p := b.signInAs("admin", password, "")
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/enterprises" {
		t.Fatalf("sign in: %d → %q, want 303 → /enterprises", p.status, p.header.Get("Location"))
	}
	var session *http.Cookie
	for _, c := range (&http.Response{Header: p.header}).Cookies() {
		if c.Name == server.SessionCookie {
			session = c
		}
	}
	if session == nil {
		t.Fatal("no session cookie set")
	}
	if !session.HttpOnly || !session.Secure || session.SameSite != http.SameSiteLaxMode || session.Path != "/" || session.Expires.IsZero() {
		t.Errorf("session cookie %+v: want HttpOnly, Secure, SameSite=Lax, Path=/, an expiry", session)
	}
}

func TestSignInFormNeedsItsToken(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	b := s.browser(t, "en")
	b.get("/sign-in") // sets the cookie, but the form field is missing below
	p := b.do(http.MethodPost, "/sign-in", url.Values{"username": {"admin"}, "password": {password}})
	expect(t, "no token", p, http.StatusForbidden, []string{"anti-forgery token"}, nil)
	p = b.do(http.MethodPost, "/sign-in", url.Values{"signin_token": {strings.Repeat("A", 43)}, "username": {"admin"}, "password": {password}})
	expect(t, "wrong token", p, http.StatusForbidden, []string{"anti-forgery token"}, nil)
}

func TestSignInRedirectsOnlyWithinTheSite(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	cases := []struct{ next, want string }{
		{"/audit?action=auth.", "/audit?action=auth."},
		{"/enterprises/" + huaweiCode, "/enterprises/" + huaweiCode},
		{"//evil.example/x", "/enterprises"},
		{"/\\evil.example", "/enterprises"},
		{"https://evil.example/", "/enterprises"},
		{"javascript:alert(1)", "/enterprises"},
		{"", "/enterprises"},
	}
	for _, c := range cases {
		p := s.browser(t, "en").signInAs("admin", password, c.next)
		if p.status != http.StatusSeeOther || p.header.Get("Location") != c.want {
			t.Errorf("next=%q: %d → %q, want 303 → %q", c.next, p.status, p.header.Get("Location"), c.want)
		}
	}
	b := s.browser(t, "en")
	for next, want := range map[string]string{"/orgs?kind=bank": "/orgs?kind=bank", "//evil.example": "/", "/enterprises?lang=en&q=x": "/enterprises?q=x"} {
		p := b.get("/lang?to=zh-CN&next=" + url.QueryEscape(next))
		if p.status != http.StatusSeeOther || p.header.Get("Location") != want {
			t.Errorf("lang next=%q: %d → %q, want 303 → %q", next, p.status, p.header.Get("Location"), want)
		}
	}
}

func TestEnterpriseListAndDetail(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	zh := s.browser(t, "zh-CN")
	zh.mustSignIn("admin")
	expect(t, "list zh", zh.get("/enterprises"), http.StatusOK,
		[]string{huaweiName, xiaomiName, "企业登记信息查询", "共 2 家企业", "广东省深圳市", "信息传输、软件和信息技术服务业", "存续（在业）", "大型"}, nil)
	expect(t, "search", zh.get("/enterprises?q="+url.QueryEscape("小米")), http.StatusOK, []string{xiaomiName}, []string{huaweiName})
	expect(t, "region filter", zh.get("/enterprises?division=44"), http.StatusOK, []string{huaweiName, "广东省下辖", "深圳市"}, []string{xiaomiName})
	expect(t, "empty", zh.get("/enterprises?status=revoked"), http.StatusOK, []string{"没有符合条件的企业。"}, []string{huaweiName})
	expect(t, "bad filter", zh.get("/enterprises?industry=Z"), http.StatusBadRequest, []string{"不是国民经济行业分类"}, nil)
	expect(t, "detail zh", zh.get("/enterprises/"+huaweiCode), http.StatusOK,
		[]string{huaweiName, "Huawei Technologies Co., Ltd.", "4,034,180 万元", "1987-09-15", "张**", "本次查看已记入证据日志。", "登记以来无变更。"},
		[]string{"张三丰"})

	en := s.browser(t, "en")
	en.mustSignIn("admin")
	expect(t, "list en", en.get("/enterprises"), http.StatusOK,
		[]string{"Huawei Technologies Co., Ltd.", "Shenzhen, Guangdong", "Operating", "Large", "2 enterprises, showing 1–2"}, nil)
	expect(t, "detail en", en.get("/enterprises/"+huaweiCode), http.StatusOK,
		[]string{"CNY 40,341,800,000", "Registration record", "Demo Public Credit Centre"}, []string{"张三丰"})
}

func TestChangeHistoryIsShownInWords(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	in := input(t, xiaomiCode, xiaomiName, "Beijing Xiaomi Technology Co., Ltd.", "I", "110108")
	in.Status, in.RegisteredCapital, in.Industry = "suspended", 185_0000_00_00, "C"
	if _, err := s.ents.Update(context.Background(), access.System, xiaomiCode, s.xiaomi.Version, in, "工商变更登记"); err != nil {
		t.Fatalf("update: %v", err)
	}
	zh := s.browser(t, "zh-CN")
	zh.mustSignIn("admin")
	expect(t, "zh", zh.get("/enterprises/"+xiaomiCode), http.StatusOK,
		[]string{"共 3 条", "登记状态", "存续（在业）", "停业", "注册资本", "4,034,180 万元", "18,500 万元", "所属行业", "I · 信息传输、软件和信息技术服务业", "C · 制造业", "工商变更登记"}, nil)
	en := s.browser(t, "en")
	en.mustSignIn("admin")
	expect(t, "en", en.get("/enterprises/"+xiaomiCode), http.StatusOK,
		[]string{"3 changes", "Registration status", "Suspended", "CNY 185,000,000", "C · Manufacturing"}, nil)
}

func TestInvalidCodeExplainsTheCheckCharacter(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	cases := []struct {
		lang string
		want []string
	}{
		{"en", []string{"check character should be 6", "is not a valid unified social credit code", badCheck}},
		{"zh-CN", []string{"校验码应为 6", "不是有效的统一社会信用代码", badCheck}},
	}
	for _, c := range cases {
		b := s.browser(t, c.lang)
		b.mustSignIn("admin")
		expect(t, c.lang, b.get("/enterprises/"+badCheck), http.StatusBadRequest, c.want, nil)
	}
}

func TestEnterpriseAdminSeesOnlyItsOwnRecord(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	// The operator reads Huawei's record first: the enterprise must see it.
	op := s.browser(t, "zh-CN")
	op.mustSignIn("admin")
	op.get("/enterprises/" + huaweiCode)

	b := s.browser(t, "zh-CN")
	p := b.signInAs("huawei", password, "")
	if p.header.Get("Location") != "/my/enterprise" {
		t.Errorf("enterprise admin lands on %q, want /my/enterprise", p.header.Get("Location"))
	}
	expect(t, "other enterprise", b.get("/enterprises/"+xiaomiCode), http.StatusForbidden,
		[]string{"企业账户只能查看本企业的信息。", "无权访问"}, []string{xiaomiName})
	expect(t, "search", b.get("/enterprises"), http.StatusForbidden, []string{"企业账户只能查看本企业的信息。"}, []string{xiaomiName})
	expect(t, "own record", b.get("/enterprises/"+huaweiCode), http.StatusOK, []string{huaweiName}, nil)
	expect(t, "own page", b.get("/my/enterprise"), http.StatusOK,
		[]string{huaweiName, "本企业数据被访问记录", operatorOrgName, "查看登记信息", "平台运营", "企业自查询"}, []string{xiaomiName})
	expect(t, "accounts", b.get("/users"), http.StatusForbidden, []string{"只有平台运营人员和审计人员可以查看账户列表。"}, nil)
}

func TestInstitutionStatesAPurpose(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	op := s.browser(t, "zh-CN")
	op.mustSignIn("admin")
	op.get("/enterprises/" + xiaomiCode)
	b := s.browser(t, "zh-CN")
	b.mustSignIn("bank")
	expect(t, "list", b.get("/enterprises"), http.StatusOK,
		[]string{`name="purpose"`, "贷款申请审核", "/enterprises/" + huaweiCode + "?purpose=loan_application"}, nil)
	expect(t, "detail", b.get("/enterprises/"+huaweiCode+"?purpose=post_loan_monitoring"), http.StatusOK,
		[]string{"查询用途：贷后监测。"}, nil)
	expect(t, "organisations", b.get("/orgs"), http.StatusForbidden, []string{"无权访问"}, nil)

	entries, err := s.audit.List(context.Background(), audit.Viewer{Role: "auditor"}, audit.Filter{Action: "enterprise.", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	purposes := map[string]bool{}
	for _, e := range entries {
		purposes[e.Purpose] = true
	}
	if !purposes[access.PurposeLoan] || !purposes[access.PurposeMonitoring] {
		t.Errorf("evidence purposes %v, want loan_application and post_loan_monitoring", purposes)
	}
	expect(t, "own evidence", b.get("/audit"), http.StatusOK, []string{"贷后监测", institutionOrgName}, []string{operatorOrgName})
}

func TestStaffPages(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	b := s.browser(t, "en")
	b.mustSignIn("auditor")
	b.get("/enterprises/" + huaweiCode)
	expect(t, "orgs", b.get("/orgs"), http.StatusOK,
		[]string{"Demo Public Credit Centre", "Demo Rural Bank", "Connected institution", "L3"}, nil)
	expect(t, "orgs of a kind", b.get("/orgs?kind=auditor"), http.StatusOK, []string{"Demo Audit Team"}, []string{"Demo Rural Bank"})
	expect(t, "bad kind", b.get("/orgs?kind=pirate"), http.StatusBadRequest, []string{"Unknown organisation kind &#34;pirate&#34;."}, nil)
	expect(t, "users", b.get("/users"), http.StatusOK, []string{"admin", "Operator administrator", "Demo Rural Bank"}, nil)
	expect(t, "user search", b.get("/users?q=bank"), http.StatusOK, []string{"Institution officer"}, []string{"Operator administrator"})
	// Table cells carry the action code as their title; the filter's
	// options name the same actions, so the cells are what is checked.
	expect(t, "evidence", b.get("/audit"), http.StatusOK,
		[]string{"Evidence log", `title="enterprise.read">Record read<`, "Audit review", "Succeeded", `title="auth.sign_in">Sign-in<`,
			"Registration record, Legal representative"}, nil)
	expect(t, "evidence of one enterprise", b.get("/audit?enterprise="+itoa(s.xiaomi.ID)), http.StatusOK,
		[]string{`title="enterprise.register">Enterprise registered<`}, []string{`title="enterprise.read"`})
	expect(t, "bad filter", b.get("/audit?enterprise=abc"), http.StatusBadRequest, []string{"The parameter enterprise is invalid."}, nil)
}

// TestCataloguePages checks the catalogue is readable by every role, grouped
// by category with its grades and attributes in words, and that an item
// shows its fields and version history.
func TestCataloguePages(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	zh := s.browser(t, "zh-CN")
	zh.mustSignIn("huawei")
	expect(t, "nav link for an enterprise", zh.get("/my/enterprise"), http.StatusOK, []string{`href="/catalog"`, "共享清单"}, nil)
	expect(t, "list zh", zh.get("/catalog"), http.StatusOK,
		[]string{"信用信息共享清单", "登记注册", "融资行为", "法定代表人信息", "含个人信息", `badge-grade-4`, "有条件共享", "不予公开", "主动公开"}, nil)
	expect(t, "one category", zh.get("/catalog?category=customs"), http.StatusOK, []string{"海关信用等级", "共 3 项"}, []string{"增值税应税销售额"})
	expect(t, "detail zh", zh.get("/catalog/tax.credit_grade"), http.StatusOK,
		[]string{"纳税信用等级", "《纳税信用管理办法》", "版本历史", "default catalogue", "v1", "每年"}, nil)
	expect(t, "unknown item", zh.get("/catalog/tax.nothing"), http.StatusNotFound, []string{"tax.nothing"}, nil)

	en := s.browser(t, "en")
	en.mustSignIn("bank")
	expect(t, "list en", en.get("/catalog"), http.StatusOK,
		[]string{"Catalogue of shared information", "Social insurance", "Conditional", "Periodic measure", "Export XLSX"}, nil)
	expect(t, "detail en", en.get("/catalog/registration.legal_representative"), http.StatusOK,
		[]string{"Legal representative", "L4", "Interface query", "Verification", "Personal information"}, nil)
}

func TestFormPostsNeedTheSessionToken(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	b := s.browser(t, "zh-CN")
	b.mustSignIn("admin")
	p := b.do(http.MethodPost, "/sign-out", url.Values{})
	expect(t, "no token", p, http.StatusForbidden, []string{"请求缺少有效的防伪令牌，请刷新页面后重试。"}, nil)
	p = b.do(http.MethodPost, "/sign-out", url.Values{"csrf_token": {"forged"}})
	expect(t, "wrong token", p, http.StatusForbidden, []string{"防伪令牌"}, nil)
	if p := b.get("/enterprises"); p.status != http.StatusOK {
		t.Fatalf("refused sign-out must leave the session alone; list status %d", p.status)
	}

	// The real form signs out; the old cookie then leads to the sign-in
	// page with a note that the session ended.
	old := b.c.Jar.Cookies(mustURL(t, s.srv.URL))
	p = b.do(http.MethodPost, "/sign-out", url.Values{"csrf_token": {b.csrf()}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/sign-in" {
		t.Fatalf("sign out: %d → %q, want 303 → /sign-in", p.status, p.header.Get("Location"))
	}
	b.c.Jar.SetCookies(mustURL(t, s.srv.URL), old)
	p = b.get("/enterprises")
	if want := "/sign-in?next=%2Fenterprises&reason=expired"; p.status != http.StatusSeeOther || p.header.Get("Location") != want {
		t.Errorf("stale session: %d → %q, want 303 → %q", p.status, p.header.Get("Location"), want)
	}
	expect(t, "expired notice", b.get("/sign-in?reason=expired"), http.StatusOK, []string{"您的会话已结束，请重新登录。"}, nil)
}

// TestNoUntranslatedKeys renders every page a signed-in operator, an
// enterprise and an anonymous visitor can reach, in both languages, and
// fails on any "ui." key that reached the screen untranslated.
func TestNoUntranslatedKeys(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	pages := map[string][]string{
		"":       {"/sign-in", "/sign-in?reason=expired", "/no/such/page"},
		"admin":  {"/enterprises", "/enterprises?division=4403", "/enterprises/" + huaweiCode, "/enterprises/" + badCheck, "/orgs", "/users", "/audit", "/my/enterprise", "/nowhere", "/catalog", "/catalog/tax.vat_sales"},
		"huawei": {"/my/enterprise", "/enterprises/" + xiaomiCode, "/catalog", "/catalog/registration.legal_representative"},
		"bank":   {"/enterprises", "/audit", "/orgs", "/catalog?category=tax", "/catalog/tax.credit_grade", "/catalog/no.such_item"},
	}
	for _, lang := range []string{"en", "zh-CN"} {
		for user, paths := range pages {
			b := s.browser(t, lang)
			if user != "" {
				b.mustSignIn(user)
			}
			for _, path := range paths {
				p := b.get(path)
				if p.status >= 500 || p.status == http.StatusSeeOther {
					t.Errorf("%s %s %s: status %d", lang, user, path, p.status)
				}
				if i := strings.Index(p.body, "ui."); i >= 0 {
					t.Errorf("%s %s %s: untranslated key near %q", lang, user, path, p.body[max(0, i-40):min(len(p.body), i+60)])
				}
				if !strings.Contains(p.body, `<html lang="`+lang+`">`) {
					t.Errorf("%s %s %s: page is not marked lang=%s", lang, user, path, lang)
				}
			}
		}
	}
}

func TestStaticAssetsAndNotFound(t *testing.T) {
	t.Parallel()
	s := newStack(t, false)
	b := s.browser(t, "en")
	css := b.get("/static/app.css")
	if css.status != http.StatusOK || !strings.HasPrefix(css.header.Get("Content-Type"), "text/css") ||
		!strings.Contains(css.body, `"PingFang SC"`) {
		t.Errorf("stylesheet: %d %q", css.status, css.header.Get("Content-Type"))
	}
	expect(t, "directory listing", b.get("/static/"), http.StatusNotFound, []string{"There is nothing at this address."}, []string{`<a href="app.css">`})
	expect(t, "unknown page", b.get("/nope"), http.StatusNotFound, []string{"Not found", "There is nothing at this address."}, nil)
	page := b.get("/sign-in")
	if strings.Contains(page.body, "<script") || strings.Contains(page.body, "style=") || strings.Contains(page.body, "<style") {
		t.Error("pages must carry no inline scripts or styles (the CSP forbids them)")
	}
}

func mustURL(t *testing.T, s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
