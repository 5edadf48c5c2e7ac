package connector_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
)

const secret = "hmac-secret-0123456789"

func newService(t *testing.T) (*connector.Service, store.Store, *int) {
	t.Helper()
	ctx := context.Background()
	st, err := backend.Open(ctx, filepath.Join(t.TempDir(), "cb.db"), backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := items.LoadDefaults(ctx); err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	changes := 0
	s := &connector.Service{Repo: st, Seal: sealer, Items: items,
		InTx: func(ctx context.Context, fn func(connector.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		OnChange: func(context.Context) { changes++ }}
	return s, st, &changes
}

var admin = access.Principal{UserID: 5, Username: "admin", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}

func config() connector.Config {
	return connector.Config{Name: "tax-live", Department: "tax", Enabled: true, BaseURL: "http://127.0.0.1:9000",
		Auth:     connector.Auth{Type: connector.AuthHMAC, KeyID: "creditbridge", Secret: secret},
		Request:  connector.Request{Path: "/api/tax/v1/enterprises/{credit_code}/items/{item}"},
		Response: connector.Response{Records: "data.records", Period: "period", Num: "value"},
		Items:    []connector.ServedItem{{Code: "tax.vat_sales", Remote: "vat_sales", NumScale: 100}},
		Timeout:  connector.Duration(time.Second), CacheTTL: connector.Duration(time.Minute)}
}

func TestServiceSealsSecretsAndVersionsChanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, st, changes := newService(t)
	v1, err := s.Save(ctx, admin, config(), 0, "接入税务接口")
	if err != nil {
		t.Fatal(err)
	}
	if v1.Version != 1 || !v1.SecretSet || v1.Auth.Secret != "" || v1.AuthorName != "admin" || *changes != 1 {
		t.Fatalf("v1 = %+v (changes %d)", v1, *changes)
	}
	b, _ := json.Marshal(v1)
	if strings.Contains(string(b), secret) || !strings.Contains(string(b), `"secret_set":true`) {
		t.Fatalf("the view shows the secret or hides that one is set: %s", b)
	}
	raw, err := st.ConnectorByName(ctx, "tax-live")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(raw.Config, secret) || bytes.Contains(raw.SealedSecret, []byte(secret)) || len(raw.SealedSecret) == 0 {
		t.Fatalf("the secret is stored in the clear: %+v", raw)
	}
	// A change without a secret keeps the stored one.
	c := config()
	c.Auth.Secret, c.Timeout = "", connector.Duration(3*time.Second)
	v2, err := s.Save(ctx, admin, c, 1, "timeout 3s")
	if err != nil {
		t.Fatal(err)
	}
	act, err := s.Active(ctx)
	if err != nil || len(act) != 1 || act[0].Config.Auth.Secret != secret || act[0].Version != 2 || act[0].Config.Timeout.D() != 3*time.Second {
		t.Fatalf("Active = %+v, %v; want v2 with the secret opened", act, err)
	}
	// The same configuration again stores nothing.
	v2b, err := s.Save(ctx, admin, c, 2, "again")
	if err != nil || v2b.Version != 2 || *changes != 2 {
		t.Fatalf("an unchanged save: %+v, %v (changes %d)", v2b, err, *changes)
	}
	// The stored secret sent again is no change either; another one is.
	c.Auth.Secret = secret
	if v, err := s.Save(ctx, admin, c, 2, "same secret"); err != nil || v.Version != 2 {
		t.Fatalf("resending the secret: %+v, %v; want version 2 unchanged", v, err)
	}
	c.Auth.Secret = "rotated-secret-000"
	if v, err := s.Save(ctx, admin, c, 2, "rotate"); err != nil || v.Version != 3 {
		t.Fatalf("a new secret: %+v, %v; want version 3", v, err)
	}
	if act, err := s.Active(ctx); err != nil || act[0].Config.Auth.Secret != "rotated-secret-000" {
		t.Fatalf("after rotation Active = %+v, %v", act, err)
	}
	hist, err := s.History(ctx, admin, "tax-live")
	if err != nil || len(hist) != 3 || hist[0].Timeout.D() != time.Second || hist[1].Reason != "timeout 3s" || hist[1].Version != v2.Version {
		t.Fatalf("History = %+v, %v", hist, err)
	}
	// Every change is in the evidence log, and no entry holds the secret.
	es, err := st.ListAudit(ctx, audit.Filter{Action: "connector.update"})
	if err != nil || len(es) != 3 {
		t.Fatalf("%d connector.update entries, %v; want 3", len(es), err)
	}
	for _, e := range es {
		if strings.Contains(e.Detail, secret) || strings.Contains(e.Detail, "rotated-secret") || e.ActorName != "admin" || len(e.Items) != 1 || e.Items[0] != "tax.vat_sales" {
			t.Fatalf("evidence entry %+v", e)
		}
	}
	// A stale base is a conflict and stores nothing.
	c.Timeout = connector.Duration(5 * time.Second)
	_, err = s.Save(ctx, admin, c, 1, "stale")
	if !fault.Is(err, fault.Conflict) {
		t.Fatalf("stale save: %v, want Conflict", err)
	}
}

func TestServiceRefusals(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _, _ := newService(t)
	if _, err := s.Save(ctx, admin, config(), 0, "first"); err != nil {
		t.Fatal(err)
	}
	analyst := admin
	analyst.Role = account.RoleOperatorAnalyst
	bankAdmin := admin
	bankAdmin.OrgKind = account.KindInstitution
	tests := []struct {
		name   string
		p      access.Principal
		change func(*connector.Config)
		base   int64
		reason string
		code   string
	}{
		{"analyst", analyst, nil, 1, "x", "connector.forbidden"},
		{"not the operator", bankAdmin, nil, 1, "x", "connector.forbidden"},
		{"no reason", admin, func(c *connector.Config) { c.Timeout = connector.Duration(2 * time.Second) }, 1, " ", "connector.reason_required"},
		{"new connector without secret", admin, func(c *connector.Config) { c.Name, c.Auth.Secret = "tax-two", "" }, 0, "x", "connector.secret_required"},
		{"auth type change without secret", admin, func(c *connector.Config) { c.Auth = connector.Auth{Type: connector.AuthAPIKey} }, 1, "x", "connector.secret_required"},
		{"unknown item", admin, func(c *connector.Config) { c.Items[0].Code = "tax.nothing" }, 1, "x", "connector.item_unknown"},
		{"other department's item", admin, func(c *connector.Config) { c.Items[0].Code = "si.arrears" }, 1, "x", "connector.item_department"},
		{"item served by another enabled connector", admin, func(c *connector.Config) { c.Name = "tax-two" }, 0, "x", "connector.item_taken"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := config()
			c.Items = append([]connector.ServedItem(nil), c.Items...)
			if tc.change != nil {
				tc.change(&c)
			}
			_, err := s.Save(ctx, tc.p, c, tc.base, tc.reason)
			fe, ok := fault.As(err)
			if !ok {
				t.Fatalf("Save = %v, want %s", err, tc.code)
			}
			var fields *fault.FieldsError
			codes := []string{fe.Code}
			if ok := asFields(err, &fields); ok {
				for _, f := range fields.Fields {
					codes = append(codes, f.Err.Code)
				}
			}
			for _, c := range codes {
				if c == tc.code {
					if _, ok := connector.Messages[c]; !ok {
						t.Fatalf("%s has no message", c)
					}
					return
				}
			}
			t.Fatalf("Save = %v (codes %v), want %s", err, codes, tc.code)
		})
	}
	if _, err := s.List(ctx, analyst); !fault.Is(err, fault.Forbidden) {
		t.Fatalf("analyst List: %v, want Forbidden", err)
	}
	// A disabled connector does not take its items.
	c := config()
	c.Name, c.Enabled = "tax-spare", false
	if _, err := s.Save(ctx, admin, c, 0, "standby"); err != nil {
		t.Fatalf("a disabled connector for a taken item: %v", err)
	}
	act, err := s.Active(ctx)
	if err != nil || len(act) != 1 || act[0].Config.Name != "tax-live" {
		t.Fatalf("Active = %+v, %v; want only the enabled one", act, err)
	}
}

func asFields(err error, out **fault.FieldsError) bool {
	for e := err; e != nil; {
		if fe, ok := e.(*fault.FieldsError); ok {
			*out = fe
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}
