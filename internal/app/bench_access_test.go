package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/bench"
)

// TestBenchAccessRuns runs `bench access` briefly on a small region: it
// must seed, grant, read through the data API and print one JSON result
// with all three phases measured (no speed is asserted).
func TestBenchAccessRuns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var out, errb bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: []string{"bench", "access", "--data-dir", filepath.Join(dir, "data"),
		"--concurrency", "2", "--duration", "300ms", "--enterprises", "40", "--months", "6", "--subjects", "10"}, Stdout: &out, Stderr: &errb})
	if code != 0 {
		t.Fatalf("exit %d: %s %s", code, out.String(), errb.String())
	}
	var res bench.AccessResult
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, out.String())
	}
	if !res.Seeded || res.Enterprises != 40 || res.Subjects != 10 || res.GrantsPerReq != 3 || res.Decisions == 0 || res.DecisionDenied == 0 ||
		res.Reads == 0 || res.BaselineReads == 0 || res.BodyBytes == 0 {
		t.Fatalf("result %+v", res)
	}
}
