package app

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/store"
)

// openMonitor builds security monitoring: the suspension service, the rate
// limiter and the misuse detector, with their metrics on the node's
// registry.
func (n *Node) openMonitor(cfg config.Config, st store.Store, log *slog.Logger) error {
	n.Monitor = &monitor.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(monitor.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Log:     log,
		Metrics: monitor.NewMetrics(n.Metrics.Registry),
	}
	pol := monitor.DefaultPolicy()
	start, end, ok := monitor.ParseBusinessHours(cfg.MonitorBusinessHours)
	if !ok {
		return fmt.Errorf("config: monitor_business_hours %q is not HH:MM-HH:MM", cfg.MonitorBusinessHours)
	}
	pol.BusinessStart, pol.BusinessEnd, pol.AutoSuspend = start, end, cfg.MonitorAutoSuspend
	dir := monitor.Directory{
		OrgKind: func(ctx context.Context, id int64) (account.OrgKind, error) {
			o, err := st.OrgByID(ctx, id)
			return o.Kind, err
		},
		APIKeyID: func(ctx context.Context, prefix string) (int64, error) {
			k, err := st.APIKeyByPrefix(ctx, prefix)
			return k.ID, err
		},
		CreditCode: func(ctx context.Context, id int64) (string, error) {
			r, err := st.EnterpriseByID(ctx, id)
			return r.Code, err
		},
	}
	// An authorization in any state, even one still pending, is an
	// application behind the institution's reads of that enterprise.
	if ab, ok := st.(interface {
		AuthorizationsBetween(ctx context.Context, institutionID, enterpriseID int64) ([]authz.Authorization, error)
	}); ok {
		dir.Applications = func(ctx context.Context, org, ent int64) (bool, error) {
			as, err := ab.AuthorizationsBetween(ctx, org, ent)
			return len(as) > 0, err
		}
	}
	n.Detector = &monitor.Detector{Service: n.Monitor, Dir: dir, Policy: pol, Log: log}
	burst := func(perMin int64) int { return int(max(perMin*cfg.RateBurstSeconds/60, 1)) }
	lim := func(perMin int64) monitor.Limit { return monitor.Limit{PerMinute: int(perMin), Burst: burst(perMin)} }
	n.Gate = &monitor.Gate{Service: n.Monitor, Detector: n.Detector, Limiter: &monitor.Limiter{Limits: monitor.Limits{
		APIKey: lim(cfg.RateKeyPerMinute), User: lim(cfg.RateUserPerMinute), Org: lim(cfg.RateOrgPerMinute), Anonymous: lim(cfg.RateAnonPerMinute)}}}
	return nil
}
