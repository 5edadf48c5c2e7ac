package app_test

import (
	"context"
	"encoding/json"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestqueue"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/server"
)

// TestScoreAPI: a loaded batch queues its enterprises and the incremental
// worker rescores them (consuming the queue); an operator starts a batch
// run over the API and follows it to the end; an institution reads a
// score only under an authorization covering the item; the enterprise
// reads its own, with reasons in its language and the data used.
func TestScoreAPI(t *testing.T) {
	for _, b := range ingestBackends(t) {
		t.Run(b, func(t *testing.T) { scoreAPIScenario(t, b) })
	}
}

func scoreAPIScenario(t *testing.T, backendName string) {
	w := newIngestWorld(t, backendName)
	h, n := w.h, w.n
	ctx := context.Background()
	en := map[string]string{"Accept-Language": "en"}
	zh := map[string]string{"Accept-Language": "zh-CN"}

	// Incremental: a tax batch queues every enterprise it brought data
	// for; the worker rescores them and empties the queue.
	for _, ds := range ingestqueue.ManifestDatasets(w.m) {
		name := ds.Name
		ds.Name = ""
		body, _ := json.Marshal(ds)
		if rec := do(t, h, "PUT", "/api/v1/ingest/datasets/"+url.PathEscape(name), w.admin, string(body), nil); rec.Code != 201 {
			t.Fatalf("PUT %s: %d %s", name, rec.Code, rec.Body)
		}
	}
	w.runQueue(t)
	f, body := w.file(t, "tax/tax.returns", false)
	rec := upload(t, h, "/api/v1/ingest/batches?dataset="+url.QueryEscape("tax/tax.returns"), w.taxKey, ingest.ReportXLSXType, body,
		map[string]string{"Content-Disposition": `attachment; filename="` + filepath.Base(f.Path) + `"`})
	if rec.Code != 202 {
		t.Fatalf("submit: %d %s", rec.Code, rec.Body)
	}
	if b := await(t, h, w.taxKey, rec.Header().Get("Location"), nil); b.State != "loaded" || b.Facts == 0 {
		t.Fatalf("batch %+v", b)
	}
	q, err := n.Store.RecomputeQueue(ctx, 500)
	if err != nil || len(q) == 0 || !strings.HasPrefix(q[0].Reason, "ingest batch ") {
		t.Fatalf("queue after the batch: %d entries %v", len(q), err)
	}
	queued := map[int64]bool{}
	for _, e := range q {
		queued[e.EnterpriseID] = true
	}
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Scoring.Watch(wctx, 20*time.Millisecond, func(err error) { t.Error(err) })
	}()
	deadline := time.Now().Add(60 * time.Second)
	for {
		q, err := n.Store.RecomputeQueue(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(q) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the queue still holds %d entries", len(q))
		}
		time.Sleep(20 * time.Millisecond)
	}
	for id := range queued {
		sc, err := n.Store.LatestScore(ctx, id)
		if err != nil || !strings.HasPrefix(sc.Cause, "incremental: ingest batch ") {
			t.Fatalf("enterprise %d after the worker: %+v %v", id, sc, err)
		}
	}

	// A batch run: operator staff only; followed to the end.
	if rec := do(t, h, "POST", "/api/v1/scoring/runs", w.tax, `{}`, en); rec.Code != 403 {
		t.Fatalf("department started a run: %d %s", rec.Code, rec.Body)
	}
	if rec := do(t, h, "POST", "/api/v1/scoring/runs", w.admin, `{"as_of":"tomorrow"}`, en); rec.Code != 400 {
		t.Fatalf("bad as_of: %d %s", rec.Code, rec.Body)
	}
	rec = do(t, h, "POST", "/api/v1/scoring/runs", w.admin, `{}`, nil)
	if rec.Code != 202 {
		t.Fatalf("start run: %d %s", rec.Code, rec.Body)
	}
	var run struct {
		ID          int64  `json:"id"`
		Status      string `json:"status"`
		Enterprises int64  `json:"enterprises"`
		Scored      int64  `json:"scored"`
		Failed      int64  `json:"failed"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &run); err != nil || run.ID == 0 || run.Status != scoring.RunRunning {
		t.Fatalf("run %s: %v", rec.Body, err)
	}
	for run.Status == scoring.RunRunning {
		if time.Now().After(deadline.Add(60 * time.Second)) {
			t.Fatalf("run %d still running", run.ID)
		}
		time.Sleep(20 * time.Millisecond)
		rec := do(t, h, "GET", "/api/v1/scoring/runs/"+itoa(run.ID), w.admin, "", nil)
		if rec.Code != 200 {
			t.Fatalf("GET run: %d %s", rec.Code, rec.Body)
		}
		_ = json.Unmarshal(rec.Body.Bytes(), &run)
	}
	cancel()
	<-done
	if run.Status != scoring.RunDone || run.Scored != run.Enterprises || run.Failed != 0 || run.Enterprises != 50 {
		t.Fatalf("run ended %+v", run)
	}
	if rec := do(t, h, "GET", "/api/v1/scoring/runs", w.tax, "", en); rec.Code != 403 {
		t.Fatalf("department listed runs: %d", rec.Code)
	}
	if rec := do(t, h, "GET", "/scores", w.admin, "", zh); rec.Code != 200 || !strings.Contains(rec.Body.String(), "重新评分全部企业") {
		t.Fatalf("/scores: %d", rec.Code)
	}

	// Reading a score: the enterprise itself, an institution without and
	// with an authorization covering the item.
	subject, _, err := n.Store.SearchEnterprises(ctx, enterpriseQuery(1))
	if err != nil || len(subject) == 0 {
		t.Fatal(err)
	}
	ent := subject[0]
	sys := account.SystemActor
	entOrg, err := n.Accounts.CreateOrg(ctx, sys, account.Org{Kind: account.KindEnterprise, Name: ent.NameZH + " 账户", EnterpriseID: ent.ID})
	if err != nil {
		t.Fatal(err)
	}
	owner := userSession(t, w, entOrg, "score_owner", account.RoleEnterpriseAdmin)
	path := "/api/v1/enterprises/" + ent.Code + "/score"
	rec = do(t, h, "GET", path, owner, "", zh)
	if rec.Code != 200 {
		t.Fatalf("own score: %d %s", rec.Code, rec.Body)
	}
	var x scoring.Explanation
	if err := json.Unmarshal(rec.Body.Bytes(), &x); err != nil {
		t.Fatal(err)
	}
	if x.Grade == "" || len(x.Dimensions) == 0 || len(x.DataUsed) == 0 || x.Features == nil || x.Purpose != access.PurposeSelf ||
		x.ModelNote != scoring.NoModelNote("zh-CN") || x.Cause != "run "+itoa(run.ID) {
		t.Fatalf("own explanation %+v", x)
	}
	for _, r := range x.Reasons {
		if !strings.Contains(r.Text, "扣") {
			t.Fatalf("reason wording %q", r.Text)
		}
	}
	if rec := do(t, h, "GET", path, owner, "", en); rec.Code != 200 || strings.Contains(rec.Body.String(), "扣 ") ||
		(len(x.Reasons) > 0 && !strings.Contains(rec.Body.String(), "points lost")) {
		t.Fatalf("english explanation: %d %s", rec.Code, rec.Body)
	}
	bankOrg, err := n.Accounts.CreateOrg(ctx, sys, account.Org{Kind: account.KindInstitution, Name: "评分测试银行（模拟）", AccessTier: 3})
	if err != nil {
		t.Fatal(err)
	}
	secret, key, err := n.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: bankOrg.ID, Name: "score", Scopes: []account.Scope{account.ScopeEnterpriseRead}})
	if err != nil {
		t.Fatal(err)
	}
	bankKey := actor{key: secret}
	q2 := "?purpose=" + access.PurposeLoan
	if rec := do(t, h, "GET", path+q2, bankKey, "", en); rec.Code != 403 || !strings.Contains(rec.Body.String(), "authorization") ||
		strings.Contains(rec.Body.String(), `"grade"`) {
		t.Fatalf("institution without authorization: %d %s", rec.Code, rec.Body)
	}
	bank := access.Principal{Username: "score-bank", OrgID: bankOrg.ID, OrgKind: account.KindInstitution, AccessTier: 3, APIKeyID: key.ID,
		APIKeyPrefix: key.Prefix, Scopes: key.Scopes}
	today := time.Now().UTC()
	a, err := n.Authz.Request(ctx, bank, authz.RequestInput{CreditCode: ent.Code, Purpose: access.PurposeLoan, Items: []string{scoring.ItemCode},
		DataFrom: today.AddDate(-1, 0, 0).Format(time.DateOnly), DataTo: today.Format(time.DateOnly),
		ValidUntil: today.AddDate(0, 1, 0).Format(time.DateOnly), FetchType: "one_time", Mode: "view"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Authz.Approve(ctx, access.Principal{Username: "owner", OrgKind: account.KindEnterprise, EnterpriseID: ent.ID,
		Role: account.RoleEnterpriseAdmin}, a.ID, nil); err != nil {
		t.Fatal(err)
	}
	rec = do(t, h, "GET", path+q2, bankKey, "", en)
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"authorization_id":"`+a.ID+`"`) || strings.Contains(rec.Body.String(), `"features"`) {
		t.Fatalf("institution with authorization: %d %s", rec.Code, rec.Body)
	}
	// Other items stay closed to it: the authorization names the score only.
	if rec := do(t, h, "GET", "/api/v1/enterprises/"+ent.Code+"/data?items=tax.paid_total&purpose="+access.PurposeLoan, bankKey, "", nil); rec.Code != 403 {
		t.Fatalf("institution read tax data under a score authorization: %d", rec.Code)
	}
	// Monitoring purpose: not what was authorized.
	if rec := do(t, h, "GET", path+"?purpose="+access.PurposeMonitoring, bankKey, "", en); rec.Code != 403 {
		t.Fatalf("institution under another purpose: %d", rec.Code)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// enterpriseQuery is a registry page of n enterprises.
func enterpriseQuery(n int) enterprise.Query { return enterprise.Query{Limit: n} }

// userSession creates a user in org and signs it in.
func userSession(t *testing.T, w *ingestWorld, org account.Org, name string, role account.Role) actor {
	t.Helper()
	if _, err := w.n.Accounts.CreateUser(context.Background(), account.SystemActor, account.NewUser{OrgID: org.ID, Username: name, Role: role,
		Password: "correct horse battery"}); err != nil {
		t.Fatal(err)
	}
	rec := do(t, w.h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"`+name+`","password":"correct horse battery"}`, nil)
	if rec.Code != 200 {
		t.Fatalf("sign in %s: %d %s", name, rec.Code, rec.Body)
	}
	var me struct {
		CSRF string `json:"csrf_token"`
	}
	_ = json.Unmarshal(rec.Body.Bytes(), &me)
	for _, c := range rec.Result().Cookies() {
		if c.Name == server.SessionCookie {
			return actor{cookie: c.Value, csrf: me.CSRF}
		}
	}
	t.Fatalf("no session for %s", name)
	return actor{}
}
