package app_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	mrand "math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/bench"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/store/backend"
)

// crashRows is the size of the batch that is killed: large enough that
// a random instant lands inside its transaction, small enough for CI.
const crashRows = 12_000

// TestIngestSurvivesSIGKILL runs `creditbridge ingest` of a large batch as
// a child process (the creditbridge binary, see buildCLI), kills it with SIGKILL at random instants several
// times, then runs it to completion, and checks the stored data equals an
// uninterrupted run's (row counts and a content digest of facts and
// batch), that nothing of a killed batch is visible, that the restarted
// ingest is not taken for an already loaded batch, and that the evidence
// log still verifies. SQLite always, PostgreSQL when
// CREDITBRIDGE_TEST_POSTGRES_URL is set. Set CREDITBRIDGE_CRASH_SEED to
// replay the kill instants of a logged run.
func TestIngestSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the SIGKILL test runs several ingest processes")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("CREDITBRIDGE_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("kill instants from seed %d (CREDITBRIDGE_CRASH_SEED=%d replays them)", seed, seed)
	bin, tool := buildCLI(t), buildProgram(t, "./testdata/crashdigest")
	dir := t.TempDir()
	fx, err := bench.WriteIngestFixture(dir, crashRows, "csv")
	if err != nil {
		t.Fatal(err)
	}
	for name, ds := range map[string]any{"profile.json": fx.Profile, "data.json": fx.Data} {
		b, _ := json.Marshal(ds)
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	backends := []string{"sqlite"}
	if os.Getenv("CREDITBRIDGE_TEST_POSTGRES_URL") != "" {
		backends = append(backends, "postgres")
	} else {
		t.Log("CREDITBRIDGE_TEST_POSTGRES_URL not set: the SIGKILL test on PostgreSQL SKIPPED")
	}
	for i, b := range backends {
		t.Run(b, func(t *testing.T) {
			testIngestSurvivesSIGKILL(t, bin, tool, b, fx, dir, seed+uint64(i))
		})
	}
}

// crashNode is one node's database: its data directory and its flags.
type crashNode struct {
	dataDir string
	dsn     string // "" for SQLite in dataDir
}

func (n crashNode) flags() []string {
	f := []string{"--data-dir", n.dataDir}
	if n.dsn != "" {
		f = append(f, "--db", n.dsn)
	}
	return f
}

func (n crashNode) storeDSN() string {
	if n.dsn != "" {
		return n.dsn
	}
	return filepath.Join(n.dataDir, "creditbridge.db")
}

func newCrashNode(t *testing.T, backendName string) crashNode {
	t.Helper()
	n := crashNode{dataDir: t.TempDir()}
	if backendName == "postgres" {
		base := os.Getenv("CREDITBRIDGE_TEST_POSTGRES_URL")
		schema := "cbtest_crash_" + strings.ToLower(rand.Text()[:10])
		admin := func(sql string) {
			c, err := pgx.Connect(context.Background(), base)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close(context.Background())
			if _, err := c.Exec(context.Background(), sql); err != nil {
				t.Fatal(err)
			}
		}
		admin("CREATE SCHEMA " + schema)
		t.Cleanup(func() { admin("DROP SCHEMA " + schema + " CASCADE") })
		sep := "?"
		if strings.Contains(base, "?") {
			sep = "&"
		}
		n.dsn = base + sep + "search_path=" + schema
		if code, out := runCLI("migrate", n.flags()...); code != 0 {
			t.Fatalf("migrate: %d %s", code, out)
		}
	}
	return n
}

// runCLI runs a command in this process.
func runCLI(cmd string, args ...string) (int, string) {
	var out bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: append([]string{cmd}, args...), Stdout: &out, Stderr: &out})
	return code, out.String()
}

// child starts the command line as a separate process of the binary bin.
func child(t *testing.T, bin string, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &out
}

type ingestOutput struct {
	Result struct {
		Batch   string `json:"batch"`
		Already bool   `json:"already_loaded"`
		Rows    int64  `json:"rows"`
		OK      int64  `json:"ok"`
		Facts   int64  `json:"facts"`
	} `json:"result"`
}

func parseIngest(t *testing.T, out string) ingestOutput {
	t.Helper()
	var o ingestOutput
	i := strings.Index(out, "{")
	if i < 0 || json.Unmarshal([]byte(out[i:]), &o) != nil {
		t.Fatalf("ingest output is not its JSON result:\n%s", out)
	}
	return o
}

func testIngestSurvivesSIGKILL(t *testing.T, bin, tool, backendName string, fx bench.IngestFixture, dir string, seed uint64) {
	ctx := context.Background()
	rng := mrand.New(mrand.NewPCG(seed, 0x5eed))
	ingestArgs := func(n crashNode) []string {
		return append([]string{"ingest", fx.DataPath, "--dataset", filepath.Join(dir, "data.json"), "--errors",
			filepath.Join(n.dataDir, "errors.csv")}, n.flags()...)
	}
	register := func(n crashNode) {
		args := append([]string{fx.ProfilePath, "--dataset", filepath.Join(dir, "profile.json")}, n.flags()...)
		if code, out := runCLI("ingest", args...); code != 0 {
			t.Fatalf("register: %d %s", code, out)
		}
	}

	// The uninterrupted run, timed: kill instants are drawn within it.
	ref := newCrashNode(t, backendName)
	register(ref)
	start := time.Now()
	cmd, out := child(t, bin, ingestArgs(ref)...)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("uninterrupted ingest: %v\n%s", err, out)
	}
	full := time.Since(start)
	want := parseIngest(t, out.String())
	if want.Result.Already || want.Result.OK != crashRows {
		t.Fatalf("uninterrupted ingest: %+v", want)
	}
	t.Logf("uninterrupted ingest of %d rows (%d facts) took %s", crashRows, want.Result.Facts, full.Round(time.Millisecond))

	// Kill instants are drawn in the first 60 % of the uninterrupted
	// run's time; a loaded machine may still finish first: that node is
	// checked like the final one and the next attempts start afresh.
	wantDigest, wantCounts := crashDigest(t, tool, ref, want.Result.Batch)
	n := newCrashNode(t, backendName)
	register(n)
	killed, killedHere := 0, 0
	for attempt := 1; killed < 3 && attempt <= 10; attempt++ {
		after := time.Duration((0.05 + 0.55*rng.Float64()) * float64(full))
		cmd, out := child(t, bin, ingestArgs(n)...)
		time.Sleep(after)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Fatal(err)
		}
		err := cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Logf("attempt %d: the ingest ended before the kill at %s (%v): checked, and a fresh database for the next",
				attempt, after.Round(time.Millisecond), err)
			if err != nil {
				t.Fatalf("attempt %d: %v\n%s", attempt, err, out)
			}
			if d, c := crashDigest(t, tool, n, want.Result.Batch); d != wantDigest || c != wantCounts {
				t.Fatalf("attempt %d after %d kills: %s %s; uninterrupted: %s %s", attempt, killedHere, c, d, wantCounts, wantDigest)
			}
			n = newCrashNode(t, backendName)
			register(n)
			killedHere = 0
			continue
		}
		killed++
		killedHere++
		t.Logf("attempt %d: SIGKILL after %s", attempt, after.Round(time.Millisecond))
		// Nothing of the killed batch is visible, and the database opens
		// (no leftover lock; SQLite recovers its WAL).
		st, err := backend.Open(ctx, n.storeDSN(), backend.Options{})
		if err != nil {
			t.Fatalf("after kill %d: open: %v", attempt, err)
		}
		nf, err := st.CountFacts(ctx)
		_, berr := st.BatchByID(ctx, want.Result.Batch)
		st.Close()
		if err == nil && berr == nil {
			// The kill came after the batch's commit (while the process
			// signed its last checkpoint or printed): then the whole batch
			// must be there, equal to the uninterrupted run.
			if d, c := crashDigest(t, tool, n, want.Result.Batch); d != wantDigest || c != wantCounts {
				t.Fatalf("attempt %d, killed after its commit: %s %s; uninterrupted: %s %s", attempt, c, d, wantCounts, wantDigest)
			}
			t.Logf("attempt %d: the kill came after the commit: batch complete; a fresh database for the next", attempt)
			killed--
			n = newCrashNode(t, backendName)
			register(n)
			killedHere = 0
			continue
		}
		if err != nil || nf != 0 || !fault.Is(berr, fault.NotFound) {
			t.Fatalf("after kill %d: %d facts visible (%v), batch lookup: %v", attempt, nf, err, berr)
		}
	}
	if killed < 3 || killedHere == 0 {
		t.Fatalf("only %d attempts were killed mid-batch (%d on the last database)", killed, killedHere)
	}

	// Restarted: the batch loads (not taken for already loaded) and the
	// database equals the uninterrupted run's.
	cmd, out = child(t, bin, ingestArgs(n)...)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("ingest after %d kills: %v\n%s", killedHere, err, out)
	}
	got := parseIngest(t, out.String())
	if got.Result.Already || got.Result.Batch != want.Result.Batch || got.Result.OK != want.Result.OK || got.Result.Facts != want.Result.Facts {
		t.Fatalf("after %d kills: %+v, uninterrupted: %+v", killedHere, got, want)
	}
	gotDigest, gotCounts := crashDigest(t, tool, n, want.Result.Batch)
	if gotDigest != wantDigest || gotCounts != wantCounts {
		t.Fatalf("after %d kills: %s %s; uninterrupted: %s %s", killedHere, gotCounts, gotDigest, wantCounts, wantDigest)
	}
	if code, out := runCLI("audit", append([]string{"verify"}, n.flags()...)...); code != 0 {
		t.Fatalf("evidence log after the kills: %d %s", code, out)
	}
	t.Logf("%s: %d kills (%d on this database), then the batch loaded; %s, digest %s equals the uninterrupted run's",
		backendName, killed, killedHere, gotCounts, gotDigest[:16])
}

// crashDigest is the content digest of n's database and its counts (see
// testdata/crashdigest, which computes it in a process without the race
// detector).
func crashDigest(t *testing.T, tool string, n crashNode, batch string) (string, string) {
	t.Helper()
	out, err := exec.Command(tool, n.storeDSN(), batch).Output()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		t.Fatalf("crashdigest: %v: %s", err, ee.Stderr)
	}
	var d struct{ Digest, Counts string }
	if err != nil || json.Unmarshal(out, &d) != nil || d.Digest == "" {
		t.Fatalf("crashdigest: %v: %s", err, out)
	}
	return d.Digest, d.Counts
}
