package connector

import (
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// BackoffDelay is the wait before retry n (n ≥ 1): a random time in
// [d/2, d] with d = min(max, initial × 2^(n-1)); rnd returns [0, 1).
func BackoffDelay(b Backoff, n int, rnd func() float64) time.Duration {
	d := b.Initial.D()
	for i := 1; i < n && d < b.Max.D(); i++ {
		d *= 2
	}
	d = min(d, b.Max.D())
	return d/2 + time.Duration(rnd()*float64(d/2))
}

// Breaker states.
const (
	StateClosed   = "closed"
	StateOpen     = "open"
	StateHalfOpen = "half_open"
)

// circuit is a circuit breaker counting consecutive failed attempts. It is
// safe for concurrent use.
type circuit struct {
	threshold int
	cooldown  time.Duration

	mu        sync.Mutex
	failures  int
	openUntil time.Time // zero while closed
	trial     bool      // a half-open trial call is under way
}

func newCircuit(b Breaker) *circuit {
	return &circuit{threshold: b.Failures, cooldown: b.Cooldown.D()}
}

// allow reports whether a call may go out now; when it may not, it says
// how long until the breaker lets a trial call through.
func (c *circuit) allow(now time.Time) (bool, time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.openUntil.IsZero():
		return true, 0
	case now.Before(c.openUntil):
		return false, c.openUntil.Sub(now)
	case c.trial:
		return false, c.cooldown
	default:
		c.trial = true // half-open: this call decides
		return true, 0
	}
}

func (c *circuit) success() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures, c.openUntil, c.trial = 0, time.Time{}, false
}

func (c *circuit) failure(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures++
	if c.trial || c.failures >= c.threshold {
		c.openUntil, c.trial = now.Add(c.cooldown), false
	}
}

// release ends a trial that neither succeeded nor failed (the caller went
// away), so the next call may try.
func (c *circuit) release() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.trial = false
}

func (c *circuit) state(now time.Time) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.openUntil.IsZero():
		return StateClosed
	case now.Before(c.openUntil):
		return StateOpen
	default:
		return StateHalfOpen
	}
}

// bucket is a token bucket rate limiter. Tokens may go negative: a caller
// that reserves one waits until its token would have accumulated. It is
// safe for concurrent use; rate 0 means unlimited.
type bucket struct {
	rate  float64 // tokens per second
	burst float64

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(r RateLimit) *bucket {
	return &bucket{rate: r.PerSecond, burst: float64(r.Burst), tokens: float64(r.Burst)}
}

// reserve takes a token and returns how long the caller must wait before
// using it. If that wait would be longer than maxWait it takes nothing and
// reports false.
func (b *bucket) reserve(now time.Time, maxWait time.Duration) (time.Duration, bool) {
	if b.rate <= 0 {
		return 0, true
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.last.IsZero() && now.After(b.last) {
		b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	}
	if now.After(b.last) {
		b.last = now
	}
	t := b.tokens - 1
	var wait time.Duration
	if t < 0 {
		wait = time.Duration(-t / b.rate * float64(time.Second))
	}
	if wait > maxWait {
		return wait, false
	}
	b.tokens = t
	return wait, true
}

// cache keeps answers for their allowed lifetime. It is safe for
// concurrent use and holds at most max entries.
type cache struct {
	max int

	mu sync.Mutex
	m  map[string]cached
}

type cached struct {
	facts   []facts.Fact
	expires time.Time
}

func newCache(max int) *cache { return &cache{max: max, m: map[string]cached{}} }

func (c *cache) get(key string, now time.Time) ([]facts.Fact, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[key]
	if !ok {
		return nil, false
	}
	if !now.Before(e.expires) {
		delete(c.m, key)
		return nil, false
	}
	return append([]facts.Fact(nil), e.facts...), true
}

func (c *cache) put(key string, fs []facts.Fact, now time.Time, ttl time.Duration) {
	if ttl <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		for k := range c.m {
			if len(c.m) < c.max {
				break
			}
			delete(c.m, k) // an arbitrary entry: the cache is an optimisation
		}
	}
	c.m[key] = cached{facts: append([]facts.Fact(nil), fs...), expires: now.Add(ttl)}
}
