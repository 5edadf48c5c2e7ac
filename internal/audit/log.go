package audit

import (
	"context"
	"crypto/ed25519"
	"time"
)

// Checkpointer signs the chain head at intervals.
type Checkpointer struct {
	Store interface {
		AuditHead(ctx context.Context) (Head, error)
		ListCheckpoints(ctx context.Context) ([]Checkpoint, error)
		InsertCheckpoint(ctx context.Context, c *Checkpoint) error
	}
	Key ed25519.PrivateKey
	Now func() time.Time
}

// Checkpoint signs the current head if it moved since the last checkpoint.
// It returns the new checkpoint, or ok=false when there was nothing to sign.
func (c Checkpointer) Checkpoint(ctx context.Context) (cp Checkpoint, ok bool, err error) {
	head, err := c.Store.AuditHead(ctx)
	if err != nil || head.Seq == 0 {
		return cp, false, err
	}
	cps, err := c.Store.ListCheckpoints(ctx)
	if err != nil {
		return cp, false, err
	}
	if n := len(cps); n > 0 && cps[n-1].Seq >= head.Seq {
		return cp, false, nil
	}
	now := time.Now
	if c.Now != nil {
		now = c.Now
	}
	cp = SignCheckpoint(c.Key, head, now())
	if err := c.Store.InsertCheckpoint(ctx, &cp); err != nil {
		return cp, false, err
	}
	return cp, true, nil
}

// Run checkpoints every interval until ctx ends; errors go to onErr.
func (c Checkpointer) Run(ctx context.Context, interval time.Duration, onErr func(error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			// One last checkpoint on shutdown so the tail is covered.
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			if _, _, err := c.Checkpoint(sctx); err != nil && onErr != nil {
				onErr(err)
			}
			cancel()
			return
		case <-t.C:
			if _, _, err := c.Checkpoint(ctx); err != nil && onErr != nil {
				onErr(err)
			}
		}
	}
}
