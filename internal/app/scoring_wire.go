package app

import (
	"context"
	"runtime"
	"time"

	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/store"
)

// openScoring builds the scoring service over st: the embedded feature
// set, the active indicator system (the embedded default until an
// operator activates one), the champion of modelreg.DefaultName, the
// catalogue's policies and the authorizations for the decision point. It
// also puts the stored scores behind the catalogue item
// financing.credit_evaluation in the sharing service.
func (n *Node) openScoring(st store.Store) error {
	set, err := features.DefaultSet()
	if err != nil {
		return err
	}
	known := make(map[string]bool, len(set.Defs))
	for _, d := range set.Defs {
		known[d.Name] = true
	}
	n.Scoring = &scoring.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(scoring.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Set:    set,
		System: func(ctx context.Context) (*indicator.System, error) { return indicator.Active(ctx, st, known) },
		Champion: func(ctx context.Context) (modelreg.Version, error) {
			return st.ChampionModel(ctx, modelreg.DefaultName)
		},
		Policies: n.Sharing.Policies,
		Grants:   n.Sharing.Grants,
		// Twice the CPUs: a worker waits on its chunk's query about as long
		// as it computes (medium region on PostgreSQL, 2 cores: 71.7 s with
		// 2 workers, 63.7 s with 4).
		Workers: 2 * max(1, runtime.NumCPU()),
		Log:     n.Log,
	}
	n.Sharing.Live = scoring.Live{Scores: st, Next: n.Live}
	return nil
}

// runScoring drains the recompute queue (new batches, approved repairs)
// until ctx ends: an enterprise with new data is rescored within seconds.
func (n *Node) runScoring(ctx context.Context) {
	n.Scoring.Watch(ctx, 2*time.Second, func(err error) { n.Log.Error("incremental rescoring failed", "error", err) })
}
