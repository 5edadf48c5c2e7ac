package app_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/monitor"
)

// liveNode opens a node on a fresh SQLite directory and serves it on a real
// loopback listener with its background jobs (the detector among them).
func liveNode(t *testing.T, tweak func(*config.Config)) (*app.Node, string) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Listen = "127.0.0.1:0"
	cfg.MonitorInterval = 200 * time.Millisecond
	if tweak != nil {
		tweak(&cfg)
	}
	n, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		n.Close()
	})
	return n, "http://" + ln.Addr().String()
}

// registerRegion registers n enterprises of one county with valid codes
// whose organisation codes are spread over the code space (as issued).
func registerRegion(t *testing.T, n *app.Node, count int) []enterprise.View {
	t.Helper()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(7, 11))
	var out []enterprise.View
	for len(out) < count {
		body := fmt.Sprintf("MA%06d", rng.IntN(1_000_000))
		chk := creditcode.OrgCodeCheck(body)
		code, err := creditcode.Complete("91320505" + body + string(chk))
		if err != nil || !creditcode.Valid(string(code)) {
			continue
		}
		v, err := n.Enterprises.Register(ctx, access.System, enterprise.Input{Code: string(code), NameZH: fmt.Sprintf("模拟企业%d（模拟）", len(out)),
			Industry: "C", Size: "small", FoundedOn: "2015-06-01", Address: "苏州市高新区",
			LegalRep: enterprise.LegalRep{Name: "张三", IDNumber: repID}})
		if err != nil {
			if strings.Contains(err.Error(), "exist") {
				continue
			}
			t.Fatalf("register %s: %v", code, err)
		}
		out = append(out, v)
	}
	return out
}

func institution(t *testing.T, n *app.Node, name string) account.Org {
	t.Helper()
	o, err := n.Accounts.CreateOrg(context.Background(), account.SystemActor, account.Org{Kind: account.KindInstitution, Name: name, AccessTier: 3})
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func apiKey(t *testing.T, n *app.Node, org account.Org, name string) (string, account.APIKey) {
	t.Helper()
	secret, k, err := n.Accounts.CreateAPIKey(context.Background(), account.SystemActor, account.NewAPIKey{OrgID: org.ID, Name: name,
		Scopes: []account.Scope{account.ScopeEnterpriseRead}})
	if err != nil {
		t.Fatal(err)
	}
	return secret, k
}

// catchUp runs the detector until it has consumed the whole log.
func catchUp(t *testing.T, n *app.Node) {
	t.Helper()
	for {
		k, err := n.Detector.Step(context.Background())
		if err != nil {
			t.Fatalf("detector step: %v", err)
		}
		if k == 0 {
			return
		}
	}
}

// TestHarvestSimulationIsSuspendedAndHonestTrafficIsNot runs `sim harvest`
// (a real HTTP client) against a live node in every pattern: the detector
// must flag each harvester and the platform suspend its key within 200
// requests. An honest institution reading its authorized customers over a
// simulated business day is never flagged.
func TestHarvestSimulationIsSuspendedAndHonestTrafficIsNot(t *testing.T) {
	t.Parallel()
	now := time.Now().In(monitor.Shanghai)
	// Business hours that exclude the present, so the night harvester's
	// reads are night reads: the two hours starting 6 hours from now.
	bs := now.Add(6 * time.Hour)
	business := fmt.Sprintf("%02d:00-%02d:00", bs.Hour()%22, bs.Hour()%22+2)
	n, url := liveNode(t, func(c *config.Config) { c.MonitorBusinessHours = business })
	ents := registerRegion(t, n, 300)
	bank := institution(t, n, "示范农商银行（模拟）")
	patterns := []string{app.PatternSequential, app.PatternRandom, app.PatternDenied, app.PatternEnumerate, app.PatternNight}
	for _, p := range patterns {
		t.Run(p, func(t *testing.T) {
			secret, key := apiKey(t, n, bank, "harvester-"+p)
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			rep, err := app.Harvest(ctx, app.HarvestOptions{URL: url, APIKey: secret, Pattern: p, Max: 400, Seed: 3, Rate: 50})
			if err != nil {
				t.Fatalf("harvest: %v (report %+v)", err, rep)
			}
			if !rep.Suspended || rep.SuspendedAfter > 200 {
				t.Fatalf("pattern %s: suspended=%v after %d requests (statuses %v), want suspended within 200", p, rep.Suspended, rep.SuspendedAfter, rep.Statuses)
			}
			as, err := n.Monitor.ListAlerts(ctx, access.Principal{Role: account.RoleAuditor, OrgKind: account.KindAuditor, OrgID: 1}, monitor.AlertFilter{OrgID: bank.ID, Limit: 500})
			if err != nil {
				t.Fatal(err)
			}
			var rules []string
			suspendedBy := int64(0)
			for _, a := range as {
				if a.APIKeyID == key.ID {
					rules = append(rules, a.Rule+"/"+a.Severity)
					if a.SuspensionID != 0 {
						suspendedBy = a.ID
					}
				}
			}
			if suspendedBy == 0 {
				t.Fatalf("no alert of key %d carries its suspension; alerts %v", key.ID, rules)
			}
			t.Logf("pattern %-10s suspended after %3d requests (statuses %v); alerts %v", p, rep.SuspendedAfter, rep.Statuses, rules)
		})
	}
	_ = ents
}

// simClock is a clock the test moves forward.
type simClock struct{ ns atomic.Int64 }

func (c *simClock) Now() time.Time          { return time.Unix(0, c.ns.Load()).UTC() }
func (c *simClock) Set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *simClock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func TestHonestInstitutionOverASimulatedDayIsNeverFlagged(t *testing.T) {
	t.Parallel()
	n, url := liveNode(t, nil)
	clk := &simClock{}
	// Monday 23 November 2026, 08:45 in Shanghai.
	day := time.Date(2026, 11, 23, 8, 45, 0, 0, monitor.Shanghai)
	clk.Set(day)
	n.Enterprises.Now, n.Sharing.Now, n.Monitor.Now, n.Gate.Limiter.Now, n.Authz.Now = clk.Now, clk.Now, clk.Now, clk.Now, clk.Now
	ents := registerRegion(t, n, 120)
	bank := institution(t, n, "诚信银行（模拟）")
	secret, key := apiKey(t, n, bank, "core-banking")
	ctx := context.Background()
	// Its 30 customers authorized it (tax data, a year, valid a month).
	inst := access.Principal{OrgID: bank.ID, OrgKind: account.KindInstitution, OrgName: bank.Name, AccessTier: 3, APIKeyID: key.ID,
		APIKeyPrefix: key.Prefix, Scopes: key.Scopes}
	var portfolio []string
	for _, e := range ents[:30] {
		a, err := n.Authz.Request(ctx, inst, authz.RequestInput{CreditCode: e.Code, Purpose: access.PurposeLoan, Items: []string{"tax."},
			DataFrom: "2025-01-01", DataTo: "2026-10-31", ValidUntil: "2026-12-31", FetchType: "periodic", Frequency: "monthly", Mode: "view"})
		if err != nil {
			t.Fatalf("request authorization: %v", err)
		}
		owner := access.Principal{UserID: 1, Username: "owner", OrgID: 1_000 + e.ID, OrgKind: account.KindEnterprise, Role: account.RoleEnterpriseAdmin, EnterpriseID: a.EnterpriseID}
		if _, err := n.Authz.Approve(ctx, owner, a.ID, nil); err != nil {
			t.Fatalf("approve: %v", err)
		}
		portfolio = append(portfolio, e.Code)
	}
	// A business day: 09:00-18:00 with a lunch break, a request every 30 s
	// to 4 min, registration and authorized tax reads of its customers.
	rng := rand.New(rand.NewPCG(5, 9))
	clk.Set(day.Add(15 * time.Minute))
	end := time.Date(2026, 11, 23, 18, 0, 0, 0, monitor.Shanghai)
	steps := 0
	rep, err := app.Harvest(ctx, app.HarvestOptions{URL: url, APIKey: secret, Pattern: app.PatternHonest, Codes: portfolio, Items: "tax.",
		Max: 100_000, Seed: 5, Before: func(i int) {
			steps++
			clk.Advance(30*time.Second + time.Duration(rng.IntN(210))*time.Second)
			if h := clk.Now().In(monitor.Shanghai).Hour(); h == 12 {
				clk.Advance(time.Hour)
			}
		}, Client: &http.Client{Timeout: 30 * time.Second, Transport: stopAfter(clk, end)}})
	if err != nil && !strings.Contains(err.Error(), "end of the simulated day") {
		t.Fatalf("honest: %v", err)
	}
	catchUp(t, n)
	as, err := n.Monitor.ListAlerts(ctx, access.Principal{Role: account.RoleAuditor, OrgKind: account.KindAuditor, OrgID: 1}, monitor.AlertFilter{OrgID: bank.ID, Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	if len(as) != 0 || rep.Suspended {
		t.Fatalf("honest institution flagged: %d alerts (%+v), suspended %v", len(as), as, rep.Suspended)
	}
	if rep.Statuses["200"] < 100 {
		t.Fatalf("honest day made too few successful reads: %+v", rep)
	}
	t.Logf("honest day: %d requests (statuses %v) over %s of simulated time, %d customers: 0 alerts, 0 suspensions",
		rep.Requests, rep.Statuses, clk.Now().Sub(day.Add(15*time.Minute)).Round(time.Minute), len(portfolio))
}

// stopAfter ends the honest client's day: requests after the simulated
// end fail with a recognisable error.
func stopAfter(clk *simClock, end time.Time) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if clk.Now().After(end) {
			return nil, fmt.Errorf("end of the simulated day")
		}
		return http.DefaultTransport.RoundTrip(r)
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// TestSuspensionAPIBlocksTheNextRequestUntilReinstated: an operator
// suspends an institution, a user and a key over the API; each one's next
// request is refused with 403 access.suspended in the caller's language,
// and a reinstatement lets the next one through.
func TestSuspensionAPIBlocksTheNextRequestUntilReinstated(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	orgs, err := w.n.Accounts.ListOrgs(ctx, account.SystemActor, account.KindInstitution, 10, 0)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("institutions %v %v", orgs, err)
	}
	bank := orgs[0]
	var me struct {
		UserID int64 `json:"user_id"`
	}
	rec := do(t, w.h, "GET", "/api/v1/me", w.actors["institution_officer"], "", nil)
	if err := json.Unmarshal(rec.Body.Bytes(), &me); err != nil || me.UserID == 0 {
		t.Fatalf("me: %s", rec.Body)
	}
	admin := w.actors["operator_admin"]
	status := func(who string, lang string) (int, string, string) {
		t.Helper()
		rec := do(t, w.h, "GET", "/api/v1/me", w.actors[who], "", map[string]string{"Accept-Language": lang})
		var pr struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &pr)
		return rec.Code, pr.Code, pr.Detail
	}
	suspend := func(kind string, id int64) int64 {
		t.Helper()
		rec := do(t, w.h, "POST", "/api/v1/monitor/suspensions", admin, fmt.Sprintf(`{"kind":%q,"id":%d,"reason":"批量查询无授权企业"}`, kind, id), nil)
		if rec.Code != http.StatusCreated {
			t.Fatalf("suspend %s %d = %d %s", kind, id, rec.Code, rec.Body)
		}
		var sp struct {
			ID     int64 `json:"id"`
			Active bool  `json:"active"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &sp); err != nil || sp.ID == 0 || !sp.Active {
			t.Fatalf("suspension body %s", rec.Body)
		}
		return sp.ID
	}
	reinstate := func(id int64) {
		t.Helper()
		rec := do(t, w.h, "DELETE", fmt.Sprintf("/api/v1/monitor/suspensions/%d?reason=resolved", id), admin, "", nil)
		if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"active":false`) {
			t.Fatalf("reinstate %d = %d %s", id, rec.Code, rec.Body)
		}
	}
	// Only operator staff may suspend; bad input is explained.
	if rec := do(t, w.h, "POST", "/api/v1/monitor/suspensions", w.actors["institution_officer"], `{"kind":"org","id":1,"reason":"x"}`, nil); rec.Code != http.StatusForbidden {
		t.Fatalf("institution suspends: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, w.h, "POST", "/api/v1/monitor/suspensions", admin, `{"kind":"team","id":0,"reason":""}`, nil); rec.Code != http.StatusBadRequest ||
		!strings.Contains(rec.Body.String(), "monitor.unknown_kind") || !strings.Contains(rec.Body.String(), "monitor.reason") {
		t.Fatalf("bad suspension: %d %s", rec.Code, rec.Body)
	}

	id := suspend("org", bank.ID)
	for _, who := range []string{"apikey", "institution_officer"} {
		st, code, zh := status(who, "zh-CN")
		_, _, en := status(who, "en")
		if st != http.StatusForbidden || code != "access.suspended" || zh == en || !strings.Contains(zh, "暂停") || !strings.Contains(strings.ToLower(en), "suspended") {
			t.Fatalf("%s under the institution's suspension: %d %s %q / %q", who, st, code, zh, en)
		}
	}
	if st, _, _ := status("operator_admin", "en"); st != http.StatusOK {
		t.Fatalf("the operator is blocked: %d", st)
	}
	// A suspended session may still sign out.
	if rec := do(t, w.h, "POST", "/api/v1/auth/sign-out", w.actors["institution_officer"], "", nil); rec.Code != http.StatusNoContent {
		t.Fatalf("suspended sign-out = %d %s", rec.Code, rec.Body)
	}
	rec = do(t, w.h, "GET", "/api/v1/monitor/suspensions?active=true", admin, "", nil)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"kind":"org"`) {
		t.Fatalf("list: %d %s", rec.Code, rec.Body)
	}
	reinstate(id)
	if st, _, _ := status("apikey", "en"); st != http.StatusOK {
		t.Fatalf("after reinstatement the key gets %d", st)
	}
	// A user's suspension blocks that user only.
	uid := suspend("user", me.UserID)
	_ = uid
	if st, code, _ := status("apikey", "en"); st != http.StatusOK || code != "" {
		t.Fatalf("the bank's key is blocked by its officer's suspension: %d %s", st, code)
	}
	if rec := do(t, w.h, "GET", "/api/v1/monitor/alerts", w.actors["auditor"], "", nil); rec.Code != http.StatusOK {
		t.Fatalf("auditor lists alerts: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, w.h, "GET", "/api/v1/monitor/alerts", w.actors["enterprise_admin"], "", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("enterprise lists alerts: %d", rec.Code)
	}
}

// TestRateLimitAnswers429WithRetryAfter: a key over its limit is refused
// with 429, a Retry-After and a problem in the caller's language, and the
// refusal is in the evidence log (once a minute).
func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	n, url := liveNode(t, func(c *config.Config) { c.RateKeyPerMinute, c.RateBurstSeconds = 1, 180 }) // a burst of 3, then one a minute
	bank := institution(t, n, "限速银行（模拟）")
	secret, _ := apiKey(t, n, bank, "core")
	var codes []int
	var last *http.Response
	for range 5 {
		req, _ := http.NewRequest("GET", url+"/api/v1/me", nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.Header.Set("Accept-Language", "en")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		codes = append(codes, resp.StatusCode)
		if resp.StatusCode == http.StatusTooManyRequests {
			last = resp
			if !strings.Contains(string(body), "monitor.rate_limited") || !strings.Contains(string(body), "Too many requests") {
				t.Fatalf("429 body %s", body)
			}
		}
	}
	if codes[0] != 200 || codes[2] != 200 || codes[3] != 429 || codes[4] != 429 || last == nil {
		t.Fatalf("statuses %v; want 3 allowed (the burst) then 429", codes)
	}
	if ra, err := strconv.Atoi(last.Header.Get("Retry-After")); err != nil || ra < 55 || ra > 60 {
		t.Fatalf("Retry-After %q, want about a minute", last.Header.Get("Retry-After"))
	}
	es, err := n.Store.ListAudit(context.Background(), audit.Filter{Action: "monitor.rate_limited", Limit: 10})
	if err != nil || len(es) != 1 || es[0].OrgID != bank.ID {
		t.Fatalf("rate-limit evidence %+v %v, want one entry for the bank", es, err)
	}
}

// TestMonitorPageListsAlertsAndSuspendsFromThem drives the operator's
// /monitor page: an alert with its evidence, the suspend button, the
// suspension in force and the reinstate button.
func TestMonitorPageListsAlertsAndSuspendsFromThem(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ctx := context.Background()
	orgs, err := w.n.Accounts.ListOrgs(ctx, account.SystemActor, account.KindInstitution, 10, 0)
	if err != nil || len(orgs) != 1 {
		t.Fatal(err)
	}
	bank := orgs[0]
	// One denied read by the bank's key is the evidence behind the alert.
	if rec := do(t, w.h, "GET", "/api/v1/enterprises/"+huawei+"/data?purpose=loan_application&items=tax.", w.actors["apikey"], "", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("unauthorized data read = %d %s", rec.Code, rec.Body)
	}
	es, err := w.n.Store.ListAudit(ctx, audit.Filter{OrgID: bank.ID, Limit: 1})
	if err != nil || len(es) != 1 {
		t.Fatalf("evidence %v %v", es, err)
	}
	al := monitor.Alert{Rule: monitor.RuleDeniedBurst, Severity: monitor.SeverityMedium, OrgID: bank.ID, Actor: es[0].ActorName,
		Observed: 12, Threshold: 10, Entries: []int64{es[0].Seq}, Detail: "12 denied reads within 10m0s"}
	if err := w.n.Store.InsertAlert(ctx, &al); err != nil {
		t.Fatal(err)
	}
	admin := w.actors["operator_admin"]
	for _, lang := range []string{"en", "zh-CN"} {
		rec := do(t, w.h, "GET", fmt.Sprintf("/monitor?alert=%d", al.ID), admin, "", map[string]string{"Accept-Language": lang})
		body := rec.Body.String()
		want := map[string][]string{"en": {"Security monitoring", "Burst of denied reads", "Suspend institution", es[0].Action},
			"zh-CN": {"安全监测", "集中被拒查询", "暂停机构", es[0].Action}}[lang]
		if rec.Code != http.StatusOK {
			t.Fatalf("GET /monitor (%s) = %d %s", lang, rec.Code, body)
		}
		for _, s := range want {
			if !strings.Contains(body, s) {
				t.Fatalf("/monitor (%s) lacks %q", lang, s)
			}
		}
	}
	if rec := do(t, w.h, "GET", "/monitor", w.actors["institution_officer"], "", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("institution sees /monitor: %d", rec.Code)
	}
	form := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	rec := do(t, w.h, "POST", "/monitor/suspensions", admin, fmt.Sprintf("kind=org&id=%d&reason=alert+%d", bank.ID, al.ID), form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("suspend form = %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, w.h, "GET", "/api/v1/me", w.actors["apikey"], "", nil); rec.Code != http.StatusForbidden {
		t.Fatalf("the suspended bank's key: %d", rec.Code)
	}
	ss, err := w.n.Monitor.ListSuspensions(ctx, access.Principal{Role: account.RoleAuditor, OrgKind: account.KindAuditor, OrgID: 1}, true, 10)
	if err != nil || len(ss) != 1 {
		t.Fatalf("suspensions %v %v", ss, err)
	}
	rec = do(t, w.h, "GET", "/monitor", admin, "", map[string]string{"Accept-Language": "en"})
	if !strings.Contains(rec.Body.String(), "Reinstate") || !strings.Contains(rec.Body.String(), bank.Name) {
		t.Fatalf("/monitor lacks the suspension: %s", rec.Body)
	}
	rec = do(t, w.h, "POST", fmt.Sprintf("/monitor/suspensions/%d/reinstate", ss[0].ID), admin, "reason=false+alarm", form)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("reinstate form = %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, w.h, "GET", "/api/v1/me", w.actors["apikey"], "", nil); rec.Code != http.StatusOK {
		t.Fatalf("the reinstated bank's key: %d", rec.Code)
	}
}

// TestSimHarvestCommand runs the command line itself against a live node.
func TestSimHarvestCommand(t *testing.T) {
	t.Parallel()
	n, url := liveNode(t, nil)
	registerRegion(t, n, 80)
	secret, _ := apiKey(t, n, institution(t, n, "命令行银行（模拟）"), "cli")
	var out, errOut strings.Builder
	code := app.Run(context.Background(), app.Env{Args: []string{"sim", "harvest", "--url", url, "--pattern", "random", "--rate", "50", "--max", "300"},
		Environ: []string{"CREDITBRIDGE_SIM_API_KEY=" + secret}, Stdout: &out, Stderr: &errOut})
	if code != 0 {
		t.Fatalf("sim harvest exit %d: %s %s", code, out.String(), errOut.String())
	}
	var rep app.HarvestReport
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatalf("report %q: %v", out.String(), err)
	}
	if !rep.Suspended || rep.SuspendedAfter > 200 {
		t.Fatalf("report %+v, want suspended within 200 requests", rep)
	}
	if code := app.Run(context.Background(), app.Env{Args: []string{"sim", "harvest", "--url", url, "--api-key", secret, "--pattern", "sideways"},
		Stdout: &out, Stderr: &errOut}); code != 2 {
		t.Fatalf("bad pattern: exit %d, want 2 (usage)", code)
	}
}
