package app_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
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
