package monitor

import (
	"container/list"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
)

// Limit is a token bucket: PerMinute tokens refill evenly over a minute, at
// most Burst are held. A zero PerMinute disables the limit.
type Limit struct {
	PerMinute int
	Burst     int
}

// Limits are the buckets a request draws on: its API key or user, its
// organisation (all keys and users of an institution together) and, for
// anonymous requests, the remote address.
type Limits struct {
	Org, User, APIKey, Anonymous Limit
}

// DefaultLimits suit an institution's core-banking system and a busy
// officer; they are far above honest use and far below a harvest at
// network speed.
var DefaultLimits = Limits{
	Org:       Limit{PerMinute: 6000, Burst: 6000},
	User:      Limit{PerMinute: 600, Burst: 600},
	APIKey:    Limit{PerMinute: 1200, Burst: 1200},
	Anonymous: Limit{PerMinute: 600, Burst: 600},
}

// MaxBuckets bounds the limiter's memory: the least recently used bucket
// is dropped beyond it (a dropped bucket restarts full, which only errs in
// the client's favour).
const MaxBuckets = 100_000

type bucket struct {
	key      string
	tokens   float64
	at       time.Time
	reported time.Time // last time a refusal was reported for this bucket
}

// Limiter enforces Limits in memory. Each node instance limits on its own;
// behind a load balancer of n instances the effective limit is up to n
// times the configured one.
type Limiter struct {
	Limits Limits
	Now    func() time.Time
	// Max bounds the number of buckets (MaxBuckets when zero).
	Max int

	mu  sync.Mutex
	m   map[string]*list.Element
	lru list.List
}

// Refusal says which limit refused a request and when to retry.
type Refusal struct {
	Limit      string // "api_key", "user", "org" or "anonymous"
	Key        string // the bucket, e.g. "api_key:12"
	RetryAfter time.Duration
	// Report is true at most once a minute per bucket: the refusal worth
	// an evidence entry.
	Report bool
}

func (l *Limiter) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Allow takes one token from each bucket the request draws on, or none if
// any of them is empty; it then returns the refusal of the bucket with the
// longest wait.
func (l *Limiter) Allow(p access.Principal, remote string) (Refusal, bool) {
	type draw struct {
		limit, key string
		lim        Limit
	}
	var ds []draw
	switch {
	case p.APIKeyID != 0:
		ds = append(ds, draw{"api_key", "api_key:" + strconv.FormatInt(p.APIKeyID, 10), l.Limits.APIKey})
	case p.UserID != 0:
		ds = append(ds, draw{"user", "user:" + strconv.FormatInt(p.UserID, 10), l.Limits.User})
	}
	if p.OrgID != 0 {
		ds = append(ds, draw{"org", "org:" + strconv.FormatInt(p.OrgID, 10), l.Limits.Org})
	} else {
		ds = append(ds, draw{"anonymous", "addr:" + remote, l.Limits.Anonymous})
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.m == nil {
		l.m = map[string]*list.Element{}
	}
	var worst Refusal
	var worstB *bucket
	bs := make([]*bucket, 0, len(ds))
	for _, d := range ds {
		if d.lim.PerMinute <= 0 {
			continue
		}
		b := l.get(d.key, d.lim, now)
		rate := float64(d.lim.PerMinute) / 60 // tokens per second
		b.tokens = math.Min(float64(max(d.lim.Burst, 1)), b.tokens+now.Sub(b.at).Seconds()*rate)
		b.at = now
		if b.tokens < 1 {
			wait := time.Duration((1 - b.tokens) / rate * float64(time.Second))
			if wait > worst.RetryAfter || worstB == nil {
				worst, worstB = Refusal{Limit: d.limit, Key: d.key, RetryAfter: wait}, b
			}
		}
		bs = append(bs, b)
	}
	if worstB != nil {
		if now.Sub(worstB.reported) >= time.Minute {
			worstB.reported, worst.Report = now, true
		}
		return worst, false
	}
	for _, b := range bs {
		b.tokens--
	}
	return Refusal{}, true
}

// get returns the bucket for key (full when new), most recently used.
func (l *Limiter) get(key string, lim Limit, now time.Time) *bucket {
	if e, ok := l.m[key]; ok {
		l.lru.MoveToFront(e)
		return e.Value.(*bucket)
	}
	b := &bucket{key: key, tokens: float64(max(lim.Burst, 1)), at: now}
	l.m[key] = l.lru.PushFront(b)
	limit := l.Max
	if limit <= 0 {
		limit = MaxBuckets
	}
	for l.lru.Len() > limit {
		old := l.lru.Back()
		l.lru.Remove(old)
		delete(l.m, old.Value.(*bucket).key)
	}
	return b
}

// Len reports how many buckets are held.
func (l *Limiter) Len() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lru.Len()
}
