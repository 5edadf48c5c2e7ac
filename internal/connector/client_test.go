package connector

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

const okBody = `{"code":0,"data":{"records":[{"period":"2026-09-01","value":"10.50"}]}}`

// department is an httptest department answering with the statuses in
// plan, one per request (the last repeats); status 0 hangs until the
// caller gives up.
type department struct {
	srv   *httptest.Server
	hits  atomic.Int64
	check func(r *http.Request, body []byte) int // optional: a status to answer instead
}

func newDepartment(t testing.TB, plan ...int) *department {
	t.Helper()
	d := &department{}
	d.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := d.hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		if d.check != nil {
			if s := d.check(r, body); s != 0 {
				w.WriteHeader(s)
				return
			}
		}
		s := plan[min(int(n)-1, len(plan)-1)]
		switch s {
		case 0:
			<-r.Context().Done()
		case 200:
			_, _ = io.WriteString(w, okBody)
		default:
			w.WriteHeader(s)
		}
	}))
	t.Cleanup(d.srv.Close)
	return d
}

func item(grade int) catalog.Item {
	return catalog.Item{Code: "tax.vat_sales", Department: "tax", Shape: facts.Measure, Grade: grade}
}

func registryFor(t testing.TB, d *department, change func(*Config)) *Registry {
	t.Helper()
	c := validConfig()
	c.BaseURL = d.srv.URL
	c.Timeout, c.Retries = Duration(300*time.Millisecond), 2
	c.Backoff = Backoff{Initial: Duration(10 * time.Millisecond), Max: Duration(20 * time.Millisecond)}
	if change != nil {
		change(&c)
	}
	c, err := Validate(c, true)
	if err != nil {
		t.Fatal(err)
	}
	r := NewRegistry(nil)
	r.Load([]Loaded{{Config: c, Version: 1}})
	return r
}

func fetch(r *Registry, grade int) (sharing.LiveResult, error) {
	return r.Fetch(context.Background(), sharing.LiveRequest{Item: item(grade), EnterpriseID: 3, CreditCode: "91320102MA1Y7Y81X0"})
}

func wantCode(t *testing.T, err error, kind fault.Kind, code string) *fault.Error {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("error %v, want %v %s", err, kind, code)
	}
	return fe
}

func TestFetchRetriesServerErrorsAndMapsTheAnswer(t *testing.T) {
	t.Parallel()
	d := newDepartment(t, 503, 429, 200)
	res, err := fetch(registryFor(t, d, nil), 3)
	if err != nil {
		t.Fatal(err)
	}
	if res.Attempts != 3 || d.hits.Load() != 3 || res.Cached || res.Connector != "tax-live" {
		t.Fatalf("result %+v after %d hits, want 3 attempts", res, d.hits.Load())
	}
	f := res.Facts[0]
	if len(res.Facts) != 1 || f.Num != 1050 || f.Source != "tax" || f.Batch != "live:tax-live" || f.EnterpriseID != 3 ||
		time.Since(f.ReceivedAt) > time.Minute || f.Item != "tax.vat_sales" {
		t.Fatalf("facts %+v", res.Facts)
	}
}

func TestFetchDoesNotRetryClientErrors(t *testing.T) {
	t.Parallel()
	for _, status := range []int{400, 401, 403, 404} {
		d := newDepartment(t, status)
		res, err := fetch(registryFor(t, d, nil), 3)
		fe := wantCode(t, err, fault.Unavailable, "connector.rejected")
		if fe.Params["department"] != "tax" || fe.Params["connector"] != "tax-live" || res.Attempts != 1 || d.hits.Load() != 1 {
			t.Fatalf("HTTP %d: %v params %v, %d attempts, %d hits; want one attempt naming the department", status, err, fe.Params, res.Attempts, d.hits.Load())
		}
	}
}

func TestFetchHangingDepartmentFailsWithinBudget(t *testing.T) {
	t.Parallel()
	d := newDepartment(t, 0)
	r := registryFor(t, d, func(c *Config) { c.Budget = Duration(time.Second) })
	start := time.Now()
	res, err := fetch(r, 3)
	took := time.Since(start)
	fe := wantCode(t, err, fault.Unavailable, "connector.department_down")
	if fe.Params["department"] != "tax" || fe.Params["connector"] != "tax-live" {
		t.Fatalf("params %v do not name the department and connector", fe.Params)
	}
	// Three attempts of 300ms and two short waits fit in the 1s budget; a
	// loaded machine may add some, but never the hang's full length.
	if res.Attempts < 2 || took > 5*time.Second {
		t.Fatalf("%d attempts in %v, want at least 2 attempts and an answer well within 5s", res.Attempts, took)
	}
}

func TestFetchCircuitOpensAndFailsFast(t *testing.T) {
	t.Parallel()
	d := newDepartment(t, 500)
	r := registryFor(t, d, func(c *Config) {
		c.Retries = 0
		c.Breaker = Breaker{Failures: 2, Cooldown: Duration(time.Hour)}
	})
	for range 2 {
		_, err := fetch(r, 3)
		wantCode(t, err, fault.Unavailable, "connector.department_down")
	}
	res, err := fetch(r, 3)
	wantCode(t, err, fault.Unavailable, "connector.circuit_open")
	if d.hits.Load() != 2 || res.Attempts != 0 {
		t.Fatalf("open circuit: %d hits, %d attempts; want no call", d.hits.Load(), res.Attempts)
	}
	if st := r.Status(); len(st) != 1 || st[0].Breaker != StateOpen {
		t.Fatalf("status %+v, want the breaker open", st)
	}
}

func TestFetchCacheFollowsTheGrade(t *testing.T) {
	t.Parallel()
	tests := []struct {
		grade int
		hits  int64
	}{{1, 1}, {2, 1}, {3, 1}, {4, 2}}
	for _, tc := range tests {
		d := newDepartment(t, 200)
		r := registryFor(t, d, nil) // cache_ttl 1m
		if _, err := fetch(r, tc.grade); err != nil {
			t.Fatal(err)
		}
		res, err := fetch(r, tc.grade)
		if err != nil {
			t.Fatal(err)
		}
		if d.hits.Load() != tc.hits || res.Cached != (tc.hits == 1) || len(res.Facts) != 1 {
			t.Errorf("L%d: %d calls, cached %t; want %d calls", tc.grade, d.hits.Load(), res.Cached, tc.hits)
		}
	}
	// A reload with a new version starts with an empty cache.
	d := newDepartment(t, 200)
	r := registryFor(t, d, nil)
	if _, err := fetch(r, 3); err != nil {
		t.Fatal(err)
	}
	c := validConfig()
	c.BaseURL = d.srv.URL
	c, _ = Validate(c, true)
	r.Load([]Loaded{{Config: c, Version: 2}})
	if res, err := fetch(r, 3); err != nil || res.Cached || d.hits.Load() != 2 {
		t.Fatalf("after a new version: cached %t, %d calls, %v", res.Cached, d.hits.Load(), err)
	}
}

func TestFetchPostWithAPIKey(t *testing.T) {
	t.Parallel()
	d := newDepartment(t, 200)
	d.check = func(r *http.Request, body []byte) int {
		if r.Method != "POST" || r.Header.Get("X-Dept-Key") != "key-0123456789" || string(body) != `{"uscc":"91320102MA1Y7Y81X0","item":"vat_sales"}` {
			return 401
		}
		return 0
	}
	r := registryFor(t, d, func(c *Config) {
		c.Auth = Auth{Type: AuthAPIKey, Header: "X-Dept-Key", Secret: "key-0123456789"}
		c.Request = Request{Method: "POST", Path: "/query", Body: `{"uscc":"{credit_code}","item":"{item}"}`}
	})
	if res, err := fetch(r, 3); err != nil || len(res.Facts) != 1 {
		t.Fatalf("POST with API key: %+v, %v", res, err)
	}
}

func TestFetchRateLimitRefusesBeyondBudget(t *testing.T) {
	t.Parallel()
	d := newDepartment(t, 200)
	r := registryFor(t, d, func(c *Config) {
		c.RateLimit = RateLimit{PerSecond: 0.01, Burst: 1} // one call, then one per 100s
		c.CacheTTL = 0
	})
	if _, err := fetch(r, 3); err != nil {
		t.Fatal(err)
	}
	_, err := fetch(r, 3)
	wantCode(t, err, fault.Unavailable, "connector.rate_limited")
	if d.hits.Load() != 1 {
		t.Fatalf("%d calls reached the department, want 1", d.hits.Load())
	}
}

func TestFetchWithoutConnectorNamesTheItem(t *testing.T) {
	t.Parallel()
	_, err := NewRegistry(nil).Fetch(context.Background(), sharing.LiveRequest{Item: item(3)})
	fe := wantCode(t, err, fault.Unavailable, "sharing.no_connector")
	if fe.Params["item"] != "tax.vat_sales" || fe.Params["department"] != "tax" {
		t.Fatalf("params %v", fe.Params)
	}
}

func TestFetchUnreadableAnswerIsNotRetried(t *testing.T) {
	t.Parallel()
	d := newDepartment(t, 200)
	r := registryFor(t, d, func(c *Config) { c.Response.Records = "nowhere" })
	res, err := fetch(r, 3)
	wantCode(t, err, fault.Unavailable, "connector.bad_response")
	if res.Attempts != 1 {
		t.Fatalf("%d attempts, want 1", res.Attempts)
	}
}

func TestFetchDoesNotFollowRedirects(t *testing.T) {
	t.Parallel()
	elsewhere := newDepartment(t, 200)
	d := newDepartment(t, 200)
	d.check = func(r *http.Request, _ []byte) int { return 0 }
	d.srv.Config.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		d.hits.Add(1)
		http.Redirect(w, r, elsewhere.srv.URL+"/steal", http.StatusFound)
	})
	_, err := fetch(registryFor(t, d, func(c *Config) { c.Auth = Auth{Type: AuthAPIKey, Secret: "key-0123456789"} }), 3)
	wantCode(t, err, fault.Unavailable, "connector.rejected")
	if elsewhere.hits.Load() != 0 {
		t.Fatal("the redirect was followed, with the API key")
	}
}
