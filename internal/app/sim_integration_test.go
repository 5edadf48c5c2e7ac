package app_test

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/deptsim"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// simArgsEnv carries the command line of a simulator child process.
const simArgsEnv = "CREDITBRIDGE_TEST_SIM_ARGS"

// TestSimHelperProcess is the body of the simulator child processes that
// startSim runs (this test binary, re-executed): it runs the real command
// line, with the real signal handling of cmd/creditbridge. Run directly,
// it does nothing.
func TestSimHelperProcess(t *testing.T) {
	raw := os.Getenv(simArgsEnv)
	if raw == "" {
		return
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		os.Exit(3)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, app.Env{Args: args, Environ: os.Environ(), Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	stop()
	os.Exit(code)
}

type simProc struct {
	url    string
	cmd    *exec.Cmd
	stderr *syncBuffer
}

// startSim runs `creditbridge sim department args...` as a child process
// (the binary in CREDITBRIDGE_TEST_BINARY, else this test binary) on a
// loopback port, waits until it listens, and on cleanup stops it with
// SIGTERM and checks that it exits cleanly.
func startSim(t *testing.T, args ...string) *simProc {
	t.Helper()
	all := append([]string{"sim", "department", "--addr", "127.0.0.1:0"}, args...)
	var cmd *exec.Cmd
	if bin := os.Getenv("CREDITBRIDGE_TEST_BINARY"); bin != "" {
		// The creditbridge binary CI built (see buildCLI): no race
		// detector, so the simulator starts and answers faster.
		cmd = exec.Command(bin, all...)
	} else {
		b, _ := json.Marshal(all)
		cmd = exec.Command(os.Args[0], "-test.run=^TestSimHelperProcess$", "-test.count=1")
		cmd.Env = append(os.Environ(), simArgsEnv+"="+string(b))
	}
	p := &simProc{cmd: cmd, stderr: &syncBuffer{}}
	cmd.Stderr = p.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	urlc := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if _, u, ok := strings.Cut(sc.Text(), "listening on "); ok {
				urlc <- strings.Fields(u)[0]
			}
		}
		exited <- cmd.Wait()
	}()
	select {
	case p.url = <-urlc:
	case err := <-exited:
		t.Fatalf("simulator exited before listening: %v\n%s", err, p.stderr.String())
	case <-time.After(2 * time.Minute):
		_ = cmd.Process.Kill()
		t.Fatalf("simulator did not start listening\n%s", p.stderr.String())
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("simulator did not exit cleanly on SIGTERM: %v\n%s", err, p.stderr.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("simulator did not stop within 30s of SIGTERM\n%s", p.stderr.String())
		}
	})
	return p
}

func (p *simProc) stats(t *testing.T) deptsim.Stats {
	t.Helper()
	resp, err := http.Get(p.url + "/_sim/stats")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var s deptsim.Stats
	if err := json.NewDecoder(resp.Body).Decode(&s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestInterfaceCallsThroughTheSimulator runs the department simulator as
// real processes and reads interface-only items through sharing.Service
// on a real node, on SQLite and (when configured) PostgreSQL.
func TestInterfaceCallsThroughTheSimulator(t *testing.T) {
	if testing.Short() {
		t.Skip("starts simulator processes")
	}
	t.Run("sqlite", func(t *testing.T) { interfaceScenario(t, "") })
	t.Run("postgres", func(t *testing.T) {
		base := os.Getenv("CREDITBRIDGE_TEST_POSTGRES_URL")
		if base == "" {
			t.Skip("CREDITBRIDGE_TEST_POSTGRES_URL not set: PostgreSQL interface-call test SKIPPED")
		}
		interfaceScenario(t, pgSchema(t, base))
	})
}

// pgSchema creates a fresh schema and returns a DSN using it.
func pgSchema(t *testing.T, base string) string {
	t.Helper()
	ctx := context.Background()
	schema := "cbtest_sim_" + strings.ToLower(rand.Text()[:10])
	exec := func(sql string) {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	exec("CREATE SCHEMA " + schema)
	t.Cleanup(func() { exec("DROP SCHEMA " + schema + " CASCADE") })
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema
}

func interfaceScenario(t *testing.T, dsn string) {
	ctx := context.Background()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	if dsn != "" {
		cfg.DB = dsn
		if _, err := backend.Migrate(ctx, dsn); err != nil {
			t.Fatal(err)
		}
	}
	n, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })

	// The node and the simulator hold the same synthetic region.
	region := synth.Config{Enterprises: 12, Seed: 7, Months: 12}
	g, err := synth.New(region)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Run(ctx, g, seed.Options{Store: n.Store, Enterprises: n.Enterprises}); err != nil {
		t.Fatal(err)
	}
	// The enterprise with the most VAT records; its expected values are
	// the generator's, latest version per month, in 元 on the wire and
	// fen after the connector's ×100.
	var b synth.Bundle
	var want map[string]int64
	for i := range region.Enterprises {
		bi := g.Enterprise(i)
		w := map[string]int64{}
		for _, f := range bi.Facts {
			if f.Item == synth.ItemVATSales {
				w[f.Period.Format(time.DateOnly)] = f.Num // facts come in version order
			}
		}
		if len(w) > len(want) {
			b, want = bi, w
		}
	}
	if len(want) < 3 {
		t.Fatalf("the region has no enterprise with VAT records")
	}
	code := b.Profile.Code

	// tax.vat_sales becomes interface-only, so reads call the department.
	v, err := n.Items.Get(ctx, "tax.vat_sales")
	if err != nil {
		t.Fatal(err)
	}
	it := v.Item
	it.Modes = []catalog.Mode{catalog.ModeInterface}
	if _, err := n.Items.Save(ctx, access.System, it, v.Version, "test: VAT sales by interface call only"); err != nil {
		t.Fatal(err)
	}

	const secret = "sim-hmac-secret-0123"
	sim := startSim(t, "--enterprises", "12", "--seed", "7", "--months", "12", "--hmac-secret", secret, "--latency", "5ms", "--jitter", "5ms")
	save := func(c connector.Config, reason string) {
		t.Helper()
		var base int64
		if cur, err := n.Connectors.Get(ctx, access.System, c.Name); err == nil {
			base = cur.Version
		}
		if _, err := n.Connectors.Save(ctx, access.System, c, base, reason); err != nil {
			t.Fatalf("save connector %s: %v", c.Name, err)
		}
	}
	taxConn := func(url, sec string) connector.Config {
		c := app.SimConnector("tax-live", "tax", url, sec, []string{"tax.vat_sales"}, map[string]string{"tax.vat_sales": "fen"})
		c.CacheTTL = connector.Duration(time.Minute)
		return c
	}
	save(taxConn(sim.url, secret), "tax department interface")
	save(app.SimConnector("samr-live", "samr", sim.url, secret, []string{deptsim.ItemLegalRep}, nil), "registration interface")

	read := func(items ...string) (sharing.Result, error) {
		return n.Sharing.Read(ctx, access.System, sharing.Query{Code: code, Items: items})
	}
	calls := func() []audit.Entry {
		t.Helper()
		es, err := n.Store.ListAudit(ctx, audit.Filter{Action: "interface.call"})
		if err != nil {
			t.Fatal(err)
		}
		return es
	}

	t.Run("values_equal_the_region_and_each_call_is_evidence", func(t *testing.T) {
		res, err := read("tax.vat_sales")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Values) != len(want) {
			t.Fatalf("%d values, want %d", len(res.Values), len(want))
		}
		for _, v := range res.Values {
			if w, ok := want[v.Period]; !ok || v.Num != w {
				t.Errorf("%s: %d, want %d (present %t)", v.Period, v.Num, w, ok)
			}
			if v.Source != "tax" || v.Batch != "live:tax-live" || v.Via != catalog.ModeInterface || time.Since(v.ReceivedAt) > time.Minute {
				t.Errorf("provenance %+v", v)
			}
		}
		if len(res.Calls) != 1 || res.Calls[0].Cached || res.Calls[0].Attempts != 1 || res.Calls[0].Connector != "tax-live" {
			t.Fatalf("calls %+v", res.Calls)
		}
		es := calls()
		if len(es) != 1 || es[0].Outcome != audit.OK || es[0].EnterpriseID != res.EnterpriseID || es[0].Items[0] != "tax.vat_sales" {
			t.Fatalf("interface.call evidence %+v", es)
		}
		if s := sim.stats(t); s.Requests != 1 || s.Served != 1 {
			t.Fatalf("simulator stats %+v, want one request", s)
		}
	})

	t.Run("second_read_within_the_lifetime_is_served_from_the_cache", func(t *testing.T) {
		res, err := read("tax.vat_sales")
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Values) != len(want) || len(res.Calls) != 1 || !res.Calls[0].Cached {
			t.Fatalf("second read: %d values, calls %+v; want cached", len(res.Values), res.Calls)
		}
		if s := sim.stats(t); s.Requests != 1 {
			t.Fatalf("simulator saw %d requests, want still 1", s.Requests)
		}
		if es := calls(); len(es) != 2 {
			t.Fatalf("%d interface.call entries, want 2 (a cached call is recorded too)", len(es))
		}
	})

	t.Run("an_L4_personal_item_is_mapped_masked_and_never_cached", func(t *testing.T) {
		before := sim.stats(t).Requests
		for range 2 {
			res, err := read(deptsim.ItemLegalRep)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Values) != 1 {
				t.Fatalf("values %+v", res.Values)
			}
			v := res.Values[0]
			first, _ := utf8.DecodeRuneInString(b.Profile.LegalRepName)
			if !v.Masked || !strings.HasPrefix(v.Text, string(first)) || strings.Contains(v.Text, b.Profile.LegalRepName) ||
				strings.Contains(string(v.Detail), b.Profile.LegalRepName) || strings.Contains(string(v.Detail), b.Profile.LegalRepID) || // masked by internal/mask's rules
				v.Period != b.Profile.FoundedOn.Format(time.DateOnly) || v.Source != "samr" {
				t.Fatalf("legal representative %+v, want %q masked, founded %s", v, b.Profile.LegalRepName, b.Profile.FoundedOn.Format(time.DateOnly))
			}
		}
		if got := sim.stats(t).Requests - before; got != 2 {
			t.Fatalf("%d requests for two L4 reads, want 2 (no cache)", got)
		}
	})

	t.Run("a_wrong_HMAC_secret_is_a_clear_refusal", func(t *testing.T) {
		save(taxConn(sim.url, "not-the-secret-000"), "rotate to a wrong secret")
		before := sim.stats(t).Rejected
		_, err := read("tax.vat_sales")
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.Unavailable || fe.Code != "connector.rejected" || fe.Params["department"] != "tax" || fe.Params["status"] != "401" {
			t.Fatalf("read with a wrong secret: %v, want connector.rejected naming tax, HTTP 401", err)
		}
		for _, l := range []i18n.Lang{i18n.ZH, i18n.EN} {
			if msg := n.Catalog.TMap(l, fe.Code, fe.Params); !strings.Contains(msg, "tax") || !strings.Contains(msg, "401") || strings.Contains(msg, "{") {
				t.Errorf("%s message %q does not name the department and status", l, msg)
			}
		}
		if got := sim.stats(t).Rejected - before; got != 1 {
			t.Fatalf("simulator rejected %d requests, want 1 (a 401 is not retried)", got)
		}
		es := calls()
		if es[0].Outcome != audit.Failed || !strings.Contains(es[0].Detail, "connector.rejected") {
			t.Fatalf("the refused call's evidence: %+v", es[0])
		}
	})

	t.Run("a_hanging_department_fails_within_the_budget_naming_it", func(t *testing.T) {
		hang := startSim(t, "--enterprises", "12", "--seed", "7", "--months", "12", "--hmac-secret", secret, "--failure-rate", "1", "--failure-mode", "hang")
		c := taxConn(hang.url, secret)
		c.Timeout, c.Retries, c.Budget = connector.Duration(300*time.Millisecond), 2, connector.Duration(2*time.Second)
		c.Backoff = connector.Backoff{Initial: connector.Duration(50 * time.Millisecond), Max: connector.Duration(100 * time.Millisecond)}
		save(c, "the department's slow node")
		start := time.Now()
		_, err := read("tax.vat_sales")
		took := time.Since(start)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.Unavailable || fe.Code != "connector.department_down" || fe.Params["department"] != "tax" || fe.Params["connector"] != "tax-live" {
			t.Fatalf("read from a hanging department: %v, want connector.department_down naming tax", err)
		}
		// The budget is 2s; a loaded 2-core machine gets 8s more, never a hang.
		if took < 300*time.Millisecond || took > 10*time.Second {
			t.Fatalf("the read took %v, want between one attempt's timeout and the budget plus slack", took)
		}
		if s := hang.stats(t); s.Requests < 2 || s.Failed != s.Requests {
			t.Fatalf("hanging simulator stats %+v, want retried attempts that all hung", s)
		}
	})

	t.Run("the_circuit_opens_after_N_failures_and_then_fails_fast", func(t *testing.T) {
		down := startSim(t, "--enterprises", "12", "--seed", "7", "--months", "12", "--hmac-secret", secret, "--failure-rate", "1", "--failure-mode", "error")
		c := taxConn(down.url, secret)
		c.Retries, c.CacheTTL = 0, 0
		c.Breaker = connector.Breaker{Failures: 3, Cooldown: connector.Duration(10 * time.Minute)}
		save(c, "the department's failing node")
		for i := range 3 {
			_, err := read("tax.vat_sales")
			if fe, ok := fault.As(err); !ok || fe.Code != "connector.department_down" || fe.Params["cause"] != "HTTP 500" {
				t.Fatalf("failure %d: %v, want connector.department_down after HTTP 500", i+1, err)
			}
		}
		if s := down.stats(t); s.Requests != 3 {
			t.Fatalf("%d requests, want 3", s.Requests)
		}
		start := time.Now()
		_, err := read("tax.vat_sales")
		took := time.Since(start)
		fe, ok := fault.As(err)
		if !ok || fe.Kind != fault.Unavailable || fe.Code != "connector.circuit_open" || fe.Params["department"] != "tax" {
			t.Fatalf("read with the circuit open: %v, want connector.circuit_open", err)
		}
		if s := down.stats(t); s.Requests != 3 {
			t.Fatalf("the open circuit let a request through: %d requests", s.Requests)
		}
		if took > 5*time.Second {
			t.Fatalf("failing fast took %v", took)
		}
	})
}

// TestSimCommandErrors checks the simulator's command line refuses what
// it cannot serve, with a usage exit code.
func TestSimCommandErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no authentication", []string{"--enterprises", "5"}, "exactly one of --api-key and --hmac-secret"},
		{"both authentications", []string{"--api-key", "k", "--hmac-secret", "s"}, "exactly one of --api-key and --hmac-secret"},
		{"bad region", []string{"--region", "huge", "--api-key", "k"}, "--region must be small, medium or large"},
		{"failure rate", []string{"--failure-rate", "2", "--api-key", "k"}, "failure rate"},
		{"failure mode", []string{"--failure-mode", "explode", "--api-key", "k"}, "failure mode"},
		{"department", []string{"--departments", "tax,moon", "--api-key", "k"}, `unknown department "moon"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out syncBuffer
			code := app.Run(context.Background(), app.Env{Args: append([]string{"sim", "department", "--addr", "127.0.0.1:0"}, tc.args...), Stdout: &out, Stderr: &out})
			if code != 2 || !strings.Contains(out.String(), tc.want) {
				t.Fatalf("exit %d, output %q; want 2 and %q", code, out.String(), tc.want)
			}
		})
	}
}
