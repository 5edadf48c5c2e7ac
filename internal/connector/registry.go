package connector

import (
	"context"
	"net"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// Loaded is a connector configuration with its secret and version, as the
// registry runs it.
type Loaded struct {
	Config  Config
	Version int64
}

// Registry runs the enabled connectors and implements sharing.Live by
// picking the connector that serves (department, item). It is safe for
// concurrent use; Load swaps the set while reads go on.
type Registry struct {
	http *http.Client
	now  func() time.Time

	mu     sync.RWMutex
	byName map[string]*client
	byItem map[string]*client // department + "\x00" + item code
}

// NewRegistry returns an empty registry calling departments with hc (nil:
// a client of its own that follows no redirects and relies on the
// connectors' timeouts).
func NewRegistry(hc *http.Client) *Registry {
	if hc == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext
		tr.MaxIdleConnsPerHost = 16
		// Redirects are not followed: a custom key header would go along
		// to wherever the redirect points, and a signature would not match
		// there anyway. A 3xx is a refusal the operator must look at.
		hc = &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	return &Registry{http: hc, now: time.Now, byName: map[string]*client{}, byItem: map[string]*client{}}
}

var _ sharing.Live = (*Registry)(nil)

// Load replaces the running set with cs (disabled ones are skipped). A
// connector whose name and version are unchanged keeps its breaker, rate
// limiter and cache; a changed one starts afresh. Two connectors serving
// the same (department, item) — which Service refuses — resolve to the
// first by name.
func (r *Registry) Load(cs []Loaded) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].Config.Name < cs[j].Config.Name })
	r.mu.Lock()
	defer r.mu.Unlock()
	byName := make(map[string]*client, len(cs))
	byItem := map[string]*client{}
	for _, l := range cs {
		if !l.Config.Enabled {
			continue
		}
		c := r.byName[l.Config.Name]
		if c == nil || c.version != l.Version {
			c = newClient(l.Config, l.Version, r.http, r.now)
		}
		byName[l.Config.Name] = c
		for _, it := range l.Config.Items {
			k := l.Config.Department + "\x00" + it.Code
			if _, taken := byItem[k]; !taken {
				byItem[k] = c
			}
		}
	}
	r.byName, r.byItem = byName, byItem
}

// Fetch calls the department serving req.Item. No enabled connector for
// it is fault.Unavailable "sharing.no_connector".
func (r *Registry) Fetch(ctx context.Context, req sharing.LiveRequest) (sharing.LiveResult, error) {
	r.mu.RLock()
	c := r.byItem[req.Item.Department+"\x00"+req.Item.Code]
	r.mu.RUnlock()
	if c == nil {
		return sharing.LiveResult{}, fault.New(fault.Unavailable, "sharing.no_connector", "no connector serves this item").
			With("item", req.Item.Code).With("department", req.Item.Department)
	}
	return c.fetch(ctx, req)
}

// Status is a running connector's state, for operators.
type Status struct {
	Name       string `json:"name"`
	Version    int64  `json:"version"`
	Department string `json:"department"`
	Breaker    string `json:"breaker"` // closed, open or half_open
}

// Status reports the running connectors by name.
func (r *Registry) Status() []Status {
	r.mu.RLock()
	defer r.mu.RUnlock()
	now := r.now()
	out := make([]Status, 0, len(r.byName))
	for _, c := range r.byName {
		out = append(out, Status{Name: c.cfg.Name, Version: c.version, Department: c.cfg.Department, Breaker: c.breaker.state(now)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
