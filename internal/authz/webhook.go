package authz

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
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

// DeliveryStatus is where a webhook delivery is: pending (waiting for its
// next attempt), delivered, or failed (out of attempts; a replay makes it
// pending again).
type DeliveryStatus string

// Delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed"
)

// DeliveryStatuses lists every status.
func DeliveryStatuses() []DeliveryStatus {
	return []DeliveryStatus{DeliveryPending, DeliveryDelivered, DeliveryFailed}
}

// Delivery is one webhook to an institution's callback, stored in the
// same transaction as the change it tells of, so it survives a restart
// and is never sent for a change that rolled back. Body is the exact JSON
// signed and POSTed.
type Delivery struct {
	ID              int64          `json:"id"`
	AuthorizationID string         `json:"authorization_id"`
	InstitutionID   int64          `json:"institution_id"`
	Event           string         `json:"event"` // the step: "authorization.approve", ...
	URL             string         `json:"url"`
	Body            string         `json:"body"`
	Status          DeliveryStatus `json:"status"`
	Attempts        int            `json:"attempts"` // since creation or the last replay
	Replays         int            `json:"replays"`
	LastStatusCode  int            `json:"last_status_code,omitempty"`
	LastError       string         `json:"last_error,omitempty"`
	NextAttemptAt   time.Time      `json:"next_attempt_at"`
	DeliveredAt     time.Time      `json:"delivered_at,omitzero"`
	CreatedAt       time.Time      `json:"created_at"`
	UpdatedAt       time.Time      `json:"updated_at"`
	Version         int            `json:"version"`
}

// DeliveryFilter narrows ListDeliveries.
type DeliveryFilter struct {
	AuthorizationID string
	InstitutionID   int64
	EnterpriseID    int64 // the grantor of the authorization
	Status          DeliveryStatus
	Limit           int // default 100, at most 500
	Offset          int
}

// DeliveryStore persists webhook deliveries.
type DeliveryStore interface {
	// AddDelivery inserts d (Version 1) and sets d.ID; fault.Invalid
	// "store.reference" for an unknown authorization or institution.
	AddDelivery(ctx context.Context, d *Delivery) error
	// UpdateDelivery writes the status, attempts, replays, last status
	// code and error, next attempt and delivered times of d if the stored
	// version is d.Version-1 (the caller increments it); fault.Conflict
	// "authz.delivery_stale" otherwise, fault.NotFound
	// "authz.delivery_not_found" if unknown.
	UpdateDelivery(ctx context.Context, d *Delivery) error
	// DeliveryByID must return fault.NotFound "authz.delivery_not_found"
	// if unknown.
	DeliveryByID(ctx context.Context, id int64) (Delivery, error)
	// DeliveriesDue returns up to limit pending deliveries whose next
	// attempt is at or before now, earliest first.
	DeliveriesDue(ctx context.Context, now time.Time, limit int) ([]Delivery, error)
	// ListDeliveries returns one page, newest first.
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
}

// enqueue stores the webhook of a's current state, inside the caller's
// transaction; nothing when the authorization has no callback.
func (s *Service) enqueue(ctx context.Context, tx Repo, a Authorization, verb string) error {
	if a.CallbackURL == "" {
		return nil
	}
	body, err := json.Marshal(Event{ID: a.ID, Status: a.Status, Version: a.Version, At: a.UpdatedAt.UTC()})
	if err != nil {
		return err
	}
	now := s.now()
	return tx.AddDelivery(ctx, &Delivery{AuthorizationID: a.ID, InstitutionID: a.InstitutionID, Event: "authorization." + verb,
		URL: a.CallbackURL, Body: string(body), Status: DeliveryPending, NextAttemptAt: now, CreatedAt: now, UpdatedAt: now, Version: 1})
}

// wake tells the notifier, after a commit, that a delivery may be due.
func (s *Service) wake() {
	if s.Webhooks != nil {
		s.Webhooks.Wake()
	}
}

// mayReplay: the grantee institution (its officers, and its API keys with
// enterprise:read, which its systems use), or an operator administrator.
// Institutions have no administrator role of their own; the officer is
// the institution's user.
func mayReplay(p access.Principal, institutionID int64) bool {
	return isInstitution(p) && p.OrgID == institutionID ||
		p.OrgKind == account.KindOperator && p.Role == account.RoleOperatorAdmin && p.APIKeyID == 0
}

// MayReplay reports whether p may replay the institution's deliveries.
func MayReplay(p access.Principal, institutionID int64) bool { return mayReplay(p, institutionID) }

// Deliveries lists the webhook deliveries p may see: an institution its
// own, an enterprise those of its authorizations, operators and auditors
// all; departments none (fault.Forbidden).
func (s *Service) Deliveries(ctx context.Context, p access.Principal, f DeliveryFilter) ([]Delivery, error) {
	switch p.OrgKind {
	case account.KindOperator, account.KindAuditor:
	case account.KindEnterprise:
		f.EnterpriseID = p.EnterpriseID
	case account.KindInstitution:
		f.InstitutionID = p.OrgID
	default:
		return nil, fault.New(fault.Forbidden, "authz.not_allowed", "you may not list webhook deliveries").With("action", "list")
	}
	if f.Status != "" && f.Status != DeliveryPending && f.Status != DeliveryDelivered && f.Status != DeliveryFailed {
		return nil, fault.New(fault.Invalid, "authz.bad_status", "unknown status").With("status", string(f.Status))
	}
	if f.AuthorizationID != "" && !ValidID(f.AuthorizationID) {
		return []Delivery{}, nil
	}
	f.Limit = min(max(f.Limit, 0), 500)
	if f.Limit == 0 {
		f.Limit = 100
	}
	f.Offset = max(f.Offset, 0)
	return s.Repo.ListDeliveries(ctx, f)
}

func errDeliveryNotFound(id int64) error {
	return fault.New(fault.NotFound, "authz.delivery_not_found", "no such webhook delivery").With("id", strconv.FormatInt(id, 10))
}

// Replay sends a failed delivery again: it becomes pending with a fresh
// set of attempts, due now. Only the grantee institution or an operator
// administrator; others who cannot see it get
// fault.NotFound. Evidence: "authorization.webhook_replay".
func (s *Service) Replay(ctx context.Context, p access.Principal, id int64) (Delivery, error) {
	if p.Suspended {
		return Delivery{}, fault.New(fault.Forbidden, "access.suspended", "suspended")
	}
	now := s.now()
	var d Delivery
	err := s.InTx(ctx, func(tx Repo) error {
		var err error
		if d, err = tx.DeliveryByID(ctx, id); err != nil {
			return err
		}
		a, err := tx.AuthorizationByID(ctx, d.AuthorizationID)
		if err != nil {
			return err
		}
		if !canSee(p, a) {
			return errDeliveryNotFound(id)
		}
		if !mayReplay(p, d.InstitutionID) {
			return fault.New(fault.Forbidden, "authz.not_allowed", "you may not replay this delivery").With("action", "replay")
		}
		if d.Status != DeliveryFailed {
			return fault.New(fault.Conflict, "authz.delivery_not_failed", "only a failed delivery can be replayed").With("status", string(d.Status))
		}
		d.Status, d.Attempts, d.Replays, d.NextAttemptAt, d.UpdatedAt, d.Version = DeliveryPending, 0, d.Replays+1, now, now, d.Version+1
		if err := tx.UpdateDelivery(ctx, &d); err != nil {
			return err
		}
		e := s.entry(p, a, "webhook_replay", "", "")
		b, _ := json.Marshal(map[string]any{"delivery_id": d.ID, "event": d.Event, "replays": d.Replays})
		e.Detail, e.Items = string(b), nil
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return Delivery{}, err
	}
	s.wake()
	return d, nil
}

// Notifier sends the stored deliveries: every due one is claimed (its
// next attempt pushed a lease ahead, so a crash mid-send retries it after
// the lease), POSTed signed, and recorded: delivered, or pending again
// with exponential backoff, or failed after Attempts. A transition never
// waits for it; pending deliveries outlive a restart because they are
// rows, not memory.
type Notifier struct {
	Repo     DeliveryStore
	Signer   *Signer
	Client   *http.Client  // default: 10 s timeout, no redirects
	Log      *slog.Logger  // default: slog.Default()
	Attempts int           // default 5
	Backoff  time.Duration // delay before the second attempt, doubled each time (default 30 s)
	Lease    time.Duration // how long a claimed delivery is left alone (default 1 min)
	Poll     time.Duration // how often Run looks for due deliveries without a Wake (default 5 s)
	Now      func() time.Time

	once sync.Once
	wake chan struct{}
}

func (n *Notifier) init() {
	n.once.Do(func() { n.wake = make(chan struct{}, 1) })
}

func (n *Notifier) now() time.Time {
	if n.Now != nil {
		return n.Now().UTC()
	}
	return time.Now().UTC()
}

func (n *Notifier) log() *slog.Logger {
	if n.Log != nil {
		return n.Log
	}
	return slog.Default()
}

func (n *Notifier) attempts() int {
	if n.Attempts > 0 {
		return n.Attempts
	}
	return 5
}

// Wake makes Run look for due deliveries now.
func (n *Notifier) Wake() {
	n.init()
	select {
	case n.wake <- struct{}{}:
	default:
	}
}

// Run sends due deliveries until ctx ends, up to workers at a time.
func (n *Notifier) Run(ctx context.Context, workers int) {
	n.init()
	poll := n.Poll
	if poll <= 0 {
		poll = 5 * time.Second
	}
	t := time.NewTicker(poll)
	defer t.Stop()
	for {
		if _, err := n.RunDue(ctx, workers); err != nil && ctx.Err() == nil {
			n.log().Error("webhook deliveries", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-n.wake:
		case <-t.C:
		}
	}
}

// RunDue sends every delivery due now, up to workers at a time, and
// returns how many it attempted.
func (n *Notifier) RunDue(ctx context.Context, workers int) (int, error) {
	if workers <= 0 {
		workers = 4
	}
	total := 0
	for ctx.Err() == nil {
		due, err := n.Repo.DeliveriesDue(ctx, n.now(), 100)
		if err != nil || len(due) == 0 {
			return total, err
		}
		var (
			wg   sync.WaitGroup
			sem  = make(chan struct{}, workers)
			mu   sync.Mutex
			errs []error
			sent int
		)
		for _, d := range due {
			sem <- struct{}{}
			wg.Add(1)
			go func() {
				defer func() { <-sem; wg.Done() }()
				ok, err := n.attempt(ctx, d)
				mu.Lock()
				defer mu.Unlock()
				if ok {
					sent++
				}
				if err != nil {
					errs = append(errs, err)
				}
			}()
		}
		wg.Wait()
		total += sent
		if len(errs) > 0 {
			return total, errs[0]
		}
		if sent == 0 {
			return total, nil // everything due was claimed elsewhere
		}
	}
	return total, ctx.Err()
}

// attempt claims d, sends it and records the outcome; false when another
// sender claimed it first.
func (n *Notifier) attempt(ctx context.Context, d Delivery) (bool, error) {
	lease := n.Lease
	if lease <= 0 {
		lease = time.Minute
	}
	now := n.now()
	d.Attempts, d.NextAttemptAt, d.UpdatedAt, d.Version = d.Attempts+1, now.Add(lease), now, d.Version+1
	if err := n.Repo.UpdateDelivery(ctx, &d); err != nil {
		if fault.Is(err, fault.Conflict) {
			return false, nil
		}
		return false, err
	}
	code, err := n.post(ctx, d)
	if ctx.Err() != nil {
		return true, nil // shutting down: the lease brings it back
	}
	now = n.now()
	d.LastStatusCode, d.UpdatedAt, d.Version = code, now, d.Version+1
	switch {
	case err == nil:
		d.Status, d.DeliveredAt, d.LastError = DeliveryDelivered, now, ""
	case d.Attempts >= n.attempts():
		d.Status, d.LastError = DeliveryFailed, clipError(err)
		n.log().Warn("authorization webhook failed", "delivery", d.ID, "authorization", d.AuthorizationID, "attempts", d.Attempts, "error", err)
	default:
		wait := n.Backoff
		if wait <= 0 {
			wait = 30 * time.Second
		}
		wait <<= min(d.Attempts-1, 16)
		d.LastError, d.NextAttemptAt = clipError(err), now.Add(wait)
	}
	if err := n.Repo.UpdateDelivery(context.WithoutCancel(ctx), &d); err != nil {
		return true, err
	}
	return true, nil
}

func clipError(err error) string {
	s := err.Error()
	if len(s) > 500 {
		s = strings.ToValidUTF8(s[:500], "")
	}
	return s
}

// post sends d once and returns the response status (0 without one).
func (n *Notifier) post(ctx context.Context, d Delivery) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader([]byte(d.Body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("CreditBridge-Delivery", strconv.FormatInt(d.ID, 10))
	if n.Signer != nil {
		sig, err := n.Signer.SignBody([]byte(d.Body))
		if err != nil {
			return 0, err
		}
		req.Header.Set(SignatureHeader, sig)
	}
	c := n.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, fmt.Errorf("status %d", resp.StatusCode)
	}
	return resp.StatusCode, nil
}
