package app

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/creditbridge/creditbridge/internal/bench"
)

// runBenchQuality: creditbridge bench quality --db DSN [--as-of DATE] [--parallel N]
// times one full data-quality run on an already seeded database.
func runBenchQuality(ctx context.Context, e Env, args []string) error {
	var asOf string
	var parallel int
	cfg, err := parse(e, "bench quality", args, func(fs *flag.FlagSet) {
		fs.IntVar(&parallel, "parallel", 4, "aggregates run at once")
		fs.StringVar(&asOf, "as-of", "", "the date expected periods are computed for, YYYY-MM-DD (default: now; 2026-12-16 suits a default synthetic region)")
	})
	if err != nil {
		return err
	}
	at := time.Now().UTC()
	if asOf != "" {
		if at, err = time.Parse(time.DateOnly, asOf); err != nil {
			return fmt.Errorf("%w: --as-of must look like 2026-12-16", errUsage)
		}
	}
	return bench.Quality(ctx, cfg.DSN(), at, parallel, e.Stdout)
}
