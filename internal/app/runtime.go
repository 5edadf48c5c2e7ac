package app

import (
	"runtime/debug"
	"strings"

	"github.com/creditbridge/creditbridge/internal/config"
)

// tuneRuntime gives the Go runtime cfg's garbage-collector settings
// (gc_percent, memory_limit_mib), except one that environ sets itself
// (GOGC, GOMEMLIMIT): the runtime read those at start, and the operator's
// explicit choice wins. It returns the GC percent then in effect (-1:
// off) and the memory limit in bytes (math.MaxInt64: none), which the
// benchmarks print beside their numbers.
func tuneRuntime(cfg config.Config, environ []string) (gcPercent int, memoryLimit int64) {
	set := func(name string) bool {
		for _, kv := range environ {
			if k, v, ok := strings.Cut(kv, "="); ok && k == name && v != "" {
				return true
			}
		}
		return false
	}
	if set("GOGC") {
		gcPercent = debug.SetGCPercent(100)
		debug.SetGCPercent(gcPercent)
	} else {
		gcPercent = int(cfg.GCPercent)
		debug.SetGCPercent(gcPercent)
	}
	if !set("GOMEMLIMIT") && cfg.MemoryLimitMiB > 0 {
		debug.SetMemoryLimit(cfg.MemoryLimitMiB << 20)
	}
	return gcPercent, debug.SetMemoryLimit(-1)
}
