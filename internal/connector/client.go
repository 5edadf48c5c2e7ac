package connector

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// maxBody is the largest department answer read.
const maxBody = 16 << 20

// client is one connector at run time: its configuration (with its
// secret) and its breaker, limiter and cache.
type client struct {
	cfg     Config
	version int64
	items   map[string]ServedItem
	http    *http.Client
	now     func() time.Time
	rnd     func() float64

	breaker *circuit
	limiter *bucket
	cache   *cache
}

func newClient(cfg Config, version int64, hc *http.Client, now func() time.Time) *client {
	c := &client{cfg: cfg, version: version, items: map[string]ServedItem{}, http: hc, now: now, rnd: rand.Float64,
		breaker: newCircuit(cfg.Breaker), limiter: newBucket(cfg.RateLimit), cache: newCache(10_000)}
	for _, it := range cfg.Items {
		c.items[it.Code] = it
	}
	return c
}

func (c *client) fault(code, msg string) *fault.Error {
	return fault.New(fault.Unavailable, code, msg).With("department", c.cfg.Department).With("connector", c.cfg.Name)
}

// attemptErr is why one attempt failed.
type attemptErr struct {
	cause      string        // short, for the user: "timeout", "HTTP 503", "connection refused"
	retryAfter time.Duration // from a 429 or 503
	permanent  *fault.Error  // set when retrying cannot help
	err        error
}

func (e *attemptErr) Error() string { return e.cause }

func (c *client) fetch(ctx context.Context, req sharing.LiveRequest) (sharing.LiveResult, error) {
	start := c.now()
	res := sharing.LiveResult{Connector: c.cfg.Name}
	defer func() { res.Duration = c.now().Sub(start) }()
	si := c.items[req.Item.Code]
	ttl := min(c.cfg.CacheTTL.D(), GradeTTL(req.Item.Grade))
	key := strings.Join([]string{req.Item.Code, req.CreditCode, day(req.From), day(req.To)}, "|")
	if ttl > 0 {
		if fs, ok := c.cache.get(key, start); ok {
			res.Facts, res.Cached, res.Duration = fs, true, c.now().Sub(start)
			return res, nil
		}
	}
	vals := templateValues(req.CreditCode, si.Remote, req.From, req.To)
	path, query := renderTarget(c.cfg.Request.Path, vals)
	target := c.cfg.BaseURL + path
	if query != "" {
		target += "?" + query
	}
	var body []byte
	if c.cfg.Request.Method == http.MethodPost && c.cfg.Request.Body != "" {
		body = []byte(renderJSON(c.cfg.Request.Body, vals))
	}
	budget, cancel := context.WithTimeout(ctx, c.cfg.Budget.D())
	defer cancel()
	deadline, _ := budget.Deadline()
	var last *attemptErr
	for n := 1; n <= c.cfg.Retries+1; n++ {
		if n > 1 {
			wait := BackoffDelay(c.cfg.Backoff, n-1, c.rnd)
			if last.retryAfter > wait {
				wait = last.retryAfter
			}
			if c.now().Add(wait).After(deadline) {
				break // no time left for another attempt
			}
			if !sleep(budget, wait) {
				break
			}
		}
		now := c.now()
		if ok, after := c.breaker.allow(now); !ok {
			if last != nil {
				break // the breaker opened during this call: report what happened
			}
			return res, c.fault("connector.circuit_open", "calls to the department are paused after repeated failures").
				With("retry_after", after.Round(time.Second).String())
		}
		wait, ok := c.limiter.reserve(now, time.Until(deadline))
		if !ok {
			c.breaker.release()
			if last != nil {
				break
			}
			return res, c.fault("connector.rate_limited", "the connector's rate limit allows no call within its budget")
		}
		if wait > 0 && !sleep(budget, wait) {
			c.breaker.release()
			break
		}
		res.Attempts++
		fs, aerr := c.attempt(budget, req, si, target, body)
		if aerr == nil {
			c.breaker.success()
			res.Facts = fs
			c.cache.put(key, fs, c.now(), ttl)
			return res, nil
		}
		if ctx.Err() != nil {
			// The caller went away (or its own deadline passed): not the
			// department's failure.
			c.breaker.release()
			if errors.Is(ctx.Err(), context.Canceled) {
				return res, fault.New(fault.Canceled, "request.canceled", "the caller went away").Wrap(ctx.Err())
			}
			return res, c.downErr(res.Attempts, start, &attemptErr{cause: "timeout"})
		}
		if aerr.permanent != nil {
			if strings.HasPrefix(aerr.permanent.Code, "connector.bad_response") {
				c.breaker.failure(c.now())
			} else {
				c.breaker.success() // it answered: the department is up
			}
			return res, aerr.permanent.Wrap(aerr.err)
		}
		c.breaker.failure(c.now())
		last = aerr
	}
	if last == nil {
		last = &attemptErr{cause: "timeout"}
	}
	return res, c.downErr(res.Attempts, start, last)
}

func (c *client) downErr(attempts int, start time.Time, last *attemptErr) error {
	return c.fault("connector.department_down", "the department did not answer").
		With("attempts", strconv.Itoa(attempts)).
		With("elapsed", c.now().Sub(start).Round(time.Millisecond).String()).
		With("cause", last.cause).Wrap(last.err)
}

// attempt makes one HTTP call within the per-attempt timeout.
func (c *client) attempt(ctx context.Context, req sharing.LiveRequest, si ServedItem, target string, body []byte) ([]facts.Fact, *attemptErr) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout.D())
	defer cancel()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	hr, err := http.NewRequestWithContext(ctx, c.cfg.Request.Method, target, rd)
	if err != nil {
		return nil, &attemptErr{cause: "bad request", permanent: c.fault("connector.bad_request", "the connector's request cannot be built"), err: err}
	}
	hr.Header.Set("Accept", "application/json")
	if body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	hr.Header.Set("User-Agent", "creditbridge-connector/1")
	switch c.cfg.Auth.Type {
	case AuthAPIKey:
		hr.Header.Set(c.cfg.Auth.Header, c.cfg.Auth.Secret)
	case AuthHMAC:
		if err := SignRequest(hr, c.cfg.Auth.KeyID, []byte(c.cfg.Auth.Secret), body, c.now()); err != nil {
			return nil, &attemptErr{cause: "signing failed", err: err}
		}
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		cause := "network error"
		if errors.Is(err, context.DeadlineExceeded) || errors.Is(ctx.Err(), context.DeadlineExceeded) {
			cause = "timeout after " + c.cfg.Timeout.D().String()
		} else if strings.Contains(err.Error(), "connection refused") {
			cause = "connection refused"
		}
		return nil, &attemptErr{cause: cause, err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		cause := "answer cut off"
		if ctx.Err() != nil {
			cause = "timeout after " + c.cfg.Timeout.D().String()
		}
		return nil, &attemptErr{cause: cause, err: err}
	}
	switch s := resp.StatusCode; {
	case s == http.StatusTooManyRequests || s >= 500:
		return nil, &attemptErr{cause: "HTTP " + strconv.Itoa(s), retryAfter: retryAfter(resp.Header.Get("Retry-After")),
			err: fmt.Errorf("department answered HTTP %d", s)}
	case s < 200 || s > 299:
		return nil, &attemptErr{cause: "HTTP " + strconv.Itoa(s),
			permanent: c.fault("connector.rejected", "the department refused the call").With("status", strconv.Itoa(s)),
			err:       fmt.Errorf("department answered HTTP %d", s)}
	}
	if len(data) > maxBody {
		return nil, &attemptErr{cause: "answer too large", permanent: c.fault("connector.bad_response", "the answer cannot be read").
			With("problem", "larger than 16 MiB")}
	}
	fs, err := MapResponse(data, c.cfg.Response, si.NumScale, Proto{EnterpriseID: req.EnterpriseID, Item: req.Item.Code,
		Shape: req.Item.Shape, Source: c.cfg.Department, Batch: "live:" + c.cfg.Name, ReceivedAt: c.now().UTC()})
	if err != nil {
		return nil, &attemptErr{cause: "unreadable answer", permanent: c.fault("connector.bad_response", "the answer cannot be read").
			With("problem", err.Error()), err: err}
	}
	return fs, nil
}

// retryAfter reads a Retry-After in seconds (capped at a minute); dates
// are ignored.
func retryAfter(v string) time.Duration {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n <= 0 {
		return 0
	}
	return min(time.Duration(n)*time.Second, time.Minute)
}

// sleep waits d or until ctx ends; it reports whether d passed.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}
