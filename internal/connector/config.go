package connector

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Auth types.
const (
	AuthAPIKey = "api_key" // a secret sent in a header
	AuthHMAC   = "hmac"    // an HMAC-SHA256 signature over the request (SignRequest)
)

// Limits of a configuration.
const (
	MaxRetries   = 5
	MaxTimeout   = 60 * time.Second
	MaxBudget    = 120 * time.Second
	MaxItems     = 200
	MaxSecretLen = 512
)

// Config is one connector as an operator edits it (JSON).
type Config struct {
	// Name identifies the connector: 2-64 lower-case letters, digits, - or _.
	Name string `json:"name"`
	// Department is the catalogue department code the connector calls.
	Department string `json:"department"`
	// Enabled connectors serve reads; a disabled one is kept for history.
	Enabled bool `json:"enabled"`
	// BaseURL is http(s)://host[:port][/prefix]; the request path is
	// appended to it.
	BaseURL  string   `json:"base_url"`
	Auth     Auth     `json:"auth"`
	Request  Request  `json:"request"`
	Response Response `json:"response"`
	// Items are the catalogue items the connector serves.
	Items []ServedItem `json:"items"`
	// Timeout bounds one attempt; Budget bounds the whole call, retries
	// and waits included (default: enough for every attempt, at most
	// MaxBudget).
	Timeout Duration `json:"timeout"`
	Budget  Duration `json:"budget,omitempty"`
	// Retries after the first attempt (0-5).
	Retries int     `json:"retries"`
	Backoff Backoff `json:"backoff"`
	Breaker Breaker `json:"breaker"`
	// RateLimit caps calls to the department from this node.
	RateLimit RateLimit `json:"rate_limit"`
	// CacheTTL is how long an answer may be served again; the item's
	// grade caps it (GradeTTL). 0: no cache.
	CacheTTL Duration `json:"cache_ttl"`
}

// Auth says how the connector proves itself to the department. Secret is
// write-only: it is accepted on input, sealed at rest and never returned.
type Auth struct {
	Type string `json:"type"` // api_key or hmac
	// Header carries the API key (default X-API-Key).
	Header string `json:"header,omitempty"`
	// KeyID names the HMAC key to the department (X-CB-Key-Id).
	KeyID  string `json:"key_id,omitempty"`
	Secret string `json:"secret,omitempty"`
}

// Request is the request template. Path may hold {credit_code}, {item},
// {from} and {to} (dates YYYY-MM-DD, empty when the read is unbounded),
// in the path and in the query; values are escaped for where they stand.
// Body, for POST, is a JSON template with the same placeholders (values
// JSON-escaped, placed inside the template's strings).
type Request struct {
	Method string `json:"method"` // GET (default) or POST
	Path   string `json:"path"`
	Body   string `json:"body,omitempty"`
}

// Response maps the department's JSON answer to facts. Paths are dotted
// keys ("data.records"); Records "" means the answer is the array itself.
// A field path left empty is not read.
type Response struct {
	Records string `json:"records"`
	Period  string `json:"period"`
	Num     string `json:"num,omitempty"`
	Text    string `json:"text,omitempty"`
	Ref     string `json:"ref,omitempty"`
	EndsOn  string `json:"ends_on,omitempty"`
	Detail  string `json:"detail,omitempty"`
}

// ServedItem is a catalogue item and how the department names it.
type ServedItem struct {
	Code string `json:"code"` // catalogue item code
	// Remote is the department's name for it ({item}); default: Code.
	Remote string `json:"remote,omitempty"`
	// NumScale multiplies the department's number into the item's unit
	// (100 for 元 → fen); default 1. Decimals are exact; a result that is
	// still fractional is rounded half away from zero.
	NumScale int64 `json:"num_scale,omitempty"`
}

// Backoff is exponential backoff with jitter: attempt n waits a random
// time in [d/2, d] with d = min(Max, Initial × 2^(n-1)).
type Backoff struct {
	Initial Duration `json:"initial"`
	Max     Duration `json:"max"`
}

// Breaker opens after Failures consecutive failed attempts and stays open
// for Cooldown; then one trial call decides whether it closes again.
type Breaker struct {
	Failures int      `json:"failures"`
	Cooldown Duration `json:"cooldown"`
}

// RateLimit is a token bucket: PerSecond calls on average, Burst at once.
// PerSecond 0 means no limit.
type RateLimit struct {
	PerSecond float64 `json:"per_second"`
	Burst     int     `json:"burst"`
}

// Duration is a time.Duration written as text in JSON ("2s", "150ms").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// MarshalJSON writes "1.5s".
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "1.5s" (or a number of milliseconds).
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		var ms float64
		if err2 := json.Unmarshal(b, &ms); err2 != nil {
			return fmt.Errorf("a duration is text such as \"2s\" or a number of milliseconds")
		}
		*d = Duration(ms * float64(time.Millisecond))
		return nil
	}
	if s == "" {
		*d = 0
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration such as \"2s\"", s)
	}
	*d = Duration(v)
	return nil
}

// GradeTTL is the longest an answer for an item of grade g may be cached
// (see the package documentation).
func GradeTTL(grade int) time.Duration {
	switch grade {
	case 1:
		return 24 * time.Hour
	case 2:
		return time.Hour
	case 3:
		return 5 * time.Minute
	default:
		return 0
	}
}

var (
	nameRE   = regexp.MustCompile(`^[a-z][a-z0-9_-]{1,63}$`)
	deptRE   = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)
	itemRE   = regexp.MustCompile(`^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$`)
	headerRE = regexp.MustCompile("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$")
	keyIDRE  = regexp.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)
	pathRE   = regexp.MustCompile(`^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$`)
	remoteRE = regexp.MustCompile(`^[A-Za-z0-9._~-]{1,64}$`)
)

// Placeholders a request template may use.
var Placeholders = []string{"credit_code", "item", "from", "to"}

func invalid(code, msg string) *fault.Error { return fault.New(fault.Invalid, code, msg) }

// Normalize trims text and fills defaults, so that equal meanings compare
// equal; it does not validate.
func Normalize(c Config) Config {
	c.Name = strings.TrimSpace(c.Name)
	c.Department = strings.TrimSpace(c.Department)
	c.BaseURL = strings.TrimRight(strings.TrimSpace(c.BaseURL), "/")
	c.Auth.Type = strings.TrimSpace(c.Auth.Type)
	c.Auth.Header = strings.TrimSpace(c.Auth.Header)
	c.Auth.KeyID = strings.TrimSpace(c.Auth.KeyID)
	switch c.Auth.Type {
	case AuthAPIKey:
		if c.Auth.Header == "" {
			c.Auth.Header = "X-API-Key"
		}
		c.Auth.KeyID = ""
	case AuthHMAC:
		c.Auth.Header = ""
	}
	c.Request.Method = strings.ToUpper(strings.TrimSpace(c.Request.Method))
	if c.Request.Method == "" {
		c.Request.Method = http.MethodGet
	}
	c.Request.Path = strings.TrimSpace(c.Request.Path)
	r := &c.Response
	for _, p := range []*string{&r.Records, &r.Period, &r.Num, &r.Text, &r.Ref, &r.EndsOn, &r.Detail} {
		*p = strings.TrimSpace(*p)
	}
	items := make([]ServedItem, len(c.Items))
	for i, it := range c.Items {
		it.Code = strings.TrimSpace(it.Code)
		it.Remote = strings.TrimSpace(it.Remote)
		if it.Remote == "" {
			it.Remote = it.Code
		}
		if it.NumScale == 0 {
			it.NumScale = 1
		}
		items[i] = it
	}
	c.Items = items
	if c.Timeout == 0 {
		c.Timeout = Duration(2 * time.Second)
	}
	if c.Backoff.Initial == 0 {
		c.Backoff.Initial = Duration(100 * time.Millisecond)
	}
	if c.Backoff.Max == 0 {
		c.Backoff.Max = Duration(2 * time.Second)
	}
	if c.Breaker.Failures == 0 {
		c.Breaker.Failures = 5
	}
	if c.Breaker.Cooldown == 0 {
		c.Breaker.Cooldown = Duration(30 * time.Second)
	}
	if c.Budget == 0 {
		// Every attempt at its full timeout plus the longest waits between.
		b := c.Timeout.D()*time.Duration(c.Retries+1) + c.Backoff.Max.D()*time.Duration(c.Retries)
		c.Budget = Duration(min(b, MaxBudget))
	}
	if c.RateLimit.PerSecond > 0 && c.RateLimit.Burst == 0 {
		c.RateLimit.Burst = max(1, int(c.RateLimit.PerSecond))
	}
	return c
}

// Validate normalizes c and checks every field; all problems come back as
// one fault.Invalid with per-field errors. requireSecret says whether an
// empty secret is an error (a new connector, or a changed auth type).
func Validate(c Config, requireSecret bool) (Config, error) {
	c = Normalize(c)
	var fs fault.Fields
	if !nameRE.MatchString(c.Name) {
		fs.Add("name", invalid("connector.name", "the connector name must be 2 to 64 lower-case letters, digits, - or _").With("value", c.Name))
	}
	if !deptRE.MatchString(c.Department) {
		fs.Add("department", invalid("connector.department", "the department code must be 2 to 32 lower-case letters, digits or _").With("value", c.Department))
	}
	if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" ||
		u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		fs.Add("base_url", invalid("connector.base_url", "the base URL must be http(s)://host[:port][/path] without credentials or query").With("value", c.BaseURL))
	}
	switch c.Auth.Type {
	case AuthAPIKey:
		if !headerRE.MatchString(c.Auth.Header) {
			fs.Add("auth.header", invalid("connector.auth_header", "the API key header name is not a valid HTTP header name").With("value", c.Auth.Header))
		}
	case AuthHMAC:
		if !keyIDRE.MatchString(c.Auth.KeyID) {
			fs.Add("auth.key_id", invalid("connector.auth_key_id", "the HMAC key id must be 1 to 64 letters, digits, ., _ or -").With("value", c.Auth.KeyID))
		}
	default:
		fs.Add("auth.type", invalid("connector.auth_type", "the authentication type must be api_key or hmac").With("value", c.Auth.Type))
	}
	switch {
	case c.Auth.Secret == "" && requireSecret:
		fs.Add("auth.secret", invalid("connector.secret_required", "give the secret (it is stored sealed and never shown again)"))
	case len(c.Auth.Secret) > MaxSecretLen || c.Auth.Secret != "" && len(c.Auth.Secret) < 8:
		fs.Add("auth.secret", invalid("connector.secret_length", "the secret must have 8 to 512 characters"))
	case strings.ContainsAny(c.Auth.Secret, "\r\n\x00"):
		fs.Add("auth.secret", invalid("connector.secret_chars", "the secret must not contain line breaks"))
	}
	if c.Request.Method != http.MethodGet && c.Request.Method != http.MethodPost {
		fs.Add("request.method", invalid("connector.method", "the request method must be GET or POST").With("value", c.Request.Method))
	}
	if err := checkTemplate(c.Request.Path, true); err != nil {
		fs.Add("request.path", err)
	}
	if c.Request.Body != "" {
		if c.Request.Method != http.MethodPost {
			fs.Add("request.body", invalid("connector.body_get", "only a POST request has a body"))
		} else if err := checkTemplate(c.Request.Body, false); err != nil {
			fs.Add("request.body", err)
		} else if !json.Valid([]byte(renderJSON(c.Request.Body, map[string]string{}))) {
			fs.Add("request.body", invalid("connector.body_json", "the body template must be JSON, placeholders inside strings"))
		}
	}
	r := c.Response
	if r.Records != "" && !pathRE.MatchString(r.Records) {
		fs.Add("response.records", invalid("connector.json_path", "a response path must be dotted keys such as data.records").With("value", r.Records))
	}
	if r.Period == "" {
		fs.Add("response.period", invalid("connector.period_required", "say which field holds the period or date"))
	}
	for _, f := range []struct{ name, path string }{{"period", r.Period}, {"num", r.Num}, {"text", r.Text}, {"ref", r.Ref}, {"ends_on", r.EndsOn}, {"detail", r.Detail}} {
		if f.path != "" && !pathRE.MatchString(f.path) {
			fs.Add("response."+f.name, invalid("connector.json_path", "a response path must be dotted keys such as data.records").With("value", f.path))
		}
	}
	if r.Num == "" && r.Text == "" && r.Ref == "" {
		fs.Add("response.num", invalid("connector.value_required", "map at least one of num, text or ref"))
	}
	switch {
	case len(c.Items) == 0:
		fs.Add("items", invalid("connector.items_empty", "name at least one catalogue item the connector serves"))
	case len(c.Items) > MaxItems:
		fs.Add("items", invalid("connector.items_many", "a connector serves at most 200 items"))
	}
	seen := map[string]bool{}
	for i, it := range c.Items {
		f := "items[" + strconv.Itoa(i) + "]"
		if !itemRE.MatchString(it.Code) || len(it.Code) > 64 {
			fs.Add(f+".code", invalid("connector.item_code", "the item code must look like tax.vat_sales").With("value", it.Code))
		} else if seen[it.Code] {
			fs.Add(f+".code", invalid("connector.item_duplicate", "the item is listed twice").With("value", it.Code))
		}
		seen[it.Code] = true
		if !remoteRE.MatchString(it.Remote) {
			fs.Add(f+".remote", invalid("connector.item_remote", "the department's item name must be 1 to 64 letters, digits, ., _, ~ or -").With("value", it.Remote))
		}
		if it.NumScale < 1 || it.NumScale > 1_000_000 {
			fs.Add(f+".num_scale", invalid("connector.num_scale", "the unit scale must be 1 to 1000000").With("value", strconv.FormatInt(it.NumScale, 10)))
		}
	}
	if c.Timeout.D() < 10*time.Millisecond || c.Timeout.D() > MaxTimeout {
		fs.Add("timeout", invalid("connector.timeout", "the timeout must be 10ms to 60s").With("value", c.Timeout.D().String()))
	}
	if c.Budget.D() < c.Timeout.D() || c.Budget.D() > MaxBudget {
		fs.Add("budget", invalid("connector.budget", "the budget must be at least the timeout and at most 120s").With("value", c.Budget.D().String()))
	}
	if c.Retries < 0 || c.Retries > MaxRetries {
		fs.Add("retries", invalid("connector.retries", "retries must be 0 to 5").With("value", strconv.Itoa(c.Retries)))
	}
	if c.Backoff.Initial.D() < time.Millisecond || c.Backoff.Max.D() < c.Backoff.Initial.D() || c.Backoff.Max.D() > MaxTimeout {
		fs.Add("backoff", invalid("connector.backoff", "the backoff must start at 1ms or more and its maximum be between the start and 60s"))
	}
	if c.Breaker.Failures < 1 || c.Breaker.Failures > 1000 {
		fs.Add("breaker.failures", invalid("connector.breaker_failures", "the breaker opens after 1 to 1000 failures").With("value", strconv.Itoa(c.Breaker.Failures)))
	}
	if c.Breaker.Cooldown.D() < 10*time.Millisecond || c.Breaker.Cooldown.D() > time.Hour {
		fs.Add("breaker.cooldown", invalid("connector.breaker_cooldown", "the breaker cool-down must be 10ms to 1h").With("value", c.Breaker.Cooldown.D().String()))
	}
	if c.RateLimit.PerSecond < 0 || c.RateLimit.PerSecond > 100_000 || c.RateLimit.Burst < 0 || c.RateLimit.Burst > 100_000 {
		fs.Add("rate_limit", invalid("connector.rate_limit", "the rate limit must be 0 (none) to 100000 calls per second with a burst of 0 to 100000"))
	}
	if c.CacheTTL < 0 || c.CacheTTL.D() > 24*time.Hour {
		fs.Add("cache_ttl", invalid("connector.cache_ttl", "the cache lifetime must be 0 to 24h (the item's grade may shorten it)").With("value", c.CacheTTL.D().String()))
	}
	if err := fs.Err(); err != nil {
		return c, err
	}
	return c, nil
}

var placeholderRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// checkTemplate checks that every {name} is a known placeholder; in a path
// no other brace may stand (in a JSON body braces also open objects). A
// path must start with "/".
func checkTemplate(s string, isPath bool) error {
	if isPath && (!strings.HasPrefix(s, "/") || len(s) > 1000 || strings.ContainsAny(s, "#\r\n ")) {
		return invalid("connector.path", "the request path must start with / and hold no spaces or # (at most 1000 characters)").With("value", s)
	}
	for _, m := range placeholderRE.FindAllStringSubmatch(s, -1) {
		if !slices.Contains(Placeholders, m[1]) {
			return invalid("connector.placeholder", "unknown placeholder; use {credit_code}, {item}, {from}, {to}").With("value", m[0])
		}
	}
	if isPath && strings.ContainsAny(placeholderRE.ReplaceAllString(s, ""), "{}") {
		return invalid("connector.placeholder", "unknown placeholder; use {credit_code}, {item}, {from}, {to}").With("value", s)
	}
	return nil
}
