package app

import (
	"context"
	"log/slog"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/modeltrain"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
)

// newModelRegistry builds the model registry service over st.
func newModelRegistry(st store.Store) *modelreg.Service {
	return &modelreg.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(modelreg.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
	}
}

// newTrainer builds the training pipeline on st's outcomes: features of
// the default set, read through the decision point with the catalogue's
// item policies (sh.Policies).
func newTrainer(st store.Store, reg *modelreg.Service, sh *sharing.Service) (modeltrain.Trainer, error) {
	set, err := features.DefaultSet()
	if err != nil {
		return modeltrain.Trainer{}, err
	}
	g := access.Guard{Log: st, Policies: sh.Policies}
	return modeltrain.Trainer{
		Builder: modeltrain.Builder{
			Set:   set,
			Data:  st,
			Guard: g,
		},
		Registry: reg,
	}, nil
}

// openModels wires the registry and the background training job.
func (n *Node) openModels(log *slog.Logger) error {
	n.Models = newModelRegistry(n.Store)
	tr, err := newTrainer(n.Store, n.Models, n.Sharing)
	if err != nil {
		return err
	}
	n.Training = &modeltrain.Job{Trainer: tr, OnError: func(err error) { log.Error("model training failed", "error", err) }}
	return nil
}

// trainDemoModel trains the demo's scorecard on the synthetic region's
// loan outcomes and promotes it, so that the demo starts with a champion.
// The default region is small (2000 enterprises, 75 defaults): the
// report carries the warnings that say so. A region too small to train on
// starts without a champion (logged).
func trainDemoModel(ctx context.Context, n *Node, log *slog.Logger) error {
	res, err := n.Training.Trainer.Run(ctx, access.System, modeltrain.RunOptions{Promote: true, Reason: "demo", Synthetic: true})
	if err != nil {
		if ctx.Err() != nil {
			return err
		}
		// A region too small to learn from (demo --enterprises 20: no
		// defaults, or too short a loan history) still makes a demo: it
		// scores with the indicator system alone until a model is promoted.
		log.Warn("the demo starts without a champion model: training on its region failed", "error", err)
		return nil
	}
	log.Info("demo champion model trained", "model", res.Model, "rows", res.Rows, "bad", res.Bad, "holdout_auc", res.AUC,
		"holdout_auc_low", res.AUCLow, "holdout_auc_high", res.AUCHigh, "seconds", res.Seconds)
	return nil
}
