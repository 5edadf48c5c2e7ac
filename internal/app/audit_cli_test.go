package app_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	_ "modernc.org/sqlite"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
)

// logWithCheckpoint makes a data directory whose evidence log has 14
// entries (the default catalogue's and indicator system's loads, then ten registrations), a signed
// checkpoint at entry 12 and two entries after it.
func logWithCheckpoint(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	n, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	reg := func(i int) {
		code, err := creditcode.Complete(fmt.Sprintf("91320506MA1CB%04d", i))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n.Enterprises.Register(ctx, access.System, enterprise.Input{Code: string(code), NameZH: fmt.Sprintf("苏州第%d测试有限公司", i),
			LegalRep: enterprise.LegalRep{Name: "王五"}}); err != nil {
			t.Fatal(err)
		}
	}
	for i := 1; i <= 10; i++ {
		reg(i)
	}
	if _, ok, err := n.Checkpointer().Checkpoint(ctx); err != nil || !ok {
		t.Fatalf("checkpoint: %v %v", ok, err)
	}
	reg(11)
	reg(12)
	return cfg.DataDir
}

func verify(t *testing.T, dataDir string) (int, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"audit", "verify", "--data-dir", dataDir}, Stdout: &out, Stderr: &errb})
	return code, out.String() + errb.String()
}

func rawExec(t *testing.T, dataDir string, stmts ...string) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "creditbridge.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// TestAuditVerifyCLI tampers with the evidence log in each of the four ways
// and checks `creditbridge audit verify` exits non-zero naming the entry.
func TestAuditVerifyCLI(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		tamper []string
		want   string
	}{
		{"edited entry", []string{`UPDATE audit_log SET detail = 'edited' WHERE seq = 4`}, "entry 4"},
		{"deleted entry", []string{`DELETE FROM audit_log WHERE seq = 6`}, "entry 6"},
		{"reordered entries", []string{
			`UPDATE audit_log SET seq = -3 WHERE seq = 3`, `UPDATE audit_log SET seq = 3 WHERE seq = 5`, `UPDATE audit_log SET seq = 5 WHERE seq = -3`}, "entry 3"},
		{"tail truncated past the checkpoint", []string{
			`DELETE FROM audit_log WHERE seq > 8`,
			`UPDATE audit_head SET seq = 8, hash = (SELECT hash FROM audit_log WHERE seq = 8)`}, "entry 9"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := logWithCheckpoint(t)
			if code, out := verify(t, dir); code != 0 || !strings.Contains(out, "OK: 14 entries") {
				t.Fatalf("untampered log: exit %d, %s", code, out)
			}
			rawExec(t, dir, tc.tamper...)
			code, out := verify(t, dir)
			if code == 0 {
				t.Fatalf("tampered log verified: %s", out)
			}
			if !strings.Contains(out, "FAILED") || !strings.Contains(out, tc.want) {
				t.Fatalf("output should name %q: %s", tc.want, out)
			}
		})
	}
}
