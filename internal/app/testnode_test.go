package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/config"
)

// newNode opens a real node on a fresh SQLite data directory.
func newNode(t *testing.T) (*app.Node, http.Handler) {
	t.Helper()
	cfg := config.Default()
	cfg.DataDir = filepath.Join(t.TempDir(), "data")
	cfg.Listen = "127.0.0.1:0"
	n, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatalf("open node: %v", err)
	}
	t.Cleanup(func() { n.Close() })
	h, err := n.Handler()
	if err != nil {
		t.Fatalf("handler: %v", err)
	}
	return n, h
}

// serve starts h on a loopback test server.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// buildCLI builds the `creditbridge` command as CI ships it (no cgo, no
// race detector) into a test directory and returns its path. Tests that
// kill a node process run this binary: under -race the test binary itself
// ingests an order of magnitude slower, which only made the crash tests
// long, not stronger. The packages are in the build cache (CI builds
// ./... without cgo first), so this links once. CI builds the binary
// itself and names it in CREDITBRIDGE_TEST_BINARY, which this then uses
// as it is (set it only to a binary built from the same tree).
func buildCLI(t *testing.T) string {
	t.Helper()
	if bin := os.Getenv("CREDITBRIDGE_TEST_BINARY"); bin != "" {
		return bin
	}
	return buildProgram(t, "github.com/creditbridge/creditbridge/cmd/creditbridge")
}

// buildProgram builds the main package pkg without cgo and without the
// race detector into a test directory and returns the binary's path.
func buildProgram(t *testing.T, pkg string) string {
	t.Helper()
	gobin, err := exec.LookPath("go")
	if err != nil {
		gobin = filepath.Join(runtime.GOROOT(), "bin", "go")
	}
	bin := filepath.Join(t.TempDir(), filepath.Base(pkg))
	cmd := exec.Command(gobin, "build", "-o", bin, pkg)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build %s: %v\n%s", pkg, err, out)
	}
	return bin
}
