package authz_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

// receiver is a real local HTTP endpoint standing in for an institution's
// callback: it answers 503 while failing is set (or for the first
// failFirst calls) and records what it accepted.
type receiver struct {
	srv       *httptest.Server
	mu        sync.Mutex
	calls     int
	failFirst int
	failing   bool
	got       []received
	arrived   chan struct{}
}

type received struct {
	ev  authz.Event
	sig string
	raw []byte
}

func newReceiver(t *testing.T, failFirst int) *receiver {
	rc := &receiver{failFirst: failFirst, arrived: make(chan struct{}, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		rc.calls++
		if rc.failing || rc.calls <= rc.failFirst {
			w.WriteHeader(http.StatusServiceUnavailable)
			return
		}
		var ev authz.Event
		_ = json.Unmarshal(b, &ev)
		rc.got = append(rc.got, received{ev, r.Header.Get(authz.SignatureHeader), b})
		w.WriteHeader(http.StatusNoContent)
		rc.arrived <- struct{}{}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) setFailing(v bool) {
	rc.mu.Lock()
	rc.failing = v
	rc.mu.Unlock()
}

func (rc *receiver) received() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return slices.Clone(rc.got)
}

func deliveries(t *testing.T, st store.Store, id string) []authz.Delivery {
	t.Helper()
	ds, err := st.ListDeliveries(t.Context(), authz.DeliveryFilter{AuthorizationID: id})
	must(t, err)
	slices.Reverse(ds) // oldest first
	return ds
}

// TestWebhookDeliveriesSurviveARestartAndReplay: every change stores a
// delivery in its own transaction; a delivery that fails is retried with
// backoff by a notifier of a restarted node (a new store opened on the
// same database, nothing carried over in memory), one out of attempts
// stays failed until the institution replays it, and every body that
// arrives verifies against the node's key.
func TestWebhookDeliveriesSurviveARestartAndReplay(t *testing.T) {
	t.Parallel()
	for _, b := range scratch.Backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			dsn := scratch.DSN(t, b)
			open := func() store.Store {
				st, err := backend.Open(ctx, dsn, backend.Options{})
				must(t, err)
				t.Cleanup(func() { st.Close() })
				return st
			}
			st1 := open()
			must(t, scratch.LoadCatalogue(ctx, st1))
			f := setupOn(t, st1)
			rc := newReceiver(t, 1) // the first call fails
			sg, err := authz.NewSigner(ed25519.NewKeyFromSeed(make([]byte, 32)), "n")
			must(t, err)
			f.svc.Signer = sg
			notifier := func(st store.Store) *authz.Notifier {
				return &authz.Notifier{Repo: st, Signer: sg, Client: rc.srv.Client(), Attempts: 3, Backoff: time.Minute, Lease: time.Minute, Now: f.clock.now}
			}
			f.svc.Webhooks = notifier(st1)

			in := f.input()
			in.CallbackURL = rc.srv.URL + "/hook"
			a, err := f.svc.Request(ctx, f.bank, in)
			must(t, err)
			_, err = f.svc.Approve(ctx, f.admin, a.ID, nil)
			must(t, err)
			ds := deliveries(t, st1, a.ID)
			if len(ds) != 2 || ds[0].Event != "authorization.request" || ds[1].Event != "authorization.approve" || ds[0].Status != authz.DeliveryPending {
				t.Fatalf("stored deliveries = %+v", ds)
			}
			n, err := f.svc.Webhooks.RunDue(ctx, 1)
			must(t, err)
			if n != 2 {
				t.Fatalf("attempted %d, want 2", n)
			}
			ds = deliveries(t, st1, a.ID)
			if ds[0].Status != authz.DeliveryPending || ds[0].Attempts != 1 || ds[0].LastStatusCode != 503 || ds[0].LastError == "" ||
				!ds[0].NextAttemptAt.Equal(f.clock.now().Add(time.Minute)) {
				t.Fatalf("the failed first delivery = %+v", ds[0])
			}
			if ds[1].Status != authz.DeliveryDelivered || ds[1].LastStatusCode != 204 || ds[1].DeliveredAt.IsZero() {
				t.Fatalf("the second delivery = %+v", ds[1])
			}

			// The node stops; a new one opens the same database.
			must(t, st1.Close())
			st2 := open()
			f.svc.Repo = st2
			f.svc.InTx = func(ctx context.Context, fn func(authz.Repo) error) error {
				return st2.InTx(ctx, func(s store.Store) error { return fn(s) })
			}
			f.svc.Webhooks = notifier(st2)
			if n, err := f.svc.Webhooks.RunDue(ctx, 1); err != nil || n != 0 {
				t.Fatalf("before the backoff: attempted %d, %v", n, err)
			}
			f.clock.add(time.Minute)
			if n, err := f.svc.Webhooks.RunDue(ctx, 1); err != nil || n != 1 {
				t.Fatalf("after the backoff: attempted %d, %v", n, err)
			}
			ds = deliveries(t, st2, a.ID)
			if ds[0].Status != authz.DeliveryDelivered || ds[0].Attempts != 2 {
				t.Fatalf("after the restart = %+v", ds[0])
			}
			got := rc.received()
			statuses := []authz.Status{}
			for _, g := range got {
				must(t, authz.VerifyBody(g.sig, g.raw, sg.Public()))
				if g.ev.ID != a.ID {
					t.Fatalf("event for %s", g.ev.ID)
				}
				statuses = append(statuses, g.ev.Status)
			}
			slices.Sort(statuses)
			if !slices.Equal(statuses, []authz.Status{authz.StatusActive, authz.StatusPending}) {
				t.Fatalf("received %v", statuses)
			}

			// Out of attempts: failed, until the institution replays it.
			rc.setFailing(true)
			_, err = f.svc.Pause(ctx, f.admin, a.ID, "")
			must(t, err)
			for i := range 3 {
				if n, err := f.svc.Webhooks.RunDue(ctx, 1); err != nil || n != 1 {
					t.Fatalf("attempt %d: %d, %v", i+1, n, err)
				}
				f.clock.add(time.Duration(1<<i) * time.Minute)
			}
			ds = deliveries(t, st2, a.ID)
			paused := ds[2]
			if paused.Event != "authorization.pause" || paused.Status != authz.DeliveryFailed || paused.Attempts != 3 || paused.LastStatusCode != 503 {
				t.Fatalf("out of attempts = %+v", paused)
			}
			if n, err := f.svc.Webhooks.RunDue(ctx, 1); err != nil || n != 0 {
				t.Fatalf("a failed delivery was attempted again: %d, %v", n, err)
			}
			_, err = f.svc.Replay(ctx, f.bank2, paused.ID)
			wantCode(t, err, fault.NotFound, "authz.delivery_not_found")
			_, err = f.svc.Replay(ctx, f.admin, paused.ID)
			wantCode(t, err, fault.Forbidden, "authz.not_allowed")
			_, err = f.svc.Replay(ctx, f.bank, ds[0].ID)
			wantCode(t, err, fault.Conflict, "authz.delivery_not_failed")
			rc.setFailing(false)
			d, err := f.svc.Replay(ctx, f.bank, paused.ID)
			must(t, err)
			if d.Status != authz.DeliveryPending || d.Attempts != 0 || d.Replays != 1 {
				t.Fatalf("replayed = %+v", d)
			}
			if n, err := f.svc.Webhooks.RunDue(ctx, 1); err != nil || n != 1 {
				t.Fatalf("after replay: %d, %v", n, err)
			}
			d, err = st2.DeliveryByID(ctx, paused.ID)
			must(t, err)
			if d.Status != authz.DeliveryDelivered || d.Replays != 1 {
				t.Fatalf("replayed delivery = %+v", d)
			}
			es, err := st2.ListAudit(ctx, audit.Filter{Action: "authorization.webhook_replay"})
			must(t, err)
			if len(es) != 1 || es[0].AuthorizationID != a.ID || es[0].ActorName != f.bank.ActorName() {
				t.Fatalf("replay evidence = %+v", es)
			}
			_, err = f.svc.Replay(ctx, f.op, paused.ID) // delivered now
			wantCode(t, err, fault.Conflict, "authz.delivery_not_failed")

			// Who sees which deliveries.
			for _, tc := range []struct {
				name string
				p    func() ([]authz.Delivery, error)
				want int
			}{
				{"bank", func() ([]authz.Delivery, error) { return f.svc.Deliveries(ctx, f.bank, authz.DeliveryFilter{}) }, 3},
				{"other bank", func() ([]authz.Delivery, error) { return f.svc.Deliveries(ctx, f.bank2, authz.DeliveryFilter{}) }, 0},
				{"enterprise", func() ([]authz.Delivery, error) { return f.svc.Deliveries(ctx, f.admin, authz.DeliveryFilter{}) }, 3},
				{"other enterprise", func() ([]authz.Delivery, error) { return f.svc.Deliveries(ctx, f.other, authz.DeliveryFilter{}) }, 0},
				{"operator failed", func() ([]authz.Delivery, error) {
					return f.svc.Deliveries(ctx, f.op, authz.DeliveryFilter{Status: authz.DeliveryFailed})
				}, 0},
			} {
				got, err := tc.p()
				must(t, err)
				if len(got) != tc.want {
					t.Errorf("%s sees %d deliveries, want %d", tc.name, len(got), tc.want)
				}
			}
			_, err = f.svc.Deliveries(ctx, f.dept, authz.DeliveryFilter{})
			wantCode(t, err, fault.Forbidden, "authz.not_allowed")
		})
	}
}

// TestNotifierRunSendsOnWake: the running notifier sends a change as soon
// as the service wakes it, without waiting for its poll.
func TestNotifierRunSendsOnWake(t *testing.T) {
	t.Parallel()
	f := setup(t, "sqlite")
	rc := newReceiver(t, 0)
	n := &authz.Notifier{Repo: f.st, Client: rc.srv.Client(), Poll: time.Hour, Now: f.clock.now}
	f.svc.Webhooks = n
	ctx, cancel := context.WithCancel(t.Context())
	stopped := make(chan struct{})
	go func() { n.Run(ctx, 2); close(stopped) }()
	defer func() { cancel(); <-stopped }()
	in := f.input()
	in.CallbackURL = rc.srv.URL + "/hook"
	a, err := f.svc.Request(t.Context(), f.bank, in)
	must(t, err)
	select {
	case <-rc.arrived:
	case <-time.After(10 * time.Second):
		t.Fatal("webhook not delivered after the wake")
	}
	if got := rc.received(); len(got) != 1 || got[0].ev.ID != a.ID || got[0].ev.Status != authz.StatusPending {
		t.Fatalf("received %+v", got)
	}
}
