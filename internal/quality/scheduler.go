package quality

import (
	"context"
	"log/slog"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Scheduler runs every rule once a day at a fixed time of day, and once
// at start when the latest full run is older than a day (or there is
// none), so a node that was down over the scheduled time catches up.
type Scheduler struct {
	Service *Service
	// At is the time of day of the daily run, as an offset from midnight
	// in Beijing time (UTC+8); default 02:00.
	At time.Duration
	// Now and After are the clock (default time.Now and time.After); tests
	// inject both.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	Log   *slog.Logger
}

var beijing = time.FixedZone("UTC+8", 8*60*60)

// Next is the first scheduled time strictly after t.
func (s *Scheduler) Next(t time.Time) time.Time {
	at := s.At
	if at <= 0 || at >= 24*time.Hour {
		at = 2 * time.Hour
	}
	local := t.In(beijing)
	next := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, beijing).Add(at)
	if !next.After(t) {
		next = time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, beijing).Add(at)
	}
	return next.UTC()
}

// Run blocks until ctx ends, running the daily evaluation; a failed run
// is logged and retried at the next scheduled time.
func (s *Scheduler) Run(ctx context.Context) {
	now, after := s.Now, s.After
	if now == nil {
		now = time.Now
	}
	if after == nil {
		after = time.After
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	run := func() {
		r, err := s.Service.Run(ctx, access.System, RunOptions{Trigger: TriggerDaily})
		switch {
		case err != nil && fault.Is(err, fault.Canceled):
		case err != nil && ctx.Err() == nil:
			log.Error("daily data-quality run failed", "error", err)
		case err == nil:
			log.Info("daily data-quality run", "run", r.ID, "rules", r.Rules, "failing", r.Failing)
		}
	}
	if s.due(ctx, now()) {
		run()
	}
	for {
		wait := s.Next(now()).Sub(now())
		select {
		case <-ctx.Done():
			return
		case <-after(wait):
			run()
		}
	}
}

// due reports whether the latest full run is more than a day old.
func (s *Scheduler) due(ctx context.Context, now time.Time) bool {
	runs, err := s.Service.Repo.LatestQualityRuns(ctx)
	if err != nil {
		return true
	}
	for _, r := range runs {
		if r.Scope == "" {
			return now.Sub(r.FinishedAt) > 24*time.Hour
		}
	}
	return true
}
