package ingestqueue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/store"
)

// Wake tells the runner a batch was queued.
func (s *Service) Wake() {
	s.init()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Run runs queued batches one at a time until ctx ends, oldest first,
// starting with those a previous run of the node left queued or running.
// Between batches it waits for Wake, or polls every poll (a minute when
// zero) in case another process queued one.
func (s *Service) Run(ctx context.Context, poll time.Duration) {
	s.init()
	if poll <= 0 {
		poll = time.Minute
	}
	if err := s.CleanSpool(ctx); err != nil && ctx.Err() == nil {
		s.Log.Error("ingest spool clean-up", "error", err)
	}
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-t.C:
		}
		for ctx.Err() == nil {
			ran, err := s.RunNext(ctx)
			if err != nil {
				if ctx.Err() == nil {
					s.Log.Error("ingest queue", "error", err)
				}
				break
			}
			if !ran {
				break
			}
		}
		t.Reset(poll)
	}
}

// RunNext runs the oldest pending batch, if any, and reports whether there
// was one. A batch interrupted by ctx stays pending (it runs again later);
// any other end is recorded.
func (s *Service) RunNext(ctx context.Context) (bool, error) {
	s.init()
	js, err := s.Store.ListJobs(ctx, ingestjob.Filter{States: []ingestjob.State{ingestjob.Queued, ingestjob.Running}, Limit: 1})
	if err != nil || len(js) == 0 {
		return false, err
	}
	return true, s.run(ctx, js[0])
}

func (s *Service) run(ctx context.Context, j ingestjob.Job) error {
	log := s.Log.With("submission", j.ID, "batch", j.Batch, "dataset", j.Dataset)
	if j.Attempts >= maxAttempts {
		log.Error("ingest batch keeps failing; giving up", "attempts", j.Attempts)
		return s.fail(ctx, j, fault.New(fault.Internal, "ingestjob.internal", "too many attempts"))
	}
	if err := s.Store.StartJob(ctx, j.ID, s.now()); err != nil {
		return err
	}
	j.Attempts++
	ds, err := Spec(j.Spec)
	if err != nil {
		return s.fail(ctx, j, err)
	}
	path := s.spoolPath(j.ID)
	if _, err := os.Stat(path); err != nil {
		log.Error("spooled upload missing", "path", path, "error", err)
		return s.fail(ctx, j, fault.New(fault.Internal, "ingestjob.internal", "spooled file missing").Wrap(err))
	}
	o := ingest.Options{BatchID: j.Batch, Now: s.Now, Enterprises: s.Enterprises, Progress: func(p ingest.Progress) {
		s.mu.Lock()
		s.live[j.ID] = p
		s.mu.Unlock()
	}}
	if s.Tune != nil {
		s.Tune(&o)
	}
	defer func() {
		s.mu.Lock()
		delete(s.live, j.ID)
		s.mu.Unlock()
	}()
	log.Info("ingest batch started", "attempt", j.Attempts)
	fin := j
	err = s.Store.InTx(ctx, func(tx store.Store) error {
		res, err := ingest.File(ctx, tx, ds, path, o)
		if err != nil {
			return err
		}
		fin.Batch, fin.Rows, fin.OK, fin.Bad, fin.Facts, fin.ProblemsDropped = res.Batch, res.Rows, res.OK, res.Bad, res.Facts, res.ProblemsDropped
		fin.Warnings = res.Warnings
		fin.State = ingestjob.Loaded
		if res.AlreadyLoaded {
			fin.State = ingestjob.AlreadyLoaded
		}
		fin.FinishedAt = s.now()
		ps := make([]ingestjob.Problem, len(res.Problems))
		for i, p := range res.Problems {
			ps[i] = ingestjob.Problem{Row: int64(p.Row), Column: p.Column, Value: p.Value, Code: p.Code, Detail: p.Detail,
				Format: p.Format, Of: int64(p.Of), Params: p.Params}
		}
		return tx.FinishJob(ctx, &fin, ps)
	})
	switch {
	case err == nil:
		log.Info("ingest batch ended", "state", fin.State, "rows", fin.Rows, "ok", fin.OK, "bad", fin.Bad)
		s.removeSpool(fin)
		if fin.State == ingestjob.Loaded && s.AfterLoad != nil {
			s.AfterLoad(ctx, fin)
		}
		return nil
	case ctx.Err() != nil:
		// Shutting down. Usually the transaction rolled back and the batch
		// stays running, to run again at the next start; but ctx may have
		// ended while the commit was in flight, after the database had
		// committed it, and then the batch ended and its upload goes now.
		if s.endedAnyway(ctx, j.ID) {
			log.Info("ingest batch ended as the node stopped")
			s.removeSpool(j)
			return ctx.Err()
		}
		log.Info("ingest batch interrupted; it runs again at the next start")
		return ctx.Err()
	}
	if fe, ok := fault.As(err); ok && fe.Kind != fault.Internal && fe.Kind != fault.Unavailable {
		log.Info("ingest batch refused", "code", fe.Code)
		return s.fail(ctx, j, err)
	}
	log.Error("ingest batch failed", "error", err, "attempt", j.Attempts)
	if j.Attempts >= maxAttempts {
		return s.fail(ctx, j, err)
	}
	return err // stays running; the next RunNext tries again
}

// fail records a batch that stored nothing, with the reason users see.
func (s *Service) fail(ctx context.Context, j ingestjob.Job, cause error) error {
	fin := j
	fin.State, fin.FinishedAt = ingestjob.Failed, s.now()
	fin.Rows, fin.OK, fin.Bad, fin.Facts, fin.ProblemsDropped, fin.Warnings = 0, 0, 0, 0, 0, 0
	fin.ErrorCode, fin.ErrorParams = "ingestjob.internal", nil
	if fe, ok := fault.As(cause); ok && fe.Kind != fault.Internal && fe.Kind != fault.Unavailable {
		fin.ErrorCode, fin.ErrorParams = fe.Code, fe.Params
	}
	if err := s.Store.FinishJob(ctx, &fin, nil); err != nil {
		return errors.Join(cause, err)
	}
	s.removeSpool(fin)
	return nil
}

// endedAnyway reports whether the job id is recorded as ended although
// ctx ended while it ran. It reads with a short deadline of its own: ctx
// is already done.
func (s *Service) endedAnyway(ctx context.Context, id string) bool {
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	j, err := s.Store.JobByID(rctx, id)
	return err == nil && j.State.Final()
}

func (s *Service) removeSpool(j ingestjob.Job) {
	if err := os.Remove(s.spoolPath(j.ID)); err != nil && !errors.Is(err, os.ErrNotExist) {
		s.Log.Warn("remove spooled upload", "submission", j.ID, "error", err)
	}
}

// CleanSpool removes what a node that stopped abruptly may have left in
// the spool: uploads of batches that ended (the node stopped between the
// batch's commit and the removal) or were never recorded, and partial
// uploads. Files of submissions this node is receiving are left alone.
func (s *Service) CleanSpool(ctx context.Context) error {
	s.init()
	es, err := os.ReadDir(s.Dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range es {
		name := e.Name()
		if s.held(name) {
			continue
		}
		switch {
		case strings.HasPrefix(name, ".incoming-"):
		case strings.HasSuffix(name, ".upload"):
			j, err := s.Store.JobByID(ctx, strings.TrimSuffix(name, ".upload"))
			switch {
			case err == nil && !j.State.Final():
				continue
			case err != nil && !fault.Is(err, fault.NotFound):
				return err
			}
			if s.held(name) { // submitted while we looked
				continue
			}
		default:
			continue
		}
		if err := os.Remove(filepath.Join(s.Dir, name)); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		s.Log.Info("stale spooled upload removed", "file", name)
	}
	return nil
}
