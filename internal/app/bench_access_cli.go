package app

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/creditbridge/creditbridge/internal/bench"
	"github.com/creditbridge/creditbridge/internal/store/backend"
)

// runBenchAccess benchmarks the access decision point and a full
// data-API read on a node over --db (migrated and seeded with a synthetic
// region of --enterprises when empty). The node's rate limits and the
// misuse detector's automatic suspension are off for the run (the
// detector itself runs, as under Serve): the benchmark is one institution
// reading as fast as it can, which they exist to stop; the limits' own
// cost (the bookkeeping per request) is still measured. --cpuprofile
// writes a CPU profile of the full-read phase.
func runBenchAccess(ctx context.Context, e Env, args []string) (err error) {
	var o bench.AccessOptions
	var cpuProfile string
	cfg, err := parse(e, "bench access", args, func(fs *flag.FlagSet) {
		fs.IntVar(&o.Concurrency, "concurrency", 8, "concurrent readers")
		fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long each phase (decisions, reads, baseline) runs")
		fs.IntVar(&o.Enterprises, "enterprises", 100000, "enterprises to seed when the database is empty (the medium region)")
		fs.IntVar(&o.Months, "months", 36, "months of data to seed")
		fs.IntVar(&o.Subjects, "subjects", 200, "enterprises the benchmark institution holds authorizations from")
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the full-read phase to this file (go tool pprof)")
	})
	if err != nil {
		return err
	}
	if o.Concurrency <= 0 || o.Duration <= 0 || o.Enterprises <= 0 || o.Months <= 0 || o.Subjects <= 0 {
		return fmt.Errorf("%w: --concurrency, --duration, --enterprises, --months and --subjects must be positive", errUsage)
	}
	if o.Progress = terminal(e.Stderr); o.Progress == nil {
		o.Progress = io.Discard
	}
	if cpuProfile != "" {
		f, cerr := os.Create(cpuProfile)
		if cerr != nil {
			return cerr
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		o.CPUProfile = f
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
	// The misuse detector runs as it does under Serve: it reads the
	// evidence the reads leave, beside them.
	dctx, stopDetector := context.WithCancel(ctx)
	detectorDone := make(chan struct{})
	go func() {
		defer close(detectorDone)
		n.Detector.Run(dctx, cfg.MonitorInterval)
	}()
	defer func() {
		stopDetector()
		<-detectorDone
	}()
	o.DetectorRunning = true
	h, err := n.Handler()
	if err != nil {
		return err
	}
	return bench.Access(ctx, bench.AccessTarget{Store: n.Store, Handler: h, Enterprises: n.Enterprises, Accounts: n.Accounts,
		Authz: n.Authz, Policies: n.Sharing.Policies}, o, e.Stdout)
}
