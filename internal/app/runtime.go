package app

import (
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/config"
)

// The garbage collector starts a collection when the heap has grown by
// GOGC percent over what the last one left live. A node answering
// requests keeps a live heap of a few MiB and allocates tens of MiB a
// second, so at Go's own 100 it collects some 25 times a second, each
// collection marking for milliseconds with part of a core and slowing
// the requests running meanwhile. A higher GOGC for every process would
// also multiply the memory of those whose live heap is large (an ingest
// holds 100 MiB and more). So the heap goal gets a floor instead: while
// the live heap is small the percentage rises so that the goal is at
// least gc_heap_floor_mib; once the live heap is large it is gc_percent
// again. Go has no such setting itself; gcTuner sets the percentage from
// the live heap the runtime reports after each collection.

// gcTuner applies the configuration's collector settings for the run of
// one command line and keeps the heap floor until stopped.
type gcTuner struct {
	mu   sync.Mutex
	done chan struct{}
	base int // the percentage to return to when stopped
	wg   sync.WaitGroup
}

// gcTunerEvery is how often the tuner reads the live heap.
const gcTunerEvery = 250 * time.Millisecond

// maxGCPercent bounds the percentage the floor may set.
const maxGCPercent = 10_000

// envSet reports whether environ sets name to a non-empty value.
func envSet(environ []string, name string) bool {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name && v != "" {
			return true
		}
	}
	return false
}

// tuneRuntime gives the Go runtime cfg's collector settings (gc_percent,
// memory_limit_mib), except one that environ sets itself (GOGC,
// GOMEMLIMIT): the runtime read those at start, and the operator's
// explicit choice wins. It returns the GC percent then in effect (-1:
// off) and the memory limit in bytes (math.MaxInt64: none).
func tuneRuntime(cfg config.Config, environ []string) (gcPercent int, memoryLimit int64) {
	if envSet(environ, "GOGC") {
		gcPercent = debug.SetGCPercent(100)
		debug.SetGCPercent(gcPercent)
	} else {
		gcPercent = int(cfg.GCPercent)
		debug.SetGCPercent(gcPercent)
	}
	if !envSet(environ, "GOMEMLIMIT") && cfg.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimitMiB << 20)
	}
	return gcPercent, debug.SetMemoryLimit(-1)
}

// floorPercent is the GC percent that makes the heap goal at least floor
// bytes for a live heap of live bytes, and never below base.
func floorPercent(base int, live, floor int64) int {
	if live <= 0 || floor <= 0 || base < 0 {
		return base
	}
	p := int(min(floor*100/live-100, maxGCPercent))
	return max(base, p)
}

// start applies cfg and, unless GOGC is set or the floor is off, keeps
// the heap floor until stop. A later start (a command parses its
// configuration once) replaces the earlier floor.
func (t *gcTuner) start(cfg config.Config, environ []string) {
	t.stop()
	base, _ := tuneRuntime(cfg, environ)
	if envSet(environ, "GOGC") || cfg.GCHeapFloorMiB <= 0 || base < 0 {
		return
	}
	floor := cfg.GCHeapFloorMiB << 20
	t.mu.Lock()
	defer t.mu.Unlock()
	done := make(chan struct{})
	t.done, t.base = done, base
	sample := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	set := base
	adjust := func() {
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return
		}
		if p := floorPercent(base, int64(sample[0].Value.Uint64()), floor); p != set {
			debug.SetGCPercent(p)
			set = p
		}
	}
	adjust()
	t.wg.Add(1)
	go func() {
		defer t.wg.Done()
		tick := time.NewTicker(gcTunerEvery)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				adjust()
			}
		}
	}()
}

// stop ends the floor, waits for the tuner's goroutine and sets the
// percentage back to gc_percent.
func (t *gcTuner) stop() {
	if t == nil {
		return
	}
	t.mu.Lock()
	running := t.done != nil
	if running {
		close(t.done)
		t.done = nil
	}
	t.mu.Unlock()
	t.wg.Wait()
	if running {
		debug.SetGCPercent(t.base)
	}
}
