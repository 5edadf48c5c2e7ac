package connector

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
)

func TestRenderTargetEscapesPerPart(t *testing.T) {
	t.Parallel()
	vals := templateValues("91320102MA1Y7Y81X0", "vat sales/π", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{})
	tests := []struct {
		name, tpl, path, query string
	}{
		{"path and query", "/api/{item}/{credit_code}?from={from}&to={to}", "/api/vat%20sales%2F%CF%80/91320102MA1Y7Y81X0", "from=2026-01-01&to="},
		{"query escapes differently", "/q?item={item}", "/q", "item=vat+sales%2F%CF%80"},
		{"no placeholders", "/fixed", "/fixed", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, q := renderTarget(tc.tpl, vals)
			if p != tc.path || q != tc.query {
				t.Fatalf("renderTarget(%q) = %q, %q; want %q, %q", tc.tpl, p, q, tc.path, tc.query)
			}
		})
	}
	body := renderJSON(`{"code":"{credit_code}","item":"{item}"}`, map[string]string{"credit_code": `a"b\c`, "item": "x"})
	if body != `{"code":"a\"b\\c","item":"x"}` {
		t.Fatalf("renderJSON = %s", body)
	}
}

func TestScaleDecimal(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in    string
		scale int64
		want  int64
		bad   bool
	}{
		{"1234.56", 100, 123456, false},
		{"-12.05", 100, -1205, false},
		{"0.005", 100, 1, false}, // half away from zero
		{"-0.005", 100, -1, false},
		{"0.004", 100, 0, false},
		{"1e3", 100, 100000, false},
		{"42", 1, 42, false},
		{"92233720368547758.07", 100, 9223372036854775807, false},
		{"92233720368547758.08", 100, 0, true},
		{"1/2", 1, 0, true},
		{"0x10", 1, 0, true},
		{"", 1, 0, true},
		{"1e999999", 1, 0, true},
		{"12,5", 1, 0, true},
	}
	for _, tc := range tests {
		got, err := ScaleDecimal(tc.in, tc.scale)
		if (err != nil) != tc.bad || got != tc.want {
			t.Errorf("ScaleDecimal(%q, %d) = %d, %v; want %d, error %t", tc.in, tc.scale, got, err, tc.want, tc.bad)
		}
	}
}

var testMapping = Response{Records: "data.records", Period: "period", Num: "value", Text: "text", Ref: "ref", EndsOn: "ends_on", Detail: "detail"}

func TestMapResponse(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	p := Proto{EnterpriseID: 9, Item: "tax.vat_sales", Shape: facts.Measure, Source: "tax", Batch: "live:tax", ReceivedAt: at}
	body := `{"code":0,"data":{"records":[
		{"period":"2026-09","value":1234.56},
		{"period":"2026-10-01","value":"7.1","text":"A","ref":"R-1","ends_on":"2027-01-31","detail":{"k":"v"}},
		{"period":"20261101","value":0,"ends_on":null}]}}`
	fs, err := MapResponse([]byte(body), testMapping, 100, p)
	if err != nil {
		t.Fatal(err)
	}
	want := []facts.Fact{
		{EnterpriseID: 9, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2026, 9, 1, 0, 0, 0, 0, time.UTC), Num: 123456, Source: "tax", Batch: "live:tax", ReceivedAt: at, Version: 1},
		{EnterpriseID: 9, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), Num: 710, Text: "A", Ref: "R-1",
			EndsOn: time.Date(2027, 1, 31, 0, 0, 0, 0, time.UTC), Detail: `{"k":"v"}`, Source: "tax", Batch: "live:tax", ReceivedAt: at, Version: 1},
		{EnterpriseID: 9, Item: "tax.vat_sales", Shape: facts.Measure, Period: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), Num: 0, Source: "tax", Batch: "live:tax", ReceivedAt: at, Version: 1},
	}
	if len(fs) != len(want) {
		t.Fatalf("%d facts, want %d: %+v", len(fs), len(want), fs)
	}
	for i := range want {
		if !fs[i].Period.Equal(want[i].Period) || !fs[i].EndsOn.Equal(want[i].EndsOn) {
			t.Errorf("fact %d dates = %v/%v, want %v/%v", i, fs[i].Period, fs[i].EndsOn, want[i].Period, want[i].EndsOn)
		}
		fs[i].Period, fs[i].EndsOn, want[i].Period, want[i].EndsOn = time.Time{}, time.Time{}, time.Time{}, time.Time{}
		if fs[i] != want[i] {
			t.Errorf("fact %d = %+v\nwant %+v", i, fs[i], want[i])
		}
	}

	bad := []struct{ name, body, field string }{
		{"not JSON", `{`, "body"},
		{"two values", `{} {}`, "body"},
		{"no records", `{"data":{}}`, "records"},
		{"records not a list", `{"data":{"records":{}}}`, "records"},
		{"record not an object", `{"data":{"records":[1]}}`, "record"},
		{"period missing", `{"data":{"records":[{"value":1}]}}`, "period"},
		{"period not a date", `{"data":{"records":[{"period":"Sept","value":1}]}}`, "period"},
		{"value missing", `{"data":{"records":[{"period":"2026-09"}]}}`, "num"},
		{"value not a number", `{"data":{"records":[{"period":"2026-09","value":true}]}}`, "num"},
		{"value text not a number", `{"data":{"records":[{"period":"2026-09","value":"1,000"}]}}`, "num"},
		{"text an object", `{"data":{"records":[{"period":"2026-09","value":1,"text":{}}]}}`, "text"},
		{"bad end date", `{"data":{"records":[{"period":"2026-09","value":1,"ends_on":"soon"}]}}`, "ends_on"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := MapResponse([]byte(tc.body), testMapping, 100, p)
			var me *MappingError
			if !errors.As(err, &me) || me.Field != tc.field {
				t.Fatalf("MapResponse(%s) = %v, want a mapping error in %s", tc.body, err, tc.field)
			}
		})
	}
	// The answer itself may be the list.
	fs, err = MapResponse([]byte(`[{"d":"2026-01-05","n":3}]`), Response{Period: "d", Num: "n"}, 1, p)
	if err != nil || len(fs) != 1 || fs[0].Num != 3 {
		t.Fatalf("root list: %+v, %v", fs, err)
	}
}

func FuzzMapResponse(f *testing.F) {
	f.Add([]byte(`{"data":{"records":[{"period":"2026-09","value":1234.56,"text":"A","ref":"r","ends_on":"2027-01-01","detail":{"a":1}}]}}`), int64(100))
	f.Add([]byte(`{"data":{"records":[{"period":"202609","value":"-0.005"}]}}`), int64(1))
	f.Add([]byte(`[]`), int64(1))
	f.Add([]byte(`{"data":{"records":[{"period":"2026-09-30T23:00:00+08:00","value":1e30}]}}`), int64(1000000))
	p := Proto{Item: "x.y", Shape: facts.Event, Source: "s", Batch: "live:s"}
	f.Fuzz(func(t *testing.T, body []byte, scale int64) {
		if scale < 1 || scale > 1_000_000 {
			scale = 100
		}
		fs, err := MapResponse(body, testMapping, scale, p)
		if err != nil {
			var me *MappingError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MappingError", err)
			}
			if fs != nil {
				t.Fatalf("facts returned with an error")
			}
			return
		}
		for _, f := range fs {
			if f.Period.IsZero() || f.Item != "x.y" || f.Source != "s" || f.Version != 1 {
				t.Fatalf("mapped fact lacks its period or provenance: %+v", f)
			}
			if f.Detail != "" && !json.Valid([]byte(f.Detail)) {
				t.Fatalf("detail %q is not JSON", f.Detail)
			}
		}
	})
}

func FuzzScaleDecimal(f *testing.F) {
	for _, s := range []string{"1234.56", "-0.5", "1e3", "9223372036854775807", ".5", "5."} {
		f.Add(s, int64(100))
	}
	f.Fuzz(func(t *testing.T, s string, scale int64) {
		if scale < 1 || scale > 1_000_000 {
			return
		}
		v, err := ScaleDecimal(s, scale)
		if fast, ok := scaleFast(s, scale); ok {
			// The 128-bit fast path must agree with exact arithmetic.
			if slow, err := scaleBig(s, scale); err != nil || slow != fast {
				t.Fatalf("ScaleDecimal(%q, %d): fast %d, exact %d (%v)", s, scale, fast, slow, err)
			}
		}
		if err != nil {
			return
		}
		// An integer input scales exactly.
		if n, err2 := ScaleDecimal(s, 1); err2 == nil && !strings.ContainsAny(s, ".eE") && v != n*scale {
			t.Fatalf("ScaleDecimal(%q, %d) = %d, want %d", s, scale, v, n*scale)
		}
	})
}

func TestHMACSignAndVerify(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)
	secret := []byte("s3cret-s3cret")
	signed := func(target string, body []byte, at time.Time, key []byte) *http.Request {
		r := httptest.NewRequest("GET", target, nil)
		if err := SignRequest(r, "kid", key, body, at); err != nil {
			t.Fatal(err)
		}
		return r
	}
	v := &Verifier{KeyID: "kid", Secret: secret, Now: func() time.Time { return now }}
	r := signed("/api/tax/v1/x?to=2026-10-01&from=", nil, now, secret)
	if err := v.Verify(r, nil); err != nil {
		t.Fatalf("a good signature: %v", err)
	}
	if err := v.Verify(r, nil); !errors.Is(err, ErrReplay) {
		t.Fatalf("the same request again: %v, want ErrReplay", err)
	}
	tests := []struct {
		name string
		req  func() *http.Request
		body []byte
		want error
	}{
		{"wrong secret", func() *http.Request { return signed("/a", nil, now, []byte("other-secret")) }, nil, ErrBadSignature},
		{"unsigned", func() *http.Request { return httptest.NewRequest("GET", "/a", nil) }, nil, ErrUnsigned},
		{"unknown key", func() *http.Request {
			r := signed("/a", nil, now, secret)
			r.Header.Set(HeaderKeyID, "other")
			return r
		}, nil, ErrUnknownKey},
		{"six minutes old", func() *http.Request { return signed("/a", nil, now.Add(-6*time.Minute), secret) }, nil, ErrStale},
		{"six minutes ahead", func() *http.Request { return signed("/a", nil, now.Add(6*time.Minute), secret) }, nil, ErrStale},
		{"four minutes old is fine", func() *http.Request { return signed("/a", nil, now.Add(-4*time.Minute), secret) }, nil, nil},
		{"query changed", func() *http.Request {
			r := signed("/a?from=2026-01-01", nil, now, secret)
			r.URL.RawQuery = "from=2020-01-01"
			return r
		}, nil, ErrBadSignature},
		{"path changed", func() *http.Request {
			r := signed("/api/tax/x", nil, now, secret)
			r.URL.Path, r.URL.RawPath = "/api/hrss/x", ""
			return r
		}, nil, ErrBadSignature},
		{"body changed", func() *http.Request { return signed("/a", []byte(`{"a":1}`), now, secret) }, []byte(`{"a":2}`), ErrBadSignature},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := v.Verify(tc.req(), tc.body); !errors.Is(err, tc.want) {
				t.Fatalf("Verify = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	c := newCircuit(Breaker{Failures: 3, Cooldown: Duration(time.Minute)})
	for i := range 3 {
		if ok, _ := c.allow(now); !ok {
			t.Fatalf("attempt %d refused while closed", i)
		}
		c.failure(now)
	}
	if ok, after := c.allow(now.Add(10 * time.Second)); ok || after != 50*time.Second {
		t.Fatalf("after 3 failures: allow = %t, %v; want refused for 50s", ok, after)
	}
	if s := c.state(now); s != StateOpen {
		t.Fatalf("state %s, want open", s)
	}
	later := now.Add(time.Minute)
	if ok, _ := c.allow(later); !ok {
		t.Fatal("no trial call after the cool-down")
	}
	if ok, _ := c.allow(later); ok {
		t.Fatal("a second call went through while the trial is under way")
	}
	c.failure(later) // the trial failed: open again
	if ok, _ := c.allow(later.Add(time.Second)); ok {
		t.Fatal("a failed trial did not reopen the breaker")
	}
	again := later.Add(time.Minute)
	if ok, _ := c.allow(again); !ok {
		t.Fatal("no trial after the second cool-down")
	}
	c.success()
	if s := c.state(again); s != StateClosed {
		t.Fatalf("state after a good trial = %s, want closed", s)
	}
	// Failures must be consecutive: a success in between resets the count.
	c.failure(again)
	c.failure(again)
	c.success()
	c.failure(again)
	if ok, _ := c.allow(again); !ok {
		t.Fatal("non-consecutive failures opened the breaker")
	}
}

func TestBackoffDelayBoundsAndGrowth(t *testing.T) {
	t.Parallel()
	b := Backoff{Initial: Duration(100 * time.Millisecond), Max: Duration(time.Second)}
	tests := []struct {
		n      int
		lo, hi time.Duration
	}{
		{1, 50 * time.Millisecond, 100 * time.Millisecond},
		{2, 100 * time.Millisecond, 200 * time.Millisecond},
		{3, 200 * time.Millisecond, 400 * time.Millisecond},
		{5, 500 * time.Millisecond, time.Second}, // capped
		{50, 500 * time.Millisecond, time.Second},
	}
	for _, tc := range tests {
		lo, hi := BackoffDelay(b, tc.n, func() float64 { return 0 }), BackoffDelay(b, tc.n, func() float64 { return 0.999999 })
		if lo != tc.lo || hi < tc.hi-time.Microsecond || hi > tc.hi {
			t.Errorf("retry %d: delay in [%v, %v], want [%v, %v]", tc.n, lo, hi, tc.lo, tc.hi)
		}
	}
}

func TestRateLimitBucket(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b := newBucket(RateLimit{PerSecond: 10, Burst: 2})
	for i := range 2 {
		if w, ok := b.reserve(now, 0); !ok || w != 0 {
			t.Fatalf("burst call %d: wait %v ok %t", i, w, ok)
		}
	}
	if w, ok := b.reserve(now, 50*time.Millisecond); ok {
		t.Fatalf("third call at once allowed with wait %v within 50ms; want refused (needs 100ms)", w)
	}
	if w, ok := b.reserve(now, time.Second); !ok || w != 100*time.Millisecond {
		t.Fatalf("third call: wait %v ok %t; want 100ms", w, ok)
	}
	if w, ok := b.reserve(now.Add(time.Second), 0); !ok || w != 0 {
		t.Fatalf("after a second: wait %v ok %t; want a token", w, ok)
	}
	if w, ok := newBucket(RateLimit{}).reserve(now, 0); !ok || w != 0 {
		t.Fatal("a zero rate must not limit")
	}
}

func validConfig() Config {
	return Config{Name: "tax-live", Department: "tax", Enabled: true, BaseURL: "http://127.0.0.1:9000",
		Auth:     Auth{Type: AuthHMAC, KeyID: "creditbridge", Secret: "0123456789abcdef"},
		Request:  Request{Path: "/api/tax/v1/enterprises/{credit_code}/items/{item}?from={from}&to={to}"},
		Response: testMapping, Items: []ServedItem{{Code: "tax.vat_sales", Remote: "vat_sales", NumScale: 100}},
		Timeout: Duration(time.Second), Retries: 2, CacheTTL: Duration(time.Minute)}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	c, err := Validate(validConfig(), true)
	if err != nil {
		t.Fatalf("a valid config: %v", err)
	}
	if c.Request.Method != "GET" || c.Breaker.Failures != 5 || c.Budget.D() != 7*time.Second || c.Backoff.Max.D() != 2*time.Second {
		t.Fatalf("defaults not filled: %+v", c)
	}
	tests := []struct {
		name   string
		change func(*Config)
		secret bool
		field  string
		code   string
	}{
		{"name", func(c *Config) { c.Name = "Tax Live" }, true, "name", "connector.name"},
		{"base URL scheme", func(c *Config) { c.BaseURL = "ftp://x" }, true, "base_url", "connector.base_url"},
		{"base URL credentials", func(c *Config) { c.BaseURL = "http://u:p@x" }, true, "base_url", "connector.base_url"},
		{"auth type", func(c *Config) { c.Auth.Type = "basic" }, true, "auth.type", "connector.auth_type"},
		{"secret required", func(c *Config) { c.Auth.Secret = "" }, true, "auth.secret", "connector.secret_required"},
		{"secret kept", func(c *Config) { c.Auth.Secret = "" }, false, "", ""},
		{"secret short", func(c *Config) { c.Auth.Secret = "abc" }, true, "auth.secret", "connector.secret_length"},
		{"unknown placeholder", func(c *Config) { c.Request.Path = "/x/{code}" }, true, "request.path", "connector.placeholder"},
		{"stray brace", func(c *Config) { c.Request.Path = "/x/{item" }, true, "request.path", "connector.placeholder"},
		{"relative path", func(c *Config) { c.Request.Path = "x" }, true, "request.path", "connector.path"},
		{"method", func(c *Config) { c.Request.Method = "DELETE" }, true, "request.method", "connector.method"},
		{"body on GET", func(c *Config) { c.Request.Body = `{"a":"{item}"}` }, true, "request.body", "connector.body_get"},
		{"body not JSON", func(c *Config) { c.Request.Method, c.Request.Body = "POST", `{"a":{item}}` }, true, "request.body", "connector.body_json"},
		{"response path", func(c *Config) { c.Response.Records = "data..records" }, true, "response.records", "connector.json_path"},
		{"no period", func(c *Config) { c.Response.Period = "" }, true, "response.period", "connector.period_required"},
		{"no items", func(c *Config) { c.Items = nil }, true, "items", "connector.items_empty"},
		{"item twice", func(c *Config) { c.Items = append(c.Items, c.Items[0]) }, true, "items[1].code", "connector.item_duplicate"},
		{"scale", func(c *Config) { c.Items[0].NumScale = -1 }, true, "items[0].num_scale", "connector.num_scale"},
		{"timeout", func(c *Config) { c.Timeout = Duration(2 * time.Minute) }, true, "timeout", "connector.timeout"},
		{"budget below timeout", func(c *Config) { c.Budget = Duration(500 * time.Millisecond) }, true, "budget", "connector.budget"},
		{"retries", func(c *Config) { c.Retries = 9 }, true, "retries", "connector.retries"},
		{"cache", func(c *Config) { c.CacheTTL = Duration(48 * time.Hour) }, true, "cache_ttl", "connector.cache_ttl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := validConfig()
			c.Items = append([]ServedItem(nil), c.Items...)
			tc.change(&c)
			_, err := Validate(c, tc.secret)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("Validate = %v, want ok", err)
				}
				return
			}
			var fe *fault.FieldsError
			if !errors.As(err, &fe) {
				t.Fatalf("Validate = %v, want field errors", err)
			}
			for _, f := range fe.Fields {
				if f.Field == tc.field && f.Err.Code == tc.code {
					if _, ok := Messages[f.Err.Code]; !ok {
						t.Fatalf("code %s has no message", f.Err.Code)
					}
					return
				}
			}
			t.Fatalf("Validate = %v, want %s on %s", err, tc.code, tc.field)
		})
	}
}

func TestGradeTTL(t *testing.T) {
	t.Parallel()
	want := map[int]time.Duration{1: 24 * time.Hour, 2: time.Hour, 3: 5 * time.Minute, 4: 0}
	for g, d := range want {
		if GradeTTL(g) != d {
			t.Errorf("GradeTTL(%d) = %v, want %v", g, GradeTTL(g), d)
		}
	}
}
