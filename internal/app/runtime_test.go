package app

import (
	"bytes"
	"context"
	"math"
	"path/filepath"
	"runtime"
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
	if cfg.GCPercent != 100 || cfg.GCHeapFloorMiB != 64 || cfg.MemoryLimitMiB != 0 {
		t.Fatalf("defaults: gc_percent %d, gc_heap_floor_mib %d, memory_limit_mib %d; want 100, 64 and 0", cfg.GCPercent, cfg.GCHeapFloorMiB, cfg.MemoryLimitMiB)
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

	// The heap floor: while it runs, the percentage rises so that the goal
	// is at least the floor (this test's live heap is far below 4 GiB);
	// stopped, it is gc_percent again and its goroutine has ended.
	g := &gcTuner{}
	cfg.GCPercent, cfg.GCHeapFloorMiB, cfg.MemoryLimitMiB = 150, 4096, 0
	runtime.GC() // the live heap is known after a collection
	g.start(cfg, nil)
	if gcNow() <= 150 {
		t.Fatalf("with a 4 GiB heap floor: GC percent %d, want it raised above 150", gcNow())
	}
	g.stop()
	if gcNow() != 150 {
		t.Fatalf("floor stopped: GC percent %d, want 150 again", gcNow())
	}
	g.wg.Wait()
	// GOGC set: no floor.
	g.start(cfg, []string{"GOGC=150"})
	if gcNow() != 150 || g.done != nil {
		t.Fatalf("with GOGC set: GC percent %d, floor running %v; want 150 and none", gcNow(), g.done != nil)
	}
	g.stop()

	// Through a command line: the flag reaches the runtime; a bad value is
	// a usage error naming it, and changes nothing.
	dir := t.TempDir()
	var out, errb bytes.Buffer
	run := func(args ...string) int {
		out.Reset()
		errb.Reset()
		return Run(context.Background(), Env{Args: append([]string{"migrate", "--db", filepath.Join(dir, "cb.db")}, args...), Stdout: &out, Stderr: &errb})
	}
	if code := run("--gc-percent", "320", "--memory-limit-mib", "700", "--gc-heap-floor-mib", "0"); code != 0 {
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

func TestFloorPercent(t *testing.T) {
	t.Parallel()
	const mib = 1 << 20
	for _, c := range []struct {
		base        int
		live, floor int64
		want        int
	}{
		{100, 4 * mib, 64 * mib, 1500},      // goal 4 MiB × 16 = 64 MiB
		{100, 32 * mib, 64 * mib, 100},      // 2 × live reaches the floor already
		{100, 200 * mib, 64 * mib, 100},     // large heap: gc_percent
		{300, 8 * mib, 64 * mib, 700},       // goal 8 × 8 = 64 MiB
		{100, 1024, 64 * mib, maxGCPercent}, // bounded
		{100, 0, 64 * mib, 100},             // nothing measured yet
		{-1, 4 * mib, 64 * mib, -1},         // off stays off
		{100, 4 * mib, 0, 100},              // no floor
	} {
		if got := floorPercent(c.base, c.live, c.floor); got != c.want {
			t.Errorf("floorPercent(%d, %d, %d) = %d, want %d", c.base, c.live, c.floor, got, c.want)
		}
	}
}
