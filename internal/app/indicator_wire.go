package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/store"
)

// openIndicators builds the indicator-system service, checking systems
// against the default feature set's names, and stores the embedded default
// system as the first, active version on the first start.
func (n *Node) openIndicators(ctx context.Context, st store.Store, log *slog.Logger) error {
	set, err := features.DefaultSet()
	if err != nil {
		return fmt.Errorf("load the feature set: %w", err)
	}
	known := make(map[string]bool, len(set.Defs))
	for _, d := range set.Defs {
		known[d.Name] = true
	}
	n.Indicators = &indicator.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(indicator.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Known: known,
	}
	loaded, err := n.Indicators.LoadDefault(ctx)
	if err != nil {
		return fmt.Errorf("load the default indicator system: %w", err)
	}
	if loaded {
		log.Info("default indicator system loaded", "version", "gbt23794-style")
	}
	return nil
}
