package app_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// TestSubmittedBatchSurvivesSIGKILL submits a large batch to a real
// `serve` process (the creditbridge binary, see buildCLI), kills the process with SIGKILL while the batch runs,
// checks nothing of the batch is visible, starts the node again and
// checks it runs the batch from its spooled file to the end, with every
// row stored once. SQLite always, PostgreSQL when
// CREDITBRIDGE_TEST_POSTGRES_URL is set.
func TestSubmittedBatchSurvivesSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: starts and kills node processes")
	}
	bin := buildCLI(t)
	for _, b := range ingestBackends(t) {
		t.Run(b, func(t *testing.T) { submittedBatchSurvivesSIGKILL(t, bin, b) })
	}
}

const (
	crashEnterprises = 400
	crashMonths      = 150 // 60,000 rows: long enough to be caught running
)

func submittedBatchSurvivesSIGKILL(t *testing.T, bin, backendName string) {
	ctx := context.Background()
	cfg := ingestNodeConfig(t, backendName)
	// Prepare the node in-process: registry, an department system's API key,
	// a dataset, and a large file for it.
	n, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	g, err := synth.New(synth.Config{Enterprises: crashEnterprises, Seed: 21, Months: 1})
	if err != nil {
		t.Fatal(err)
	}
	var recs []*enterprise.Record
	var codes []string
	if err := g.Each(ctx, func(b synth.Bundle) error {
		rec, err := n.Enterprises.Prepare(seed.Input(b.Profile))
		if err != nil {
			return err
		}
		recs = append(recs, &rec)
		codes = append(codes, b.Profile.Code)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := n.Store.InTx(ctx, func(tx store.Store) error { return n.Enterprises.Import(ctx, tx, access.System, "registry", recs) }); err != nil {
		t.Fatal(err)
	}
	op, err := n.Accounts.CreateOrg(ctx, account.SystemActor, account.Org{Kind: account.KindDepartment, Name: "水务公司", Department: "water"})
	if err != nil {
		t.Fatal(err)
	}
	key, _, err := n.Accounts.CreateAPIKey(ctx, account.SystemActor, account.NewAPIKey{OrgID: op.ID, Name: "loader", Scopes: []account.Scope{account.ScopeDataWrite}})
	if err != nil {
		t.Fatal(err)
	}
	ds := ingest.Dataset{Name: "water/usage-history", Department: "water", Format: "csv", Encoding: "utf-8", HeaderRow: 1,
		RowKind: ingest.KindMeasure, Shape: "measure", KeyColumn: "统一社会信用代码", Columns: []ingest.Column{
			{Name: "统一社会信用代码", Field: "enterprise.code", Type: "code", Required: true},
			{Name: "抄表年月", Field: "fact.period", Type: "month", Format: "YYYY-MM", Required: true},
			{Name: "用水量(立方米)", Field: "fact.num", Item: "util.water_m3", Type: "integer", Unit: "立方米"},
		}}
	if _, err := n.Ingest.RegisterDataset(ctx, ds); err != nil {
		t.Fatal(err)
	}
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	file.WriteString("统一社会信用代码,抄表年月,用水量(立方米)\n")
	rows := 0
	for m := 0; m < crashMonths; m++ {
		period := time.Date(2014, time.Month(1+m), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
		for i, c := range codes {
			fmt.Fprintf(&file, "%s,%s,%d\n", c, period, 20+(i*7+m*3)%500)
			rows++
		}
	}

	// First node process: submit, wait until the batch runs, SIGKILL.
	addr := freeAddr(t)
	node := startNode(t, bin, cfg, addr)
	req, _ := http.NewRequest("POST", "http://"+addr+"/api/v1/ingest/batches?dataset=water%2Fusage-history", bytes.NewReader(file.Bytes()))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "text/csv")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 202 {
		t.Fatalf("submit: %d %s", resp.StatusCode, body)
	}
	loc := resp.Header.Get("Location")
	poll := func(addr string) batchOut {
		req, _ := http.NewRequest("GET", "http://"+addr+loc, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b batchOut
		if err := json.NewDecoder(resp.Body).Decode(&b); err != nil {
			t.Fatal(err)
		}
		return b
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		b := poll(addr)
		if b.State == "running" && b.Rows > 0 {
			t.Logf("killing the node with the batch at row %d of %d", b.Rows, rows)
			break
		}
		if b.State != "queued" && b.State != "running" {
			t.Fatalf("the batch ended (%s) before it could be killed; make the file larger", b.State)
		}
		if time.Now().After(deadline) {
			t.Fatal("the batch did not start")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := node.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = node.Wait()

	// Nothing of the batch is visible; the job is left running.
	st, err := backend.Open(ctx, cfg.DSN(), backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := loc[strings.LastIndexByte(loc, '/')+1:]
	j, err := st.JobByID(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if j.State != ingestjob.Running || j.Attempts != 1 {
		t.Fatalf("killed batch: state %s, attempts %d", j.State, j.Attempts)
	}
	if c, _ := st.CountFacts(ctx); c != 0 {
		t.Fatalf("a killed batch left %d facts", c)
	}
	if _, err := st.BatchByID(ctx, j.Batch); !fault.Is(err, fault.NotFound) {
		t.Fatalf("a killed batch is recorded: %v", err)
	}
	st.Close()

	// Second node process: it runs the batch again from its spooled file.
	addr = freeAddr(t)
	node = startNode(t, bin, cfg, addr)
	var done batchOut
	for deadline = time.Now().Add(120 * time.Second); ; {
		done = poll(addr)
		if done.State != "queued" && done.State != "running" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the batch did not finish after the restart (%s, %d rows)", done.State, done.Rows)
		}
		time.Sleep(50 * time.Millisecond)
	}
	_ = node.Process.Signal(syscall.SIGTERM)
	_ = node.Wait()
	if done.State != "loaded" || done.Rows != int64(rows) || done.OK != int64(rows) || done.Facts != int64(rows) {
		t.Fatalf("after restart: %+v, want %d rows loaded", done, rows)
	}
	st, err = backend.Open(ctx, cfg.DSN(), backend.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if c, _ := st.CountFacts(ctx); c != int64(rows) {
		t.Fatalf("facts after restart: %d, want %d", c, rows)
	}
	if j, _ := st.JobByID(ctx, id); j.Attempts != 2 {
		t.Fatalf("attempts = %d, want 2", j.Attempts)
	}
	// The upload is removed just after the commit that made the batch
	// loaded: allow the removal a few seconds.
	var es []os.DirEntry
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		es, _ = os.ReadDir(filepath.Join(cfg.DataDir, "ingest"))
		if len(es) == 0 || time.Now().After(deadline) {
			break
		}
	}
	if len(es) != 0 {
		t.Fatalf("spool not emptied: %s … (%d files)", es[0].Name(), len(es))
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// startNode runs `serve` as a child process of the binary bin and waits
// until it answers.
func startNode(t *testing.T, bin string, cfg config.Config, addr string) *exec.Cmd {
	t.Helper()
	args := []string{"serve", "--data-dir", cfg.DataDir, "--listen", addr, "--log-level", "warn"}
	if cfg.DB != "" {
		args = append(args, "--db", cfg.DB)
	}
	cmd := exec.Command(bin, args...)
	out, _ := cmd.StdoutPipe()
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var logBuf bytes.Buffer
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			logBuf.WriteString(sc.Text() + "\n")
		}
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("node on %s did not start", addr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
