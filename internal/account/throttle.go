package account

import (
	"sync"
	"time"
)

// Throttle counts failed sign-ins per key (a username, an address) within a
// sliding window and locks a key that reached the limit until its oldest
// failure leaves the window. It is per node and in memory: a restart
// forgets, which only ever errs on the side of letting a user in again.
type Throttle struct {
	Max    int
	Window time.Duration

	mu    sync.Mutex
	fails map[string][]time.Time
}

// NewThrottle builds a throttle.
func NewThrottle(max int, window time.Duration) *Throttle {
	return &Throttle{Max: max, Window: window, fails: map[string][]time.Time{}}
}

func (t *Throttle) prune(key string, now time.Time) []time.Time {
	fs := t.fails[key]
	i := 0
	for i < len(fs) && now.Sub(fs[i]) >= t.Window {
		i++
	}
	fs = fs[i:]
	if len(fs) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = fs
	return fs
}

// Locked reports whether any key is locked and, if so, when it frees.
func (t *Throttle) Locked(now time.Time, keys ...string) (bool, time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var until time.Time
	for _, k := range keys {
		if fs := t.prune(k, now); len(fs) >= t.Max {
			if u := fs[len(fs)-t.Max].Add(t.Window); u.After(until) {
				until = u
			}
		}
	}
	return !until.IsZero(), until
}

// Fail records a failure for every key.
func (t *Throttle) Fail(now time.Time, keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		t.prune(k, now)
		t.fails[k] = append(t.fails[k], now)
		if len(t.fails) > 100000 { // bound memory under a spray of usernames
			for k2 := range t.fails {
				t.prune(k2, now)
			}
		}
	}
}

// Succeed clears the keys' failures.
func (t *Throttle) Succeed(keys ...string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		delete(t.fails, k)
	}
}
