package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/store"
)

// openAuthz builds the authorization service (signing with the node key,
// webhooks to institutions) and gives every reader of enterprise data its
// grants, so the decision point sees an authorization's state on every
// read: a revocation holds from the next read on.
func (n *Node) openAuthz(cfg config.Config, ks keys.Set, st store.Store, log *slog.Logger) error {
	sg, err := authz.NewSigner(ks.Node, cfg.NodeName)
	if err != nil {
		return err
	}
	n.Authz = &authz.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(authz.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Items:  n.Items,
		Signer: sg,
		// Deliveries are rows written with each change; the notifier
		// sends them and retries with backoff, across restarts.
		Webhooks:  &authz.Notifier{Repo: st, Signer: sg, Log: log},
		PersonKey: authz.DeriveKey(ks.Node.Seed(), "consent-person"),
		Persons:   authz.Persons{Enterprises: n.Enterprises, Sharing: n.Sharing},
	}
	grants := n.Authz.GrantSource()
	n.Sharing.Grants = grants
	n.Enterprises.Grants = grants
	if n.Verify != nil {
		n.Verify.Grants = grants
		n.Verify.SubjectGrants = n.Authz.SubjectGrants
	}
	return nil
}

// runAuthz sends the stored webhook deliveries and expires authorizations past their
// validity until ctx ends.
func (n *Node) runAuthz(ctx context.Context) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Authz.Webhooks.Run(ctx, 4)
	}()
	authz.Sweeper{Service: n.Authz, Interval: time.Minute, OnError: func(err error) {
		n.Log.Error("authorization expiry sweep failed", "error", err)
	}}.Run(ctx)
	<-done
}
