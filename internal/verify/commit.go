package verify

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
)

// Group commit. Every answer ends with a durable write (the questions on
// record and their evidence) under the evidence log's single head, so
// answers commit one after another; on PostgreSQL each commit waits for
// the WAL to reach disk. Concurrent answers are therefore committed
// together: the first request that finds no commit running becomes the
// leader and writes every queued request in one transaction; the others
// wait for its result. The requests are checked in order inside the
// transaction, and the limits each checks count the requests accepted
// before it (stored at the transaction's end, all together). If the
// transaction fails, its requests are written again one by one, so one
// request's error is never another's.

// pending is one request's part of a transaction. lock is what its
// limits read under the organisation's lock: the transaction reads it for
// every request at once (LockVerifications, one round trip on
// PostgreSQL). check applies the limits to it, counting earlier (the
// questions this transaction has already accepted from the same
// organisation, not yet stored); it returns a refusal (nothing written),
// or the questions to store and their evidence, or an error that fails
// the transaction. Once every request is checked, all the accepted
// questions and evidence are recorded together (RecordVerifications: on
// PostgreSQL they travel with the COMMIT, since LockVerifications took the
// evidence log's head; the whole transaction is two round trips, whatever
// the number of requests).
type pending struct {
	lock  LockRequest
	check func(ctx context.Context, tx Repo, locked Locked, earlier []Asked) (*Refusal, []Asked, []*audit.Entry, error)
	ref   *Refusal
	done  chan error
	// Set by writeBatch for Service.Observe: when the transaction that
	// wrote this request began, how long it took, how many requests it
	// wrote.
	txStart time.Time
	tx      time.Duration
	batch   int
}

type committer struct {
	mu    sync.Mutex
	queue []*pending
	busy  bool
}

// maxBatch bounds how many requests one transaction writes.
const maxBatch = 64

// commit writes p, alone or with concurrent requests, and returns its
// refusal or error.
func (s *Service) commit(ctx context.Context, p *pending) (*Refusal, error) {
	p.done = make(chan error, 1)
	c := &s.group
	c.mu.Lock()
	c.queue = append(c.queue, p)
	if c.busy {
		c.mu.Unlock()
		err := <-p.done
		return p.ref, err
	}
	c.busy = true
	batch := c.take()
	c.mu.Unlock()
	s.writeBatch(ctx, batch)
	// Requests that queued meanwhile are written by a new leader, so this
	// one returns as soon as its own batch is done.
	go s.drain(context.WithoutCancel(ctx))
	err := <-p.done
	return p.ref, err
}

// take removes up to maxBatch requests from the queue (c.mu held).
func (c *committer) take() []*pending {
	n := min(len(c.queue), maxBatch)
	batch := slices.Clone(c.queue[:n])
	c.queue = c.queue[n:]
	return batch
}

// drain writes what is queued until the queue is empty, then lets the
// next request lead.
func (s *Service) drain(ctx context.Context) {
	c := &s.group
	for {
		c.mu.Lock()
		if len(c.queue) == 0 {
			c.busy = false
			c.mu.Unlock()
			return
		}
		batch := c.take()
		c.mu.Unlock()
		s.writeBatch(ctx, batch)
	}
}

// writeBatch writes batch in one transaction (ordered by organisation, so
// that two nodes' batches take the organisations' locks in the same
// order), or each request alone if that fails, and signals every request.
func (s *Service) writeBatch(ctx context.Context, batch []*pending) {
	ctx = context.WithoutCancel(ctx) // a request that went away still has its answers on record
	slices.SortStableFunc(batch, func(a, b *pending) int { return cmpInt(a.lock.OrgID, b.lock.OrgID) })
	run := func(ps []*pending) error {
		start := time.Now()
		defer func() {
			d := time.Since(start)
			for _, p := range ps {
				p.txStart, p.tx, p.batch = start, d, len(ps)
			}
		}()
		return s.InTx(ctx, func(tx Repo) error {
			reqs := make([]LockRequest, len(ps))
			for i, p := range ps {
				reqs[i] = p.lock
			}
			locked, err := tx.LockVerifications(ctx, reqs)
			if err != nil {
				return err
			}
			var asked []Asked
			var evidence []*audit.Entry
			accepted := map[int64][]Asked{}
			for i, p := range ps {
				org := p.lock.OrgID
				ref, as, es, err := p.check(ctx, tx, locked[i], accepted[org])
				if err != nil {
					return err
				}
				if p.ref = ref; ref != nil {
					continue
				}
				accepted[org] = append(accepted[org], as...)
				asked = append(asked, as...)
				evidence = append(evidence, es...)
			}
			if len(asked) == 0 && len(evidence) == 0 {
				return nil
			}
			return tx.RecordVerifications(ctx, asked, evidence)
		})
	}
	if err := run(batch); err == nil || len(batch) == 1 {
		for _, p := range batch {
			if err != nil {
				p.ref = nil
			}
			p.done <- err
		}
		return
	}
	for _, p := range batch {
		p.ref = nil
		err := run([]*pending{p})
		if err != nil {
			p.ref = nil
		}
		p.done <- err
	}
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
