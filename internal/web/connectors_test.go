package web_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/api"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/region"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/verify"
	"github.com/creditbridge/creditbridge/internal/web"
)

// liveStack is a stack whose UI also has the connector and verification
// services (real ones, on the stack's store).
type liveStack struct {
	*stack
	conns  *connector.Service
	live   *connector.Registry
	verify *verify.Service
	signer *verify.Signer
}

func newLiveStack(t *testing.T) *liveStack {
	t.Helper()
	base := newStack(t, false)
	st := base.st
	cat, err := i18n.New(i18n.ZH, server.Messages, api.Messages, access.Messages, account.Messages, enterprise.Messages,
		catalog.Messages, quality.Messages, audit.Messages, creditcode.Messages, personid.Messages, region.Messages, industry.Messages,
		sharing.Messages, authz.Messages, connector.Messages, verify.Messages)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	seal, err := keys.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	ls := &liveStack{live: connector.NewRegistry(nil)}
	ls.conns = &connector.Service{Repo: st, Seal: seal, Items: base.items,
		InTx: func(ctx context.Context, fn func(connector.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		}}
	ls.conns.OnChange = func(ctx context.Context) { _ = ls.conns.Reload(ctx, ls.live) }
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	if ls.signer, err = verify.NewSigner(priv); err != nil {
		t.Fatal(err)
	}
	ls.verify = &verify.Service{Repo: st, Sharing: base.sharing, Signer: ls.signer, Node: "test-node", Limits: verify.DefaultLimits(),
		InTx: func(ctx context.Context, fn func(verify.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		}}
	ui, err := web.New(web.Deps{Catalog: cat, Accounts: base.accounts, Enterprises: base.ents, Audit: base.audit, Items: base.items,
		Quality: base.quality, Sharing: base.sharing, Authz: base.authz, Connectors: ls.conns, Live: ls.live, Verify: ls.verify,
		SessionTTL: time.Hour, NodeName: "test-node", Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	ui.Register(mux)
	var h http.Handler = mux
	h = server.Authenticate(base.accounts, ui.RenderError, h)
	h = server.LimitBody(1<<20, h)
	h = server.CrossOrigin(ui.RenderError, h)
	h = server.Language(cat, h)
	h = server.SecurityHeaders(h)
	cp := *base
	cp.catalog = cat
	cp.srv = httptest.NewServer(h)
	t.Cleanup(cp.srv.Close)
	ls.stack = &cp
	return ls
}

// connectorConfig is the JSON the form posts.
const connectorConfig = `{
  "name": "court-live", "department": "court", "enabled": true, "base_url": "http://127.0.0.1:9",
  "auth": {"type": "hmac", "key_id": "creditbridge"},
  "request": {"method": "GET", "path": "/api/court/v1/enterprises/{credit_code}/items/{item}?from={from}&to={to}"},
  "response": {"records": "data.records", "period": "period", "num": "value", "text": "text", "ref": "ref"},
  "items": [{"code": "judicial.consumption_restriction", "remote": "consumption_restriction"}],
  "timeout": "2s", "retries": 1, "backoff": {"initial": "100ms", "max": "1s"}, "breaker": {"failures": 5, "cooldown": "30s"},
  "rate_limit": {"per_second": 10, "burst": 5}, "cache_ttl": "1m"
}`

var connectorBaseRE = baseRE

// TestConnectorPages creates a connector through the form, lists it, edits
// it keeping the secret, and shows that the secret is never echoed, a
// reason is required and a stale edit is refused.
func TestConnectorPages(t *testing.T) {
	t.Parallel()
	s := newLiveStack(t)
	ctx := context.Background()
	b := s.browser(t, "zh-CN")
	b.mustSignIn("admin")
	csrf := b.csrf()
	const secret = "s3cret-not-to-be-shown"

	expect(t, "nav", b.get("/connectors"), http.StatusOK, []string{`href="/connectors"`, "部门接口连接", "尚未配置任何接口连接。"}, nil)
	expect(t, "new form", b.get("/connectors/new"), http.StatusOK, []string{`action="/connectors/new"`, `name="config"`, `name="secret"`, `type="password"`}, nil)

	// No reason, no secret: nothing stored, both said next to their fields.
	p := b.do(http.MethodPost, "/connectors/new", url.Values{"csrf_token": {csrf}, "config": {connectorConfig}, "reason": {" "}})
	expect(t, "no reason", p, http.StatusBadRequest, []string{"field field-invalid", "court-live"}, nil)
	p = b.do(http.MethodPost, "/connectors/new", url.Values{"csrf_token": {csrf}, "config": {connectorConfig}, "reason": {"接入法院接口"}})
	expect(t, "no secret", p, http.StatusBadRequest, []string{"请填写密钥；密钥加密保存，之后不再显示。"}, nil)
	p = b.do(http.MethodPost, "/connectors/new", url.Values{"csrf_token": {csrf}, "config": {"{not json"}, "reason": {"x"}, "secret": {secret}})
	expect(t, "bad json", p, http.StatusBadRequest, []string{"配置不是有效的接口连接 JSON"}, []string{secret})
	if _, err := s.conns.Get(ctx, access.System, "court-live"); err == nil {
		t.Fatal("an invalid form stored a connector")
	}

	p = b.do(http.MethodPost, "/connectors/new", url.Values{"csrf_token": {csrf}, "config": {connectorConfig}, "reason": {"接入法院接口"}, "secret": {secret}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/connectors/court-live?saved=1" {
		t.Fatalf("create: %d → %q\n%s", p.status, p.header.Get("Location"), excerpt(p.body))
	}
	expect(t, "detail", b.get("/connectors/court-live?saved=1"), http.StatusOK, []string{"已保存为第 1 版。", "接入法院接口",
		"judicial.consumption_restriction", "已加密保存（不再显示）", "http://127.0.0.1:9"}, []string{secret})
	expect(t, "list", b.get("/connectors"), http.StatusOK, []string{`href="/connectors/court-live"`, "HMAC 签名", "正常", "judicial.consumption_restriction"}, []string{secret})

	// Edit: the form never carries the secret; blank keeps it.
	p = b.get("/connectors/court-live/edit")
	expect(t, "edit form", p, http.StatusOK, []string{`name="base_version" value="1"`, "已保存密钥。留空则保持不变"}, []string{secret})
	edited := strings.Replace(connectorConfig, `"retries": 1`, `"retries": 2`, 1)
	p = b.do(http.MethodPost, "/connectors/court-live/edit", url.Values{"csrf_token": {csrf}, "config": {edited}, "reason": {"增加重试"}, "base_version": {"1"}})
	if p.status != http.StatusSeeOther || p.header.Get("Location") != "/connectors/court-live?saved=2" {
		t.Fatalf("edit: %d → %q\n%s", p.status, p.header.Get("Location"), excerpt(p.body))
	}
	loaded, err := s.conns.Active(ctx)
	if err != nil || len(loaded) != 1 || loaded[0].Config.Auth.Secret != secret || loaded[0].Config.Retries != 2 {
		t.Fatalf("after the edit: %+v %v (the blank secret must keep the stored one)", loaded, err)
	}
	// A second edit still based on version 1 is refused and changes nothing.
	stale := strings.Replace(connectorConfig, `"retries": 1`, `"retries": 3`, 1)
	p = b.do(http.MethodPost, "/connectors/court-live/edit", url.Values{"csrf_token": {csrf}, "config": {stale}, "reason": {"再改"}, "base_version": {"1"}, "secret": {secret}})
	expect(t, "stale", p, http.StatusConflict, []string{"该接口配置已被他人修改，请刷新后重试。", "当前为第 2 版", `value="再改"`}, []string{secret})
	if v, _ := s.conns.Get(ctx, access.System, "court-live"); v.Version != 2 || v.Retries != 2 {
		t.Fatalf("a stale edit stored v%d retries %d", v.Version, v.Retries)
	}
	// A secret written into the JSON is refused and taken out of the echo.
	withSecret := strings.Replace(connectorConfig, `"key_id": "creditbridge"`, `"key_id": "creditbridge", "secret": "`+secret+`"`, 1)
	p = b.do(http.MethodPost, "/connectors/court-live/edit", url.Values{"csrf_token": {csrf}, "config": {withSecret}, "reason": {"x"}, "base_version": {"2"}})
	expect(t, "secret in json", p, http.StatusBadRequest, []string{"请将密钥填在“密钥”一栏"}, []string{secret})

	// English, and the versions.
	en := s.browser(t, "en")
	en.mustSignIn("admin")
	expect(t, "detail en", en.get("/connectors/court-live"), http.StatusOK, []string{"Versions", "增加重试", "Stored sealed (never shown)", "Healthy"}, []string{secret})

	// Only operator administrators.
	bank := s.browser(t, "zh-CN")
	bank.mustSignIn("bank")
	if p := bank.get("/connectors"); p.status != http.StatusForbidden {
		t.Fatalf("an institution officer got /connectors: %d", p.status)
	}
	expect(t, "no nav for the bank", bank.get("/catalog"), http.StatusOK, nil, []string{`href="/connectors"`})
}
