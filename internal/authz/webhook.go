package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// SignatureHeader carries the node's JWS over a webhook body.
const SignatureHeader = "CreditBridge-Signature"

// Event is the body of a webhook: what changed. The institution fetches
// the authorization itself for the rest.
type Event struct {
	ID      string    `json:"id"`
	Status  Status    `json:"status"`
	Version int       `json:"version"`
	At      time.Time `json:"at"`
}

// Notifier delivers status changes to institutions' callback URLs in the
// background, retrying with exponential backoff; a transition never waits
// for it, and a failed delivery is logged, never fatal.
type Notifier struct {
	Signer   *Signer
	Client   *http.Client  // default: 10 s timeout
	Log      *slog.Logger  // default: slog.Default()
	Attempts int           // default 5
	Backoff  time.Duration // first retry delay, doubled each time (default 1 s)
	Queue    int           // pending deliveries kept (default 1000); beyond it new ones are dropped and logged

	once    sync.Once
	ch      chan delivery
	wg      sync.WaitGroup
	mu      sync.Mutex
	stopped bool
}

type delivery struct {
	url  string
	body []byte
}

func (n *Notifier) init() {
	n.once.Do(func() {
		q := n.Queue
		if q <= 0 {
			q = 1000
		}
		n.ch = make(chan delivery, q)
	})
}

// Enqueue queues a's current status for delivery to its CallbackURL.
func (n *Notifier) Enqueue(a Authorization) {
	n.init()
	body, _ := json.Marshal(Event{ID: a.ID, Status: a.Status, Version: a.Version, At: a.UpdatedAt.UTC()})
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.stopped {
		return
	}
	select {
	case n.ch <- delivery{url: a.CallbackURL, body: body}:
	default:
		n.log().Warn("authorization webhook queue full, delivery dropped", "authorization", a.ID, "status", a.Status)
	}
}

func (n *Notifier) log() *slog.Logger {
	if n.Log != nil {
		return n.Log
	}
	return slog.Default()
}

// Run delivers queued events until ctx ends, with up to workers deliveries
// in flight; deliveries under way when ctx ends are abandoned.
func (n *Notifier) Run(ctx context.Context, workers int) {
	n.init()
	if workers <= 0 {
		workers = 4
	}
	for range workers {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case d := <-n.ch:
					n.deliver(ctx, d)
				}
			}
		}()
	}
	<-ctx.Done()
	n.mu.Lock()
	n.stopped = true
	n.mu.Unlock()
	n.wg.Wait()
}

func (n *Notifier) deliver(ctx context.Context, d delivery) {
	attempts, wait := n.Attempts, n.Backoff
	if attempts <= 0 {
		attempts = 5
	}
	if wait <= 0 {
		wait = time.Second
	}
	var err error
	for i := range attempts {
		if err = n.post(ctx, d); err == nil {
			return
		}
		if i == attempts-1 {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait *= 2
	}
	n.log().Warn("authorization webhook not delivered", "url", d.url, "attempts", attempts, "error", err)
}

func (n *Notifier) post(ctx context.Context, d delivery) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if n.Signer != nil {
		sig, err := n.Signer.SignBody(d.body)
		if err != nil {
			return err
		}
		req.Header.Set(SignatureHeader, sig)
	}
	c := n.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}
