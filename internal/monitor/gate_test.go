package monitor_test

import (
	"context"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

// instance is one node's view of a shared database: its own store (its
// own connections) and its own monitoring service and gate.
type instance struct {
	st   store.Store
	svc  *monitor.Service
	gate *monitor.Gate
}

func openInstance(t *testing.T, dsn string) instance {
	t.Helper()
	st, err := backend.Open(context.Background(), dsn, backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	svc := &monitor.Service{Repo: st, InTx: func(ctx context.Context, fn func(monitor.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	return instance{st: st, svc: svc, gate: &monitor.Gate{Service: svc, Detector: &monitor.Detector{Service: svc}}}
}

func wantSuspended(t *testing.T, err error, kind monitor.Kind, what string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Forbidden || fe.Code != "access.suspended" || fe.Params["kind"] != string(kind) {
		t.Fatalf("%s: Admit = %v, want 403 access.suspended (%s)", what, err, kind)
	}
}

// TestSuspensionOnOneInstanceBlocksTheNextRequestOnAnother runs two
// instances on one database: an operator suspends on the first; the very
// next request of the suspended key, user or organisation on the second is
// refused, and a reinstatement on the first lets the next one through.
func TestSuspensionOnOneInstanceBlocksTheNextRequestOnAnother(t *testing.T) {
	for _, b := range scratch.Backends(t) {
		t.Run(b, func(t *testing.T) {
			ctx := context.Background()
			dsn := scratch.DSN(t, b)
			a, other := openInstance(t, dsn), openInstance(t, dsn)

			bank := account.Org{Kind: account.KindInstitution, Name: "银行", AccessTier: 3}
			must(t, a.st.CreateOrg(ctx, &bank))
			key := account.APIKey{OrgID: bank.ID, Prefix: "cbk_5a5a5a5a", SecretHash: "x", Name: "core", Scopes: []account.Scope{account.ScopeEnterpriseRead}}
			must(t, a.st.CreateAPIKey(ctx, &key))
			user := account.User{OrgID: bank.ID, Username: "officer", DisplayName: "Officer", Role: account.RoleInstitutionOfficer, PasswordHash: "x", Status: account.StatusActive}
			must(t, a.st.CreateUser(ctx, &user))
			op := operator
			op.UserID = user.ID + 1000 // not the suspended user
			byKey := access.Principal{OrgID: bank.ID, OrgKind: account.KindInstitution, APIKeyID: key.ID, APIKeyPrefix: key.Prefix}
			byUser := access.Principal{OrgID: bank.ID, OrgKind: account.KindInstitution, UserID: user.ID, Username: user.Username, Role: account.RoleInstitutionOfficer}

			// Both instances have served the principals before: whatever
			// an instance keeps between requests is warm.
			for range 3 {
				must(t, other.gate.Admit(ctx, byKey, "192.0.2.7"))
				must(t, other.gate.Admit(ctx, byUser, "192.0.2.7"))
				must(t, a.gate.Admit(ctx, byKey, "192.0.2.7"))
			}

			for _, c := range []struct {
				kind monitor.Kind
				id   int64
				// blocked and free: who the suspension refuses and who
				// it leaves alone.
				blocked, free []access.Principal
			}{
				{monitor.KindAPIKey, key.ID, []access.Principal{byKey}, []access.Principal{byUser}},
				{monitor.KindUser, user.ID, []access.Principal{byUser}, []access.Principal{byKey}},
				{monitor.KindOrg, bank.ID, []access.Principal{byKey, byUser}, nil},
			} {
				sp, err := a.svc.Suspend(ctx, op, c.kind, c.id, "跨实例测试 cross-instance test")
				must(t, err)
				for _, p := range c.blocked {
					wantSuspended(t, other.gate.Admit(ctx, p, "192.0.2.7"), c.kind, "the other instance, next request after the suspension of "+string(c.kind))
					wantSuspended(t, a.gate.Admit(ctx, p, "192.0.2.7"), c.kind, "the suspending instance")
				}
				for _, p := range c.free {
					must(t, other.gate.Admit(ctx, p, "192.0.2.7"))
				}
				_, err = a.svc.Reinstate(ctx, op, sp.ID, "resolved")
				must(t, err)
				for _, p := range c.blocked {
					if err := other.gate.Admit(ctx, p, "192.0.2.7"); err != nil {
						t.Fatalf("the other instance after reinstating %s: %v, want admitted", c.kind, err)
					}
				}
			}

			// The other direction: a suspension on the second instance
			// blocks the first instance's next request.
			_, err := other.svc.Suspend(ctx, op, monitor.KindAPIKey, key.ID, "reverse")
			must(t, err)
			wantSuspended(t, a.gate.Admit(ctx, byKey, "192.0.2.7"), monitor.KindAPIKey, "the first instance after a suspension on the second")
		})
	}
}
