package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/bench"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/store/backend"
)

// runScoreRun scores every enterprise of --db in one batch run (as of
// --as-of, default now) and prints the run as JSON; progress goes to a
// terminal on stderr.
func runScoreRun(ctx context.Context, e Env, args []string) error {
	var asOf string
	var workers int
	cfg, err := parse(e, "score run", args, func(fs *flag.FlagSet) {
		fs.StringVar(&asOf, "as-of", "", "as-of instant (RFC 3339) or date (YYYY-MM-DD: its end); default now")
		fs.IntVar(&workers, "workers", 0, "parallel scorers (default: twice the number of CPUs)")
	})
	if err != nil {
		return err
	}
	var o scoring.RunOptions
	if asOf != "" {
		t, err := time.Parse(time.RFC3339, asOf)
		if err != nil {
			d, derr := time.Parse(time.DateOnly, asOf)
			if derr != nil {
				return fmt.Errorf("%w: --as-of must be RFC 3339 or YYYY-MM-DD", errUsage)
			}
			t = d.AddDate(0, 0, 1).Add(-time.Microsecond)
		}
		o.AsOf = t
	}
	if workers < 0 {
		return fmt.Errorf("%w: --workers must not be negative", errUsage)
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	if workers > 0 {
		n.Scoring.Workers = workers
	}
	if p := terminal(e.Stderr); p != nil {
		o.Progress = func(r scoring.Run) {
			fmt.Fprintf(p, "\rscored %d of %d, failed %d", r.Scored, r.Enterprises, r.Failed)
		}
	}
	start := time.Now()
	run, err := n.Scoring.Run(ctx, access.System, o)
	if o.Progress != nil {
		fmt.Fprintln(e.Stderr)
	}
	if err != nil {
		return err
	}
	secs := time.Since(start).Seconds()
	if run.Errors == nil {
		run.Errors = []scoring.RunError{}
	}
	enc := json.NewEncoder(e.Stdout)
	enc.SetEscapeHTML(false)
	return enc.Encode(map[string]any{"run": run.ID, "status": run.Status, "as_of": run.AsOf, "enterprises": run.Enterprises,
		"scored": run.Scored, "failed": run.Failed, "errors": run.Errors, "model": run.Model, "indicator_system": run.IndicatorVer,
		"feature_set": run.FeatureSet, "workers": run.Workers, "seconds": secs, "scored_per_sec": float64(run.Scored) / secs})
}

// runBenchScore seeds an empty --db with --enterprises synthetic
// enterprises, scores them all and prints the benchmark's JSON (see
// bench.ScoreResult). The node's rate limits and automatic suspension are
// off: the explanation phase is one institution reading as fast as it can.
func runBenchScore(ctx context.Context, e Env, args []string) error {
	var o bench.ScoreOptions
	cfg, err := parse(e, "bench score", args, func(fs *flag.FlagSet) {
		fs.IntVar(&o.Enterprises, "enterprises", 20000, "synthetic enterprises to seed into the empty database")
		fs.IntVar(&o.Months, "months", 36, "months of data to seed")
		fs.IntVar(&o.Workers, "workers", 0, "parallel scorers and baseline readers (default: the number of CPUs)")
		fs.IntVar(&o.Explanations, "explanations", 2000, "explanation reads to time")
	})
	if err != nil {
		return err
	}
	if o.Enterprises <= 0 || o.Months <= 0 || o.Workers < 0 || o.Explanations < 0 {
		return fmt.Errorf("%w: --enterprises and --months must be positive", errUsage)
	}
	if o.Progress = terminal(e.Stderr); o.Progress == nil {
		o.Progress = io.Discard
	}
	if _, err := backend.Migrate(ctx, cfg.DSN()); err != nil {
		return err
	}
	cfg.RateKeyPerMinute, cfg.RateUserPerMinute, cfg.RateOrgPerMinute, cfg.RateAnonPerMinute = 0, 0, 0, 0
	cfg.MonitorAutoSuspend = false
	cfg.LogLevel = "error"
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	h, err := n.Handler()
	if err != nil {
		return err
	}
	return bench.Score(ctx, bench.ScoreTarget{Store: n.Store, Handler: h, Enterprises: n.Enterprises, Accounts: n.Accounts,
		Authz: n.Authz, Scoring: n.Scoring}, o, e.Stdout)
}
