package app_test

import (
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

// TestConsentLinkAndWebhookReplayAPI runs the person's own consent and the
// stored webhook deliveries over HTTP on a real node, on each backend: the
// enterprise's administrator issues a consent link, the legal
// representative answers it without an account (a wrong identity is
// refused) and the authorization then carries personal information; a callback that
// keeps failing leaves a failed delivery that the bank lists and replays,
// and the replay arrives, signed.
func TestConsentLinkAndWebhookReplayAPI(t *testing.T) {
	for _, b := range scratch.Backends(t) {
		t.Run(b, func(t *testing.T) {
			w := newAuthzWorld(t, b)
			var (
				mu      sync.Mutex
				failing = true
				got     []authz.Event
			)
			pub := w.n.Keys.Public()
			srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				mu.Lock()
				defer mu.Unlock()
				if failing {
					rw.WriteHeader(http.StatusBadGateway)
					return
				}
				if authz.VerifyBody(r.Header.Get(authz.SignatureHeader), body, pub) != nil {
					rw.WriteHeader(http.StatusUnauthorized)
					return
				}
				var ev authz.Event
				_ = json.Unmarshal(body, &ev)
				got = append(got, ev)
			}))
			defer srv.Close()
			now := time.Now().UTC()
			clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			nt := w.n.Authz.Webhooks
			nt.Now, nt.Attempts, nt.Backoff = clock, 2, time.Minute

			var req map[string]any
			_ = json.Unmarshal([]byte(grantBody("tax.", "registration.legal_representative")), &req)
			req["callback_url"] = srv.URL + "/hooks/cb"
			raw, _ := json.Marshal(req)
			var a authz.Authorization
			w.call(t, "bankkey", "POST", "/api/v1/authorizations", string(raw), 201, &a)
			path := "/api/v1/authorizations/" + a.ID
			w.call(t, "ent", "POST", path+"/approve", "", 200, nil)

			// The administrator issues the person's link; the bank cannot.
			w.call(t, "bank", "POST", path+"/consent-invitations", `{"role":"legal_rep","name":"`+repName+`"}`, 403, nil)
			var inv struct {
				authz.Invitation
				Token string `json:"token"`
				Link  string `json:"link"`
			}
			w.call(t, "ent", "POST", path+"/consent-invitations", `{"role":"legal_rep","name":"`+repName+`"}`, 201, &inv)
			if inv.Link != "/consent/"+inv.Token || inv.Status != authz.InviteOpen {
				t.Fatalf("invitation %+v", inv)
			}
			if body := w.call(t, "bank", "GET", path+"/consent-invitations", "", 200, nil); strings.Contains(body, inv.Token) || strings.Contains(body, repName) {
				t.Fatalf("the invitations list shows the link or the name: %s", body)
			}

			// The person, without an account.
			var view authz.InvitationView
			w.call(t, "", "GET", "/api/v1/consent/"+inv.Token, "", 200, &view)
			if view.InstitutionName != "示范银行" || len(view.PersonalData) != 2 {
				t.Fatalf("view %+v", view)
			}
			w.call(t, "", "GET", "/api/v1/consent/ct_"+strings.Repeat("x", 43), "", 404, nil)
			if body := w.call(t, "", "POST", "/api/v1/consent/"+inv.Token, `{"decision":"give","name":"`+repName+`","id_number":"110105194912310038"}`, 400, nil); !strings.Contains(body, "authz.consent_mismatch") {
				t.Fatalf("wrong identity: %s", body)
			}
			w.call(t, "bank", "GET", path, "", 200, &a)
			if a.PersonalConsent {
				t.Fatal("a wrong identity gave consent")
			}
			var answered authz.Invitation
			w.call(t, "", "POST", "/api/v1/consent/"+inv.Token, `{"decision":"give","name":"`+repName+`","id_number":"`+repID+`"}`, 200, &answered)
			if answered.Status != authz.InviteGiven || answered.Failures != 1 {
				t.Fatalf("answered %+v", answered)
			}
			w.call(t, "", "POST", "/api/v1/consent/"+inv.Token, `{"decision":"give","name":"`+repName+`","id_number":"`+repID+`"}`, 409, nil)
			var cs struct {
				Items []authz.Consent `json:"items"`
			}
			w.call(t, "ent", "GET", path+"/consents", "", 200, &cs)
			if len(cs.Items) != 1 || cs.Items[0].Channel != authz.ChannelPersonLink {
				t.Fatalf("consents %+v", cs.Items)
			}
			w.call(t, "bank", "GET", path, "", 200, &a)
			if !a.PersonalConsent {
				t.Fatal("the person's consent did not reach the authorization")
			}

			// Webhooks: request, approve and consent are stored; the
			// callback fails until the attempts run out.
			mu.Lock()
			now = time.Now().UTC() // after the changes were stored
			mu.Unlock()
			for range 2 {
				if _, err := nt.RunDue(t.Context(), 2); err != nil {
					t.Fatal(err)
				}
				mu.Lock()
				now = now.Add(2 * time.Minute)
				mu.Unlock()
			}
			var ds struct {
				Items []authz.Delivery `json:"items"`
			}
			w.call(t, "bank", "GET", "/api/v1/webhook-deliveries?status=failed&authorization_id="+a.ID, "", 200, &ds)
			if len(ds.Items) != 3 {
				t.Fatalf("failed deliveries %+v", ds.Items)
			}
			w.call(t, "bank2", "GET", "/api/v1/webhook-deliveries", "", 200, &ds)
			if len(ds.Items) != 0 {
				t.Fatalf("another bank sees %+v", ds.Items)
			}
			w.call(t, "bank", "GET", "/api/v1/webhook-deliveries?status=failed", "", 200, &ds)
			first := ds.Items[len(ds.Items)-1] // the oldest: the request
			if first.Event != "authorization.request" || first.Attempts != 2 || first.LastStatusCode != http.StatusBadGateway {
				t.Fatalf("failed request delivery %+v", first)
			}
			replay := fmt.Sprintf("/api/v1/webhook-deliveries/%d/replay", first.ID)
			w.call(t, "bank2", "POST", replay, "", 404, nil)
			w.call(t, "ent", "POST", replay, "", 403, nil)
			mu.Lock()
			failing = false
			mu.Unlock()
			var d authz.Delivery
			w.call(t, "bankkey", "POST", replay, "", 200, &d)
			if d.Status != authz.DeliveryPending || d.Replays != 1 {
				t.Fatalf("replayed %+v", d)
			}
			w.call(t, "bank", "POST", replay, "", 409, nil)
			if n, err := nt.RunDue(t.Context(), 2); err != nil || n != 1 {
				t.Fatalf("after replay: %d %v", n, err)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 1 || got[0].ID != a.ID || got[0].Status != authz.StatusPending {
				t.Fatalf("received %+v", got)
			}
		})
	}
}

// TestConsentLinkIsRateLimited: the public consent endpoints take no
// account, so the anonymous limit per address holds them: guessing links
// from one address is refused with 429 and a Retry-After long before it
// could matter (tokens carry 256 random bits; each link also locks after
// five wrong identities).
func TestConsentLinkIsRateLimited(t *testing.T) {
	cfg := ingestNodeConfig(t, "sqlite")
	cfg.RateAnonPerMinute, cfg.RateBurstSeconds = 6, 60
	n, err := app.Open(t.Context(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	h, err := n.Handler()
	if err != nil {
		t.Fatal(err)
	}
	statuses := []int{}
	for i := range 10 {
		rec := do(t, h, "GET", fmt.Sprintf("/api/v1/consent/ct_%043d", i), actor{}, "", nil)
		statuses = append(statuses, rec.Code)
		if rec.Code == http.StatusTooManyRequests {
			if rec.Header().Get("Retry-After") == "" {
				t.Fatal("429 without Retry-After")
			}
			if i != 6 {
				t.Fatalf("refused after %d requests, want 6 (%v)", i, statuses)
			}
			return
		}
		if rec.Code != http.StatusNotFound {
			t.Fatalf("request %d = %d", i, rec.Code)
		}
	}
	t.Fatalf("never limited: %v", statuses)
}
