package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/server"
)

// TestDemoServesInterfaceItems starts `creditbridge demo` twice: demo users
// read items shared only by interface call, served by the demo's
// department simulator through the demo connectors, and a second start
// reuses the connectors without new versions.
func TestDemoServesInterfaceItems(t *testing.T) {
	if testing.Short() {
		t.Skip("seeds a demo region")
	}
	t.Parallel()
	// Not t.TempDir: its clean-up fails the test when a file reappears
	// while it removes the directory, which CI saw once (the SQLite file
	// after the demo had returned; the cause is not yet found). Retry and
	// say so in the log, so that it stays visible without failing here.
	root, err := os.MkdirTemp("", "demo-interface-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for i := 0; ; i++ {
			err := os.RemoveAll(root)
			if err == nil {
				return
			}
			if i == 10 {
				t.Errorf("remove %s: %v", root, err)
				return
			}
			t.Logf("remove %s (attempt %d): %v", root, i+1, err)
			time.Sleep(200 * time.Millisecond)
		}
	})
	dir := filepath.Join(root, "data")
	run := func(check func(base, cookie string)) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var out syncBuffer
		ready := make(chan string, 1)
		done := make(chan int, 1)
		go func() {
			done <- app.Run(ctx, app.Env{Args: []string{"demo", "--data-dir", dir, "--listen", "127.0.0.1:0", "--enterprises", "60"},
				Stdout: &out, Stderr: &out, Ready: func(a string) { ready <- a }})
		}()
		var addr string
		select {
		case addr = <-ready:
		case code := <-done:
			t.Fatalf("demo exited %d: %s", code, out.String())
		case <-time.After(2 * time.Minute):
			t.Fatal("demo did not start within 2 minutes")
		}
		base := "http://" + addr
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
		resp, err := http.Post(base+"/api/v1/auth/sign-in", "application/json", strings.NewReader(`{"username":"admin","password":"`+pw+`"}`))
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
		cancel()
		select {
		case code := <-done:
			if code != 0 {
				t.Fatalf("demo exit code %d: %s", code, out.String())
			}
		case <-time.After(30 * time.Second):
			t.Fatal("demo did not shut down within 30s")
		}
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
	run(func(base, cookie string) {
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
	run(func(base, cookie string) {
		var cs connectors
		get(base+"/api/v1/connectors", cookie, &cs)
		for _, c := range cs.Items {
			if c.Version != 1 {
				t.Fatalf("a second start made connector %s version %d, want 1", c.Name, c.Version)
			}
		}
	})
}
