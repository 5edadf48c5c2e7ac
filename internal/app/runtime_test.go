package app

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/creditbridge/creditbridge/internal/config"
)

// gcNow is the garbage collector's target in effect.
func gcNow() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

// TestRuntimeTuning: the configuration's gc_percent and memory_limit_mib
// reach the Go runtime, every command applies them, and GOGC or
// GOMEMLIMIT in the environment win. Not parallel: the settings are the
// process's.
func TestRuntimeTuning(t *testing.T) {
	gc0, limit0 := gcNow(), debug.SetMemoryLimit(-1)
	t.Cleanup(func() {
		debug.SetGCPercent(gc0)
		debug.SetMemoryLimit(limit0)
	})

	cfg := config.Default()
	if cfg.GCPercent != 400 || cfg.MemoryLimitMiB != 0 {
		t.Fatalf("defaults: gc_percent %d, memory_limit_mib %d; want 400 and 0", cfg.GCPercent, cfg.MemoryLimitMiB)
	}
	cfg.GCPercent, cfg.MemoryLimitMiB = 250, 512
	gc, limit := tuneRuntime(cfg, []string{"HOME=/root"})
	if gc != 250 || gcNow() != 250 || limit != 512<<20 || debug.SetMemoryLimit(-1) != 512<<20 {
		t.Fatalf("applied: gc %d (runtime %d), limit %d (runtime %d); want 250 and %d", gc, gcNow(), limit, debug.SetMemoryLimit(-1), 512<<20)
	}

	// The operator's GOGC and GOMEMLIMIT stay.
	debug.SetGCPercent(170)
	debug.SetMemoryLimit(300 << 20)
	cfg.GCPercent, cfg.MemoryLimitMiB = 900, 2048
	gc, limit = tuneRuntime(cfg, []string{"GOGC=170", "GOMEMLIMIT=300MiB"})
	if gc != 170 || gcNow() != 170 || limit != 300<<20 {
		t.Fatalf("with GOGC and GOMEMLIMIT set: gc %d (runtime %d), limit %d; want 170 and %d", gc, gcNow(), limit, 300<<20)
	}
	// An empty GOGC is not a setting.
	gc, _ = tuneRuntime(cfg, []string{"GOGC="})
	if gc != 900 || gcNow() != 900 {
		t.Fatalf("with GOGC empty: gc %d (runtime %d); want 900", gc, gcNow())
	}
	debug.SetMemoryLimit(math.MaxInt64)

	// Through a command line: the flag reaches the runtime; a bad value is
	// a usage error naming it, and changes nothing.
	dir := t.TempDir()
	var out, errb bytes.Buffer
	run := func(args ...string) int {
		out.Reset()
		errb.Reset()
		return Run(context.Background(), Env{Args: append([]string{"migrate", "--db", filepath.Join(dir, "cb.db")}, args...), Stdout: &out, Stderr: &errb})
	}
	if code := run("--gc-percent", "320", "--memory-limit-mib", "700"); code != 0 {
		t.Fatalf("migrate: exit %d: %s", code, errb.String())
	}
	if gcNow() != 320 || debug.SetMemoryLimit(-1) != 700<<20 {
		t.Fatalf("after migrate --gc-percent 320 --memory-limit-mib 700: gc %d, limit %d", gcNow(), debug.SetMemoryLimit(-1))
	}
	if code := run("--gc-percent", "3"); code == 0 || !bytes.Contains(errb.Bytes(), []byte("gc_percent (flag --gc-percent")) {
		t.Fatalf("--gc-percent 3: exit %d, stderr %q; want an error naming gc_percent", code, errb.String())
	}
	if gcNow() != 320 {
		t.Fatalf("a refused --gc-percent changed the runtime: %d", gcNow())
	}
}
