package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"runtime"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
)

// QualityResult is the JSON object `bench quality` prints.
type QualityResult struct {
	Backend     string `json:"backend"`
	Enterprises int64  `json:"operating_enterprises"`
	Facts       int64  `json:"facts"`
	AsOf        string `json:"as_of"`
	Parallel    int    `json:"parallel"`
	Rules       int    `json:"rules"`
	Failing     int    `json:"failing"`
	// RunSeconds is one full run of the rule set: every aggregate, the
	// run and its evidence entry stored.
	RunSeconds float64 `json:"run_seconds"`
	// BaselineSeconds is one COUNT(*) over every fact, measured in the
	// same process: what a single scan of the facts table costs here.
	BaselineSeconds float64 `json:"baseline_count_seconds"`
	RatioToBaseline float64 `json:"ratio_run_to_baseline"`
	GoVersion       string  `json:"go_version"`
	CPUs            int     `json:"cpus"`
	StartedAt       string  `json:"started_at"`
}

// Quality runs every data-quality rule once against the region already
// stored in the database dsn names (seed it first with `creditbridge
// seed`), with expected periods computed for asOf and parallel
// aggregates at a time, and writes one JSON QualityResult to w. The run is recorded like any other (a quality.run
// evidence entry; the default rules are stored if there are none).
func Quality(ctx context.Context, dsn string, asOf time.Time, parallel int, w io.Writer) (err error) {
	st, err := backend.Open(ctx, dsn, backend.Options{})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	inTx := func(ctx context.Context, fn func(store.Store) error) error { return st.InTx(ctx, fn) }
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return inTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := items.LoadDefaults(ctx); err != nil {
		return err
	}
	if parallel <= 0 {
		parallel = 4
	}
	q := &quality.Service{Repo: st, Parallel: parallel, Now: func() time.Time { return asOf }, InTx: func(ctx context.Context, fn func(quality.Repo) error) error {
		return inTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	res := QualityResult{Backend: st.Backend(), Parallel: parallel, AsOf: asOf.UTC().Format(time.RFC3339), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		StartedAt: time.Now().UTC().Format(time.RFC3339)}
	if res.Enterprises, err = st.CountOperating(ctx); err != nil {
		return err
	}
	start := time.Now()
	if res.Facts, err = st.CountFacts(ctx); err != nil {
		return err
	}
	res.BaselineSeconds = time.Since(start).Seconds()
	if _, err := q.LoadDefaults(ctx); err != nil { // outside the timing
		return err
	}
	start = time.Now()
	run, err := q.Run(ctx, access.System, quality.RunOptions{Trigger: quality.TriggerManual})
	if err != nil {
		return fmt.Errorf("quality run: %w", err)
	}
	res.RunSeconds = time.Since(start).Seconds()
	res.Rules, res.Failing = run.Rules, run.Failing
	if res.BaselineSeconds > 0 {
		res.RatioToBaseline = res.RunSeconds / res.BaselineSeconds
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(res)
}
