package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/server"
)

// TestDemoServesInterfaceItems runs `creditbridge demo` twice, as a user
// would: it seeds, prints the accounts, serves (ready), and on
// cancellation shuts down cleanly with the evidence log signed. Demo users
// read items shared only by interface call, served by the demo's
// department simulator through the demo connectors; a second start reuses
// the data, prints the same accounts and reuses the connectors without
// new versions. (It took over TestDemoServesAndShutsDown's checks, so
// that the suite starts the demo twice, not four times.) Each time, when the demo has
// returned no goroutine it started is left (the node's background jobs,
// the simulator), and at the end the data directory can be removed and
// stays removed: a job that outlived the node's shutdown once made the
// SQLite file reappear while the test's t.TempDir was removed.
func TestDemoServesInterfaceItems(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo region")
	}
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "data")
	run := func(check func(base, cookie string)) (output string, accountsFile []byte) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out syncBuffer
		ready := make(chan string, 1)
		done := make(chan int, 1)
		runner := make(chan int64, 1)
		go func() {
			runner <- currentGoroutineID()
			done <- app.Run(ctx, app.Env{Args: []string{"demo", "--data-dir", dir, "--listen", "127.0.0.1:0", "--enterprises", "20"},
				Stdout: &out, Stderr: &out, Ready: func(a string) { ready <- a }})
		}()
		runnerID := <-runner
		// A check that fails stops the demo and waits for it, so that the
		// data directory's clean-up never runs beside a live demo.
		exited := false
		defer func() {
			if exited {
				return
			}
			cancel()
			select {
			case <-done:
			case <-time.After(time.Minute):
				t.Error("demo did not shut down within a minute of a failed check")
			}
		}()
		var addr string
		select {
		case addr = <-ready:
		case code := <-done:
			exited = true
			t.Fatalf("demo exited %d: %s", code, out.String())
		case <-time.After(5 * time.Minute):
			t.Fatal("demo did not start within 5 minutes")
		}
		base := "http://" + addr
		resp, err := http.Get(base + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("readyz = %d", resp.StatusCode)
		}
		var accounts []struct{ Username, Password string }
		b, err := os.ReadFile(filepath.Join(dir, "demo_accounts.json"))
		if err != nil || json.Unmarshal(b, &accounts) != nil {
			t.Fatalf("demo accounts: %v", err)
		}
		var pw string
		for _, a := range accounts {
			if a.Username == "admin" {
				pw = a.Password
			}
		}
		resp, err = http.Post(base+"/api/v1/auth/sign-in", "application/json", strings.NewReader(`{"username":"admin","password":"`+pw+`"}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		var cookie string
		for _, c := range resp.Cookies() {
			if c.Name == server.SessionCookie {
				cookie = c.Value
			}
		}
		if resp.StatusCode != 200 || cookie == "" {
			t.Fatalf("admin sign-in: %d", resp.StatusCode)
		}
		check(base, cookie)
		http.DefaultClient.CloseIdleConnections()
		cancel()
		select {
		case code := <-done:
			exited = true
			if code != 0 {
				t.Fatalf("demo exit code %d: %s", code, out.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("demo did not shut down within 30s")
		}
		// A goroutine that is already on its way out (database/sql finishing
		// a connection it began opening just before Close) gets a few
		// seconds; a leaked one is still there after them.
		left := descendantGoroutines(runnerID)
		for deadline := time.Now().Add(10 * time.Second); len(left) > 0 && time.Now().Before(deadline); left = descendantGoroutines(runnerID) {
			time.Sleep(100 * time.Millisecond)
		}
		if len(left) > 0 {
			t.Fatalf("%d goroutine(s) started by the demo still running after it returned:\n\n%s", len(left), strings.Join(left, "\n\n"))
		}
		return out.String(), b
	}
	get := func(url, cookie string, v any) {
		t.Helper()
		req, _ := http.NewRequest("GET", url, nil)
		req.AddCookie(&http.Cookie{Name: server.SessionCookie, Value: cookie})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s = %d", url, resp.StatusCode)
		}
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	type connectors struct {
		Items []struct {
			Name    string `json:"name"`
			Version int64  `json:"version"`
		} `json:"items"`
	}
	out1, acc1 := run(func(base, cookie string) {
		var page struct {
			Items []struct {
				Code string `json:"code"`
			} `json:"items"`
		}
		get(base+"/api/v1/enterprises?limit=3", cookie, &page)
		if len(page.Items) == 0 {
			t.Fatal("no enterprises")
		}
		var data struct {
			Values []struct {
				Item, Via, Source, Batch, Text string
			} `json:"values"`
			Calls []struct {
				Item, Connector, Error string
			} `json:"interface_calls"`
		}
		get(base+"/api/v1/enterprises/"+page.Items[0].Code+"/data?items=registration.legal_representative,registration.key_personnel", cookie, &data)
		var live int
		for _, v := range data.Values {
			if v.Via == "interface" && v.Source == "samr" && v.Batch == "live:demo-samr" && v.Text != "" {
				live++
			}
		}
		if live < 2 || len(data.Calls) != 2 || data.Calls[0].Connector != "demo-samr" || data.Calls[0].Error != "" {
			t.Fatalf("interface items in the demo: %+v", data)
		}
		var cs connectors
		get(base+"/api/v1/connectors", cookie, &cs)
		if len(cs.Items) != 4 {
			t.Fatalf("demo connectors %+v, want 4", cs.Items)
		}
	})
	for _, s := range []string{"admin", "operator_admin", "auditor", "enterprise_admin", "http://localhost:"} {
		if !strings.Contains(out1, s) {
			t.Errorf("demo output lacks %q", s)
		}
	}
	out2, acc2 := run(func(base, cookie string) {
		var cs connectors
		get(base+"/api/v1/connectors", cookie, &cs)
		for _, c := range cs.Items {
			if c.Version != 1 {
				t.Fatalf("a second start made connector %s version %d, want 1", c.Name, c.Version)
			}
		}
	})
	if !bytes.Equal(acc1, acc2) {
		t.Fatal("second start changed the demo accounts")
	}
	if !strings.Contains(out2, "admin") {
		t.Fatal("second start did not print the accounts")
	}
	if code, vout := verify(t, dir); code != 0 || !strings.Contains(vout, "OK:") {
		t.Fatalf("audit verify after demo: %d %s", code, vout)
	}

	// Nothing holds the database any more: removed, the data directory
	// stays removed (a connection opened late would create the file again).
	if err := os.RemoveAll(dir); err != nil {
		t.Fatalf("remove the data directory after the demo: %v", err)
	}
	time.Sleep(300 * time.Millisecond)
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("the data directory reappeared after the demo had returned: %v", err)
	}
}

// currentGoroutineID is the calling goroutine's id, from its stack header.
func currentGoroutineID() int64 {
	buf := make([]byte, 64)
	buf = buf[:runtime.Stack(buf, false)]
	return goroutineID(string(buf))
}

var (
	goroutineHeader  = regexp.MustCompile(`^goroutine (\d+) `)
	goroutineCreator = regexp.MustCompile(`\ncreated by .* in goroutine (\d+)\n`)
	// The first frame of a pool goroutine of database/sql or net/http.
	stdlibPoolGoroutine = regexp.MustCompile(`^goroutine \d+ \[[^\]]*\]:\n(database/sql\.\(\*DB\)\.connection(Opener|Cleaner)|net/http\.\(\*persistConn\)\.(readLoop|writeLoop))\(`)
)

func goroutineID(stack string) int64 {
	m := goroutineHeader.FindStringSubmatch(stack)
	if m == nil {
		return 0
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	return id
}

// descendantGoroutines returns the stacks of the live goroutines that root
// started, directly or through live goroutines it started (the traceback
// names each goroutine's creator). Goroutines of other tests running in
// parallel are not among them, nor are the standard library's pool
// goroutines that a Close only tells to stop (database/sql's opener and
// cleaner, an HTTP client's connection loops): they end on their own, and
// run none of the platform's code.
func descendantGoroutines(root int64) []string {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	stacks := map[int64]string{}
	parent := map[int64]int64{}
	for _, s := range strings.Split(string(buf), "\n\n") {
		id := goroutineID(s)
		stacks[id] = s
		if m := goroutineCreator.FindStringSubmatch(s + "\n"); m != nil {
			parent[id], _ = strconv.ParseInt(m[1], 10, 64)
		}
	}
	var out []string
	for id, s := range stacks {
		if stdlibPoolGoroutine.MatchString(s) {
			continue
		}
		for p, seen := parent[id], 0; p != 0 && seen < len(stacks); p, seen = parent[p], seen+1 {
			if p == root {
				out = append(out, s)
				break
			}
		}
	}
	return out
}
