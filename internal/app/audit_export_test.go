package app_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

// TestEvidenceExport exports an institution's evidence over the API and
// the CLI on each backend, verifies both offline, and checks that only
// auditors and operator staff may export and that the export is recorded.
func TestEvidenceExport(t *testing.T) {
	t.Parallel()
	for _, be := range scratch.Backends(t) {
		t.Run(be, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			cfg := ingestNodeConfig(t, be)
			n, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { n.Close() })
			h, err := n.Handler()
			if err != nil {
				t.Fatal(err)
			}
			var codes []string
			for i := 1; i <= 4; i++ {
				code, err := creditcode.Complete(fmt.Sprintf("91320506MA1EX%04d", i))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := n.Enterprises.Register(ctx, access.System, enterprise.Input{Code: string(code), NameZH: fmt.Sprintf("苏州导出第%d有限公司（模拟）", i),
					LegalRep: enterprise.LegalRep{Name: "王五"}}); err != nil {
					t.Fatal(err)
				}
				codes = append(codes, string(code))
			}
			sys := account.SystemActor
			users := map[string]actor{}
			orgs := map[string]account.Org{}
			for _, u := range []struct {
				name string
				kind account.OrgKind
				role account.Role
			}{{"bank1", account.KindInstitution, account.RoleInstitutionOfficer}, {"bank2", account.KindInstitution, account.RoleInstitutionOfficer},
				{"auditor", account.KindAuditor, account.RoleAuditor}, {"analyst", account.KindOperator, account.RoleOperatorAnalyst}} {
				o, err := n.Accounts.CreateOrg(ctx, sys, account.Org{Kind: u.kind, Name: u.name + "（模拟）", AccessTier: 2})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := n.Accounts.CreateUser(ctx, sys, account.NewUser{OrgID: o.ID, Username: u.name, Role: u.role, Password: "correct horse battery"}); err != nil {
					t.Fatal(err)
				}
				rec := do(t, h, "POST", "/api/v1/auth/sign-in", actor{}, `{"username":"`+u.name+`","password":"correct horse battery"}`, nil)
				if rec.Code != 200 {
					t.Fatalf("sign in %s: %d %s", u.name, rec.Code, rec.Body)
				}
				var me struct {
					CSRF string `json:"csrf_token"`
				}
				_ = json.Unmarshal(rec.Body.Bytes(), &me)
				for _, c := range rec.Result().Cookies() {
					if c.Name == server.SessionCookie {
						users[u.name] = actor{cookie: c.Value, csrf: me.CSRF}
					}
				}
				orgs[u.name] = o
			}
			for i, c := range codes {
				who := "bank1"
				if i%2 == 1 {
					who = "bank2"
				}
				if rec := do(t, h, "GET", "/api/v1/enterprises/"+c+"?purpose=loan_application", users[who], "", nil); rec.Code != 200 {
					t.Fatalf("read %s as %s: %d %s", c, who, rec.Code, rec.Body)
				}
			}
			if _, _, err := n.Checkpointer().Checkpoint(ctx); err != nil {
				t.Fatal(err)
			}
			bank1 := fmt.Sprint(orgs["bank1"].ID)

			// Refusals: an institution may not export, even its own evidence;
			// a filter is required.
			if rec := do(t, h, "GET", "/api/v1/audit/export?institution="+bank1, users["bank1"], "", nil); rec.Code != 403 ||
				!strings.Contains(rec.Body.String(), "audit.export_forbidden") {
				t.Fatalf("institution export: %d %s", rec.Code, rec.Body)
			}
			if rec := do(t, h, "GET", "/api/v1/audit/export", users["auditor"], "", nil); rec.Code != 400 {
				t.Fatalf("unfiltered export: %d %s", rec.Code, rec.Body)
			}
			if rec := do(t, h, "GET", "/api/v1/audit/export?from=yesterday", users["auditor"], "", nil); rec.Code != 400 {
				t.Fatalf("bad time: %d %s", rec.Code, rec.Body)
			}

			pub := n.Keys.Public()
			check := func(b []byte, want int64) audit.ExportReport {
				t.Helper()
				rep, err := audit.VerifyExport(bytes.NewReader(b), []ed25519.PublicKey{pub})
				if err != nil {
					t.Fatal(err)
				}
				if !rep.OK() {
					t.Fatalf("export does not verify: %v", rep.Problem)
				}
				if rep.Selected != want {
					t.Fatalf("selected %d, want %d", rep.Selected, want)
				}
				return rep
			}
			for _, who := range []string{"auditor", "analyst"} {
				rec := do(t, h, "GET", "/api/v1/audit/export?institution="+bank1, users[who], "", nil)
				if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/x-ndjson" ||
					!strings.Contains(rec.Header().Get("Content-Disposition"), "attachment") {
					t.Fatalf("export as %s: %d %v %s", who, rec.Code, rec.Header(), rec.Body)
				}
				// bank1 signed in and read two enterprises: three entries.
				check(rec.Body.Bytes(), 3)
			}
			// The web audit page offers the download to auditors only, and it
			// serves the same file.
			if rec := do(t, h, "GET", "/audit", users["auditor"], "", nil); rec.Code != 200 || !strings.Contains(rec.Body.String(), `action="/audit/export"`) {
				t.Fatalf("audit page for the auditor lacks the export form: %d", rec.Code)
			}
			if rec := do(t, h, "GET", "/audit", users["bank1"], "", nil); rec.Code != 200 || strings.Contains(rec.Body.String(), `action="/audit/export"`) {
				t.Fatalf("audit page for an institution offers the export: %d", rec.Code)
			}
			rec := do(t, h, "GET", "/audit/export?institution="+bank1+"&from=2020-01-01", users["auditor"], "", nil)
			if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/x-ndjson" {
				t.Fatalf("web export: %d %s", rec.Code, rec.Body)
			}
			check(rec.Body.Bytes(), 3)
			if rec := do(t, h, "GET", "/audit/export?institution="+bank1, users["bank1"], "", nil); rec.Code != 403 {
				t.Fatalf("web export by an institution: %d", rec.Code)
			}
			es, err := n.Store.ListAudit(ctx, audit.Filter{Action: audit.ActionExport, Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var ok, denied int
			for _, e := range es {
				switch e.Outcome {
				case audit.OK:
					ok++
				case audit.Denied:
					denied++
				}
			}
			if ok != 3 || denied != 2 {
				t.Fatalf("export evidence: %d ok, %d denied; want 3 and 2", ok, denied)
			}

			// The CLI signs the head first, so the API exports are covered too.
			dbFlag := []string{"--data-dir", cfg.DataDir}
			if be != "sqlite" {
				dbFlag = append(dbFlag, "--db", cfg.DB)
			}
			out := filepath.Join(t.TempDir(), "evidence.jsonl")
			run := func(args ...string) (int, string) {
				var o, e bytes.Buffer
				code := app.Run(ctx, app.Env{Args: args, Stdout: &o, Stderr: &e})
				return code, o.String() + e.String()
			}
			if code, msg := run(append([]string{"audit", "export", "--institution", bank1, "--out", out}, dbFlag...)...); code != 0 {
				t.Fatalf("audit export: %d %s", code, msg)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			// Now also signed: bank1's two refused export attempts.
			check(b, 5)
			pubFile := filepath.Join(cfg.DataDir, keys.NodePubFile)
			if code, msg := run("audit", "verify", "--export", out, "--pubkey", pubFile); code != 0 || !strings.Contains(msg, "OK: 5 selected entries") {
				t.Fatalf("verify --export: %d %s", code, msg)
			}
			if code, msg := run("audit", "verify", "--export", out); code != 0 || !strings.Contains(msg, "in the file") {
				t.Fatalf("verify --export without --pubkey: %d %s", code, msg)
			}
			// One byte changed in a selected entry.
			i := bytes.Index(b, []byte(`"actor_name":"bank1"`))
			if i < 0 {
				t.Fatalf("no bank1 entry in %s", b)
			}
			b[i+len(`"actor_name":"bank`)] = '2'
			if err := os.WriteFile(out, b, 0o600); err != nil {
				t.Fatal(err)
			}
			if code, msg := run("audit", "verify", "--export", out, "--pubkey", pubFile); code != 1 || !strings.Contains(msg, "FAILED") {
				t.Fatalf("tampered export: %d %s", code, msg)
			}
		})
	}
}
