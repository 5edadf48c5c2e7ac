package sqldb

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/creditbridge/creditbridge/internal/audit"
)

// Group commit of the evidence log. Every entry advances the one chain
// head, so appends serialize on it, and each commit waits for the disk
// (PostgreSQL's WAL flush, SQLite's WAL write). Appends made outside a
// transaction are therefore queued: the first appender that finds no
// writer running becomes the writer, seals every queued entry in queue
// order (one head read, the entries chained one to the next, one head
// update) and commits them in one transaction; the others wait for that
// commit. Each caller returns only once its own entry is committed, so a
// read is never answered before its evidence is stored. If a batch's
// transaction fails, its entries are appended again one by one, so one
// entry's error is never another's. Appends inside a caller's transaction
// do not queue: they commit with that transaction.

// auditGroup is the queue; the zero value is ready.
type auditGroup struct {
	mu    sync.Mutex
	queue []*auditPending
	busy  bool // a writer is running; it drains the queue before it stops
}

type auditPending struct {
	e    *audit.Entry
	done chan error
}

// auditGroupMax bounds the entries one transaction commits.
const auditGroupMax = 256

// auditChunks are the row counts of the multi-row INSERTs a batch is
// written with, largest first: a few fixed statement texts, so that each
// is prepared once.
var auditChunks = []int{64, 16, 4, 1}

// appendGrouped appends e through the queue and returns once it is
// committed (or failed).
func (s *Store) appendGrouped(ctx context.Context, e *audit.Entry) error {
	if err := ctx.Err(); err != nil {
		return s.dbErr("append audit entry", err)
	}
	g := s.group
	p := &auditPending{e: e, done: make(chan error, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, p)
	if g.busy {
		g.mu.Unlock()
		return <-p.done
	}
	g.busy = true
	batch := g.take()
	g.mu.Unlock()
	// The entries belong to callers that wait for them: a caller that
	// went away does not cancel the others' commit.
	wctx := context.WithoutCancel(ctx)
	s.writeAuditBatch(wctx, batch)
	// Entries that queued meanwhile are written by a goroutine, so this
	// caller returns as soon as its own batch is committed.
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.busy = false
		g.mu.Unlock()
	} else {
		g.mu.Unlock()
		go s.drainAudit(wctx)
	}
	return <-p.done
}

// take removes up to auditGroupMax entries from the queue (g.mu held).
func (g *auditGroup) take() []*auditPending {
	n := min(len(g.queue), auditGroupMax)
	batch := make([]*auditPending, n)
	copy(batch, g.queue)
	clear(g.queue[:n])
	g.queue = g.queue[n:]
	return batch
}

// drainAudit writes what is queued until the queue is empty, then lets
// the next appender write.
func (s *Store) drainAudit(ctx context.Context) {
	g := s.group
	for {
		g.mu.Lock()
		if len(g.queue) == 0 {
			g.busy = false
			g.mu.Unlock()
			return
		}
		batch := g.take()
		g.mu.Unlock()
		s.writeAuditBatch(ctx, batch)
	}
}

// writeAuditBatch commits batch in one transaction, or each entry alone if
// that fails, and tells every caller its outcome.
func (s *Store) writeAuditBatch(ctx context.Context, batch []*auditPending) {
	es := make([]*audit.Entry, len(batch))
	for i, p := range batch {
		es[i] = p.e
	}
	err := s.commitAudit(ctx, es)
	if err == nil || len(batch) == 1 {
		for _, p := range batch {
			p.done <- err
		}
		return
	}
	for _, p := range batch {
		p.done <- s.commitAudit(ctx, []*audit.Entry{p.e})
	}
}

// commitAudit appends es in one transaction. A panic becomes the error of
// the entries' callers, so the queue never stays held by a writer that is
// gone.
func (s *Store) commitAudit(ctx context.Context, es []*audit.Entry) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("append audit entries: panic: %v", r)
		}
	}()
	return s.inTx(ctx, func(tx *Store) error { return tx.appendAudit(ctx, es) })
}

// appendAudit chains es, in order, to the head and inserts them, inside
// the transaction s is bound to: the head locked (read with the row lock
// on PostgreSQL, SQLite's single writer serializes; or as this
// transaction left it), audit.Seal each entry onto the one before, insert
// them, advance the head once.
func (s *Store) appendAudit(ctx context.Context, es []*audit.Entry) error {
	head, err := s.lockedHead(ctx)
	if err != nil {
		return err
	}
	return s.appendAuditAt(ctx, head, es)
}

// lockedHead is the evidence log's head for the transaction s is bound
// to: read locked the first time, then as the transaction's appends left
// it (Store.head).
func (s *Store) lockedHead(ctx context.Context) (audit.Head, error) {
	if s.head != nil {
		return *s.head, nil
	}
	var head audit.Head
	if err := s.w.QueryRow(ctx, auditHeadSQL+s.d.LockRow).Scan(&head.Seq, &head.Hash); err != nil {
		return head, s.dbErr("read audit head", err)
	}
	s.holdHead(head)
	return head, nil
}

// headQueued reads the locked head into *dst as one statement of a
// pipeline; the caller passes it to holdHead once the pipeline has run.
func (s *Store) headQueued(dst *audit.Head, read *bool) Queued {
	return Queued{SQL: auditHeadSQL + s.d.LockRow, Rows: func(r Rows) error {
		if r.Next() {
			*read = true
			if err := r.Scan(&dst.Seq, &dst.Hash); err != nil {
				return err
			}
		}
		return r.Err()
	}}
}

// holdHead records the head as this transaction holds it now: locked, and
// where its appends left it. Outside a transaction there is nothing held.
func (s *Store) holdHead(h audit.Head) {
	if s.tx != nil {
		s.head = &h
	}
}

// appendAuditAt is appendAudit once the head is read (and locked).
func (s *Store) appendAuditAt(ctx context.Context, head audit.Head, es []*audit.Entry) error {
	qs, next, err := auditQueued(head, es)
	if err != nil {
		return err
	}
	// The inserts and the head's update go in one round trip where the
	// engine batches.
	if err := s.pipeline(ctx, qs...); err != nil {
		return s.dbErr("append audit entries", err)
	}
	s.holdHead(next)
	return nil
}

// auditQueued seals es onto head and returns their inserts and the
// head's update as pipeline statements, and the head they leave.
func auditQueued(head audit.Head, es []*audit.Entry) ([]Queued, audit.Head, error) {
	for _, e := range es {
		audit.Seal(e, head)
		head = audit.Head{Seq: e.Seq, Hash: e.Hash}
	}
	var qs []Queued
	for rest := es; len(rest) > 0; {
		n := 1
		for _, c := range auditChunks {
			if c <= len(rest) {
				n = c
				break
			}
		}
		args := make([]any, 0, n*auditParams)
		for _, e := range rest[:n] {
			items, err := jsonList(e.Items)
			if err != nil {
				return nil, head, err
			}
			args = append(args, e.Seq, e.Time, e.ActorUserID, e.ActorName, e.OrgID, e.Action, e.EnterpriseID, items,
				e.Purpose, e.AuthorizationID, string(e.Outcome), e.Detail, e.RemoteAddr, e.PrevHash, e.Hash)
		}
		qs = append(qs, Queued{SQL: auditInsert(n), Args: args})
		rest = rest[n:]
	}
	qs = append(qs, Queued{SQL: `UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1`, Args: []any{head.Seq, head.Hash}})
	return qs, head, nil
}

// auditParams is the number of auditCols.
const auditParams = 15

// auditInsert is the INSERT of n entries.
func auditInsert(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO audit_log (` + auditCols + `) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range auditParams {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(i*auditParams + j + 1))
		}
		b.WriteByte(')')
	}
	return b.String()
}
