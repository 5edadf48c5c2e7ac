package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
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

// TestBenchVerifyRefusesBadLoopFlags: a rate that is negative, not a
// number or beyond any schedule, and a negative warm-up, are usage errors
// named in the message, before any database is opened.
func TestBenchVerifyRefusesBadLoopFlags(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"--rate", "-1"}, {"--rate", "NaN"}, {"--rate", "Inf"}, {"--rate", "2e6"}, {"--warmup", "-1s"}} {
		dir := t.TempDir()
		var out, errb bytes.Buffer
		code := app.Run(context.Background(), app.Env{Args: append([]string{"bench", "verify", "--data-dir", dir}, args...), Stdout: &out, Stderr: &errb})
		if code != 2 || !strings.Contains(errb.String(), args[0]) {
			t.Errorf("%v: exit %d, stderr %q", args, code, errb.String())
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 0 {
			t.Errorf("%v: left %d files in the data directory", args, len(entries))
		}
	}
}
