package bench

import (
	"bytes"
	"database/sql"
	"encoding/json"
	mrand "math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/verify"
)

// TestVerifySeedsAnEmptyDatabaseAndAnswers runs the verification
// benchmark briefly on a fresh SQLite file: it must seed the region, get
// answers through the service and baseline lookups, and print one JSON
// object; a second run reuses the data.
func TestVerifySeedsAnEmptyDatabaseAndAnswers(t *testing.T) {
	path := filepath.Join(t.TempDir(), "verify.db")
	run := func(rate float64, warmup time.Duration) VerifyResult {
		t.Helper()
		var out bytes.Buffer
		o := VerifyOptions{Concurrency: 2, Duration: 300 * time.Millisecond, Enterprises: 30, Months: 15, Rate: rate, Warmup: warmup}
		if err := Verify(t.Context(), path, o, &out); err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(strings.TrimSpace(out.String()), "\n"); lines != 0 {
			t.Fatalf("output has %d lines, want one JSON object:\n%s", lines+1, out.String())
		}
		var res VerifyResult
		dec := json.NewDecoder(&out)
		dec.DisallowUnknownFields()
		if err := dec.Decode(&res); err != nil {
			t.Fatalf("output is not a VerifyResult: %v", err)
		}
		return res
	}
	res := run(0, 0)
	if res.Mode != "closed" || res.OfferedPerSec != 0 || res.Arrivals != 0 || res.WarmupSeconds != 0 {
		t.Fatalf("first run is not a closed loop: %+v", res)
	}
	if !res.Seeded || res.Backend != "sqlite" || res.Enterprises != 30 || res.Answers == 0 || res.BaselineLookups == 0 ||
		res.P50Ms <= 0 || res.P99Ms < res.P50Ms || res.BaselineP99Ms < res.BaselineP50Ms || res.Institutions != benchInstitutions {
		t.Fatalf("first run: %+v", res)
	}
	// The durable baseline ran, and its table is gone.
	if res.DurableOps == 0 || res.DurableP50Ms <= 0 || res.DurableP99Ms < res.DurableP50Ms || res.RatioP99Durable != res.P99Ms/res.DurableP99Ms {
		t.Fatalf("first run's durable baseline: %+v", res)
	}
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tables int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sqlite_master WHERE name = ?`, durableTable).Scan(&tables); err != nil || tables != 0 {
		t.Fatalf("the durable baseline's table left behind: %d (%v)", tables, err)
	}
	if ph := res.Phases; ph == nil || ph.BatchMean < 1 || ph.P50["tx"] <= 0 || ph.P50["read"] <= 0 || len(ph.SlowestMean) != len(phaseNames) {
		t.Fatalf("first run's phases: %+v", res.Phases)
	}
	// The second, an open loop after a warm-up: every arrival answered,
	// refused or counted unserved; the warm-up's answers are not counted.
	if res = run(50, 100*time.Millisecond); res.Seeded || res.Enterprises != 30 || res.Answers == 0 {
		t.Fatalf("second run: %+v", res)
	}
	if res.Mode != "open" || res.OfferedPerSec != 50 || res.WarmupSeconds != 0.1 || res.Arrivals == 0 ||
		int64(res.Arrivals) != res.Answers+res.Refused+int64(res.Unserved) {
		t.Fatalf("second run's open loop: %+v", res)
	}
}

// TestPhaseStatsDescribeTheSlowest: the slowest 1 % is chosen by total
// time, and its means are of those answers only.
func TestPhaseStatsDescribeTheSlowest(t *testing.T) {
	ms := time.Millisecond
	var ts []verify.Timing
	for range 198 {
		ts = append(ts, verify.Timing{Read: ms, Wait: 0, Tx: ms, Wake: 0, Sign: 0, Batch: 1})
	}
	// Two slow answers: one slow in its read, one waiting for a commit.
	ts = append(ts, verify.Timing{Read: 9 * ms, Tx: ms, Batch: 3}, verify.Timing{Read: ms, Wait: 6 * ms, Tx: 2 * ms, Batch: 3})
	ps := phaseStats(ts)
	want := map[string]float64{"read": 5, "wait": 3, "tx": 1.5, "wake": 0, "sign": 0}
	for k, v := range want {
		if ps.SlowestMean[k] != v {
			t.Errorf("slowest mean %s = %v, want %v (all: %v)", k, ps.SlowestMean[k], v, ps.SlowestMean)
		}
	}
	if ps.P50["read"] != 1 || ps.P99["read"] != 1 || ps.P99["wait"] != 0 {
		t.Errorf("p50 %v p99 %v", ps.P50, ps.P99)
	}
	if ps.BatchMean != (198+6)/200.0 {
		t.Errorf("requests per commit %v, want %v", ps.BatchMean, (198+6)/200.0)
	}
	if phaseStats(nil) != nil {
		t.Error("no timings gave stats")
	}
}

// TestOpenPhaseCountsFromArrival: in an open loop the schedule does not
// wait for the answers. Fast ops serve every arrival; ops slower than the
// arrivals leave later arrivals waiting, and that wait is in their
// latency, and those not served by the phase's hard end are counted.
func TestOpenPhaseCountsFromArrival(t *testing.T) {
	fast, err := phase(t.Context(), VerifyOptions{Concurrency: 2, Duration: 300 * time.Millisecond, Rate: 2000},
		func(*mrand.Rand) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	// 600 expected; the schedule is seeded, so this is exact whatever
	// the machine's speed.
	if fast.offered < 450 || fast.offered > 750 || fast.unserved != 0 || len(fast.lat) != fast.offered || len(fast.queued) != fast.offered {
		t.Fatalf("fast ops: offered %d, unserved %d, %d latencies, %d waits", fast.offered, fast.unserved, len(fast.lat), len(fast.queued))
	}

	// One asker, 5 ms an op, 1,000 arrivals a second: at most 200 a
	// second are served, so the queue grows through the phase.
	const opTime = 5 * time.Millisecond
	slow, err := phase(t.Context(), VerifyOptions{Concurrency: 1, Duration: 200 * time.Millisecond, Rate: 1000},
		func(*mrand.Rand) error { time.Sleep(opTime); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if slow.unserved == 0 || len(slow.lat)+slow.unserved != slow.offered {
		t.Fatalf("slow ops: offered %d, served %d, unserved %d", slow.offered, len(slow.lat), slow.unserved)
	}
	// The last answer cannot end before n ops' time after the phase
	// began, and arrived at most 200 ms after it; closed-loop timing
	// would give every one about 5 ms.
	n := len(slow.lat)
	if n < 20 {
		t.Fatalf("only %d ops served in 400 ms of 5 ms ops", n)
	}
	if longest := slices.Max(slow.lat); longest < time.Duration(n)*opTime-200*time.Millisecond {
		t.Fatalf("longest latency %v over %d queued 5 ms ops: the wait for the asker is not in the latency", longest, n)
	}
	if q := pct(slow.queued, 0.99); q < pct(slow.lat, 0.99)-50 {
		t.Fatalf("queue p99 %.1f ms, latency p99 %.1f ms: the wait is not where it should be", q, pct(slow.lat, 0.99))
	}
}
