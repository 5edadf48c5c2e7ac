package web_test

import (
	"context"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/api"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/region"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/sqlite"
	"github.com/creditbridge/creditbridge/internal/web"
)

// Real enterprises (public registry facts) registered in every stack.
const (
	huaweiCode = "914403001922038216"
	huaweiName = "华为技术有限公司"
	xiaomiCode = "91110108551385082Q"
	xiaomiName = "北京小米科技有限责任公司"
	// badCheck is huaweiCode with a wrong check character.
	badCheck = "914403001922038217"
)

// Accounts of every stack; all share one password.
const password = "correct horse battery"

const (
	operatorOrgName    = "示范公共信用信息中心"
	institutionOrgName = "示范农村商业银行"
)

// stack is a real node in miniature: a SQLite store on disk, the real
// account, enterprise and evidence-log services, the server's middleware
// and the UI, served over HTTP.
type stack struct {
	srv      *httptest.Server
	catalog  *i18n.Catalog
	accounts *account.Service
	ents     *enterprise.Service
	audit    *audit.Service
	items    *catalog.Service
	quality  *quality.Service
	sharing  *sharing.Service
	authz    *authz.Service
	st       store.Store
	huawei   enterprise.View
	xiaomi   enterprise.View
}

func newStack(t *testing.T, secure bool) *stack {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "creditbridge.db"))
	if err != nil {
		t.Fatalf("open sqlite: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	cat, err := i18n.New(i18n.ZH, server.Messages, api.Messages, access.Messages, account.Messages, enterprise.Messages,
		catalog.Messages, quality.Messages, audit.Messages, creditcode.Messages, personid.Messages, region.Messages, industry.Messages, sharing.Messages, authz.Messages)
	if err != nil {
		t.Fatalf("catalogue: %v", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	seal, err := keys.NewSealer(key)
	if err != nil {
		t.Fatalf("sealer: %v", err)
	}
	s := &stack{catalog: cat, st: st}
	s.accounts = &account.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(account.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		SessionTTL:   time.Hour,
		UserThrottle: account.NewThrottle(3, 15*time.Minute),
		AddrThrottle: account.NewThrottle(1000, 15*time.Minute),
	}
	s.ents = &enterprise.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(enterprise.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Seal: seal,
	}
	s.audit = &audit.Service{Store: st}
	s.items = &catalog.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
	}
	if _, err := s.items.LoadDefaults(ctx); err != nil {
		t.Fatalf("default catalogue: %v", err)
	}
	s.quality = &quality.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(quality.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Now: func() time.Time { return qualityNow },
	}
	rules, err := mask.Platform()
	if err != nil {
		t.Fatal(err)
	}
	s.sharing = &sharing.Service{Repo: st, Items: s.items, Mask: rules}
	s.authz = &authz.Service{Repo: st, Items: s.items, PersonKey: key,
		InTx: func(ctx context.Context, fn func(authz.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		}}
	s.authz.Persons = authz.Persons{Enterprises: s.ents, Sharing: s.sharing}
	s.sharing.Grants = s.authz.Grants // institutions read under the enterprises' authorizations
	ui, err := web.New(web.Deps{Catalog: cat, Accounts: s.accounts, Enterprises: s.ents, Audit: s.audit, Items: s.items, Quality: s.quality, Sharing: s.sharing, Authz: s.authz,
		CookieSecure: secure, SessionTTL: time.Hour, NodeName: "test-node", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatalf("web.New: %v", err)
	}
	mux := http.NewServeMux()
	ui.Register(mux)
	var h http.Handler = mux
	h = server.Authenticate(s.accounts, ui.RenderError, h)
	h = server.LimitBody(1<<20, h)
	h = server.CrossOrigin(ui.RenderError, h)
	h = server.Language(cat, h)
	h = server.SecurityHeaders(h)
	s.srv = httptest.NewServer(h)
	t.Cleanup(s.srv.Close)

	s.huawei = s.register(t, huaweiCode, huaweiName, "Huawei Technologies Co., Ltd.", "I", "440300")
	s.xiaomi = s.register(t, xiaomiCode, xiaomiName, "Beijing Xiaomi Technology Co., Ltd.", "I", "110108")
	s.org(t, account.Org{Kind: account.KindOperator, Name: operatorOrgName, NameEN: "Demo Public Credit Centre"},
		"admin", account.RoleOperatorAdmin)
	s.org(t, account.Org{Kind: account.KindInstitution, Name: institutionOrgName, NameEN: "Demo Rural Bank", AccessTier: 3},
		"bank", account.RoleInstitutionOfficer)
	s.org(t, account.Org{Kind: account.KindEnterprise, Name: huaweiName, NameEN: "Huawei", EnterpriseID: s.huawei.ID},
		"huawei", account.RoleEnterpriseAdmin)
	s.org(t, account.Org{Kind: account.KindAuditor, Name: "示范审计组", NameEN: "Demo Audit Team"}, "auditor", account.RoleAuditor)
	return s
}

// input is the registration the stack gives every enterprise.
func input(t *testing.T, code, nameZH, nameEN, section, division string) enterprise.Input {
	t.Helper()
	id, err := personid.Complete(division + "19800101001")
	if err != nil {
		t.Fatalf("identity number: %v", err)
	}
	return enterprise.Input{Code: code, NameZH: nameZH, NameEN: nameEN, Industry: section, Size: "large",
		RegisteredCapital: 40_341_800_000_00, FoundedOn: "1987-09-15", Address: "测试地址 1 号",
		LegalRep: enterprise.LegalRep{Name: "张三丰", IDNumber: id}}
}

func (s *stack) register(t *testing.T, code, nameZH, nameEN, section, division string) enterprise.View {
	t.Helper()
	v, err := s.ents.Register(context.Background(), access.System, input(t, code, nameZH, nameEN, section, division))
	if err != nil {
		t.Fatalf("register %s: %v", code, err)
	}
	return v
}

func (s *stack) org(t *testing.T, o account.Org, username string, role account.Role) {
	t.Helper()
	ctx := context.Background()
	o, err := s.accounts.CreateOrg(ctx, account.SystemActor, o)
	if err != nil {
		t.Fatalf("create org %s: %v", o.Name, err)
	}
	if _, err := s.accounts.CreateUser(ctx, account.SystemActor, account.NewUser{OrgID: o.ID, Username: username,
		DisplayName: username + " 测试", Role: role, Password: password}); err != nil {
		t.Fatalf("create user %s: %v", username, err)
	}
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see every 303.
type browser struct {
	t    *testing.T
	s    *stack
	c    *http.Client
	lang string
}

func (s *stack) browser(t *testing.T, lang string) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, s: s, lang: lang, c: &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one response, read.
type page struct {
	status int
	header http.Header
	body   string
}

func (b *browser) do(method, path string, form url.Values) page {
	b.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, b.s.srv.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	resp, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return page{status: resp.StatusCode, header: resp.Header, body: string(raw)}
}

func (b *browser) get(path string) page { b.t.Helper(); return b.do(http.MethodGet, path, nil) }

var (
	signInTokenRE = regexp.MustCompile(`name="signin_token" value="([^"]+)"`)
	csrfRE        = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)
)

// signInAs submits the real sign-in form and returns the response to the
// POST.
func (b *browser) signInAs(username, pw, next string) page {
	b.t.Helper()
	form := b.get("/sign-in")
	m := signInTokenRE.FindStringSubmatch(form.body)
	if m == nil {
		b.t.Fatalf("sign-in form has no signin_token field:\n%s", form.body)
	}
	v := url.Values{"signin_token": {m[1]}, "username": {username}, "password": {pw}}
	if next != "" {
		v.Set("next", next)
	}
	return b.do(http.MethodPost, "/sign-in", v)
}

// mustSignIn signs in and fails the test unless it worked.
func (b *browser) mustSignIn(username string) {
	b.t.Helper()
	if p := b.signInAs(username, password, ""); p.status != http.StatusSeeOther {
		b.t.Fatalf("sign in %s: status %d, want 303\n%s", username, p.status, p.body)
	}
}

// csrf reads the session's anti-forgery token from a signed-in page.
func (b *browser) csrf() string {
	b.t.Helper()
	p := b.get("/enterprises")
	if p.status != http.StatusOK {
		p = b.get("/my/enterprise")
	}
	m := csrfRE.FindStringSubmatch(p.body)
	if m == nil {
		b.t.Fatalf("no csrf_token on a signed-in page (status %d)", p.status)
	}
	return m[1]
}
