package scoring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/rights"
)

// Repo is the storage the service uses.
type Repo interface {
	Store
	features.Reader
	EnterpriseByID(ctx context.Context, id int64) (enterprise.Record, error)
	EnterpriseByCode(ctx context.Context, code string) (enterprise.Record, error)
	CountEnterprises(ctx context.Context) (int, error)
	RecomputeQueue(ctx context.Context, limit int) ([]rights.Recompute, error)
	AppendAudit(ctx context.Context, e *audit.Entry) error
}

// Service computes, stores and explains scores.
type Service struct {
	Repo Repo
	InTx func(ctx context.Context, fn func(Repo) error) error
	// Set is the feature set scores are computed with.
	Set *features.Set
	// System returns the active indicator system; nil, or an answer of
	// fault.NotFound, means the embedded default (indicator.Default).
	System func(ctx context.Context) (*indicator.System, error)
	// Champion returns the champion model; nil, or fault.NotFound, means
	// no statistical model was promoted.
	Champion func(ctx context.Context) (modelreg.Version, error)
	// Policies resolves catalogue items for the decision point
	// (sharing.Service.Policies); Grants the authorizations an institution
	// holds (authz). Grants nil: no institution holds any.
	Policies func(ctx context.Context, items []string) ([]access.ItemPolicy, error)
	Grants   access.GrantSource
	// Workers is the batch run's parallelism (default 4).
	Workers int
	// Chunk is how many enterprises one transaction stores (default 500).
	Chunk int
	Now   func() time.Time
	Log   *slog.Logger

	running atomic.Bool // a batch run is in progress on this node
	mu      sync.Mutex
	bg      context.Context // the node's lifetime (Watch); runs started by requests live in it
	wg      sync.WaitGroup  // background runs, joined by Wait
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) log() *slog.Logger {
	if s.Log != nil {
		return s.Log
	}
	return slog.New(slog.DiscardHandler)
}

// method reads what scores are computed with now.
func (s *Service) method(ctx context.Context) (*method, error) {
	if s.Set == nil {
		return nil, errors.New("scoring: no feature set")
	}
	m := &method{set: s.Set}
	var err error
	if s.System != nil {
		m.system, err = s.System(ctx)
		if err != nil && !fault.Is(err, fault.NotFound) {
			return nil, fmt.Errorf("scoring: the active indicator system: %w", err)
		}
	}
	if m.system == nil {
		if m.system, err = indicator.Default(); err != nil {
			return nil, err
		}
	}
	if s.Champion != nil {
		v, err := s.Champion(ctx)
		switch {
		case fault.Is(err, fault.NotFound):
		case err != nil:
			return nil, fmt.Errorf("scoring: the champion model: %w", err)
		default:
			if v.FeatureSet != "" && v.FeatureSet != s.Set.Version {
				return nil, fault.New(fault.Conflict, "scoring.feature_set_mismatch",
					"the champion model was trained on another feature set").With("model", v.Label()).With("feature_set", v.FeatureSet)
			}
			if m.model, err = v.Model(); err != nil {
				return nil, fmt.Errorf("scoring: the champion's artefact: %w", err)
			}
			m.version = v
		}
	}
	return m, nil
}

// readItems are the catalogue items a score reads: every item the feature
// set's definitions name (loans as financing.loan), in order.
func (s *Service) readItems() []string {
	var out []string
	for _, d := range s.Set.Defs {
		for _, it := range d.Items {
			if it == features.ItemLoan {
				it = "financing.loan"
			}
			if !slices.Contains(out, it) {
				out = append(out, it)
			}
		}
	}
	if !slices.Contains(out, access.ItemRegistration) {
		out = append(out, access.ItemRegistration) // age, industry and size come from the registry record
	}
	slices.Sort(out)
	return out
}

// collector is the evidence log of one chunk: the guard writes here, and
// the chunk's transaction appends everything in bulk with the scores. If
// that transaction fails, no score computed from the reads is stored and
// nothing left the platform.
type collector struct{ es []*audit.Entry }

func (c *collector) AppendAudit(_ context.Context, e *audit.Entry) error {
	cp := *e
	c.es = append(c.es, &cp)
	return nil
}

// reader computes vectors through the decision point.
type reader struct {
	s      *Service
	m      *method
	items  []string
	pols   []access.ItemPolicy
	detail map[string]any
}

func (s *Service) newReader(ctx context.Context, m *method) (*reader, error) {
	items := s.readItems()
	if s.Policies == nil {
		return nil, errors.New("scoring: no catalogue to resolve the items read")
	}
	pols, err := s.Policies(ctx, items)
	if err != nil {
		return nil, err
	}
	return &reader{s: s, m: m, items: items, pols: pols}, nil
}

// compute reads ent's data as of asOf through the decision point (the
// evidence entry goes to log) and scores it.
func (r *reader) compute(ctx context.Context, log access.Appender, data features.Reader, ent enterprise.Record, asOf time.Time, cause string) (Score, error) {
	var v features.Vector
	g := access.Guard{Log: log, Now: r.s.now, Policies: r.s.Policies}
	req := access.Request{Principal: access.System, Action: "scoring.read", EnterpriseID: ent.ID, Items: r.items,
		Purpose: access.PurposeEvaluation, Policies: r.pols, To: asOf}
	_, err := g.Read(ctx, req, func(access.Decision) (any, error) {
		var err error
		v, err = features.Engine{Set: r.m.set, Data: data}.Compute(ctx, ent, asOf)
		if err != nil {
			return nil, err
		}
		return map[string]any{"as_of": asOf.Format(time.RFC3339), "cause": cause, "records": len(v.Sources)}, nil
	})
	if err != nil {
		return Score{}, err
	}
	sc, err := r.m.score(v, r.s.now())
	if err != nil {
		return Score{}, err
	}
	sc.Cause = cause
	return sc, nil
}

// prefetch reads a chunk's data in one pass (Store.ScoringData) when the
// decision point allows every read of the chunk, so that no enterprise's
// data is read before its read is decided; the evidence entries are still
// written one per enterprise as each vector is computed. Otherwise, or
// for a query of another shape, reads go to the store one by one.
func (r *reader) prefetch(ctx context.Context, page []enterprise.Record, asOf time.Time) (features.Reader, error) {
	if len(page) == 0 {
		return r.s.Repo, nil
	}
	g := access.Guard{Now: r.s.now, Policies: r.s.Policies}
	for _, ent := range page {
		req, err := g.Prepare(ctx, access.Request{Principal: access.System, Action: "scoring.read", EnterpriseID: ent.ID, Items: r.items,
			Purpose: access.PurposeEvaluation, Policies: r.pols, To: asOf})
		if err != nil {
			return nil, err
		}
		if !access.Decide(req).Allow {
			return r.s.Repo, nil
		}
	}
	fs, ls, err := r.s.Repo.ScoringData(ctx, page[0].ID, page[len(page)-1].ID, asOf)
	if err != nil {
		return nil, err
	}
	p := &prefetched{asOf: asOf, next: r.s.Repo, facts: make(map[int64][]facts.Fact, len(page)), loans: map[int64][]facts.Loan{},
		ids: make(map[int64]bool, len(page))}
	for _, ent := range page {
		p.ids[ent.ID] = true
	}
	for i := 0; i < len(fs); {
		j := i
		for j < len(fs) && fs[j].EnterpriseID == fs[i].EnterpriseID {
			j++
		}
		p.facts[fs[i].EnterpriseID] = fs[i:j:j]
		i = j
	}
	for i := 0; i < len(ls); {
		j := i
		for j < len(ls) && ls[j].EnterpriseID == ls[i].EnterpriseID {
			j++
		}
		p.loans[ls[i].EnterpriseID] = ls[i:j:j]
		i = j
	}
	return p, nil
}

// prefetched serves the engine's two reads of the chunk's enterprises
// from one pass; any other read goes to next.
type prefetched struct {
	asOf  time.Time
	ids   map[int64]bool
	facts map[int64][]facts.Fact
	loans map[int64][]facts.Loan
	next  features.Reader
}

func (p *prefetched) QueryFacts(ctx context.Context, q facts.Query) ([]facts.Fact, error) {
	if !p.ids[q.EnterpriseID] || q.Item != "" || !q.From.IsZero() || q.AllVersions || !q.To.Equal(p.asOf) || !q.KnownAt.Equal(p.asOf) {
		return p.next.QueryFacts(ctx, q)
	}
	fs := p.facts[q.EnterpriseID]
	if len(q.Items) > 0 { // the same rows the store's item filter keeps, in the same order
		kept := make([]facts.Fact, 0, len(fs))
		for _, f := range fs {
			if slices.Contains(q.Items, f.Item) {
				kept = append(kept, f)
			}
		}
		fs = kept
	}
	if q.Limit <= 0 || len(fs) >= q.Limit {
		return p.next.QueryFacts(ctx, q) // the store applies its limit
	}
	return fs, nil
}

func (p *prefetched) LoansOf(ctx context.Context, enterpriseID int64) ([]facts.Loan, error) {
	if p.ids[enterpriseID] {
		return p.loans[enterpriseID], nil
	}
	return p.next.LoansOf(ctx, enterpriseID)
}

// RunOptions configure one batch run.
type RunOptions struct {
	AsOf time.Time // zero: now
	// Progress, when set, is called after every stored chunk, one call at
	// a time (it should return quickly).
	Progress func(Run)
}

var errRunning = fault.New(fault.Conflict, "scoring.run_in_progress", "a scoring run is already in progress")

// CanRun reports whether p may start a batch run: operator staff (and
// the platform itself).
func CanRun(p access.Principal) bool {
	return p.IsOperator() || p.OrgID == 0 && p.Username == access.System.Username
}

// StartRun records a new run and scores every enterprise in the
// background, bounded by the node's lifetime (the context Watch runs in)
// rather than ctx, which may be a request's; it returns the run as
// recorded. Only one run goes at a time on a node.
func (s *Service) StartRun(ctx context.Context, p access.Principal, o RunOptions) (Run, error) {
	if !CanRun(p) {
		return Run{}, fault.New(fault.Forbidden, "scoring.forbidden", "only operator staff may start a scoring run")
	}
	if !s.running.CompareAndSwap(false, true) {
		return Run{}, errRunning
	}
	run, m, r, err := s.prepare(ctx, p, o)
	if err != nil {
		s.running.Store(false)
		return Run{}, err
	}
	bg := context.WithoutCancel(ctx)
	s.mu.Lock()
	if s.bg != nil {
		bg = s.bg
	}
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer s.running.Store(false)
		if _, err := s.execute(bg, run, m, r, o); err != nil {
			s.log().Error("scoring run failed", "run", run.ID, "error", err)
		}
	}()
	return run, nil
}

// Wait returns when no run started by StartRun is still going: the node
// calls it after its lifetime context ended and before closing the store.
func (s *Service) Wait() { s.wg.Wait() }

// Run records a new run and scores every enterprise, returning when done.
func (s *Service) Run(ctx context.Context, p access.Principal, o RunOptions) (Run, error) {
	if !CanRun(p) {
		return Run{}, fault.New(fault.Forbidden, "scoring.forbidden", "only operator staff may start a scoring run")
	}
	if !s.running.CompareAndSwap(false, true) {
		return Run{}, errRunning
	}
	defer s.running.Store(false)
	run, m, r, err := s.prepare(ctx, p, o)
	if err != nil {
		return Run{}, err
	}
	return s.execute(ctx, run, m, r, o)
}

func (s *Service) prepare(ctx context.Context, p access.Principal, o RunOptions) (Run, *method, *reader, error) {
	m, err := s.method(ctx)
	if err != nil {
		return Run{}, nil, nil, err
	}
	r, err := s.newReader(ctx, m)
	if err != nil {
		return Run{}, nil, nil, err
	}
	n, err := s.Repo.CountEnterprises(ctx)
	if err != nil {
		return Run{}, nil, nil, err
	}
	asOf := o.AsOf
	if asOf.IsZero() {
		asOf = s.now()
	}
	run := Run{Status: RunRunning, AsOf: asOf.UTC(), StartedAt: s.now(), StartedBy: p.ActorName(), Workers: s.workers(),
		Enterprises: int64(n), ModelVersionID: m.version.ID, IndicatorVer: m.system.Version, FeatureSet: m.set.Version}
	if m.model != nil {
		run.Model = m.version.Label()
	}
	err = s.InTx(ctx, func(tx Repo) error {
		if err := tx.CreateScoreRun(ctx, &run); err != nil {
			return err
		}
		e := audit.Entry{Time: s.now(), ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "scoring.run_start",
			Purpose: access.PurposeEvaluation, Outcome: audit.OK, RemoteAddr: p.RemoteAddr,
			Detail: fmt.Sprintf(`{"run":%d,"as_of":%q,"enterprises":%d}`, run.ID, run.AsOf.Format(time.RFC3339), n)}
		return tx.AppendAudit(ctx, &e)
	})
	return run, m, r, err
}

func (s *Service) workers() int {
	if s.Workers > 0 {
		return s.Workers
	}
	return 4
}

func (s *Service) chunk() int {
	if s.Chunk > 0 {
		return s.Chunk
	}
	return 500
}

// execute walks the registry in chunks, scores them with the workers and
// stores each chunk with its evidence in one transaction.
func (s *Service) execute(ctx context.Context, run Run, m *method, r *reader, o RunOptions) (Run, error) {
	chunks := make(chan []enterprise.Record, s.workers())
	var (
		mu      sync.Mutex
		walkErr error
		wg      sync.WaitGroup
	)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(chunks)
		var after int64
		for {
			page, err := s.Repo.EnterprisesAfter(cctx, after, s.chunk())
			if err != nil {
				mu.Lock()
				walkErr = err
				mu.Unlock()
				return
			}
			if len(page) == 0 {
				return
			}
			after = page[len(page)-1].ID
			select {
			case chunks <- page:
			case <-cctx.Done():
				return
			}
		}
	}()
	cause := fmt.Sprintf("run %d", run.ID)
	// the workers read the run's identity from this copy: run itself is
	// updated under mu as chunks finish
	fixed := run
	var fatal error
	for range s.workers() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for page := range chunks {
				scored, failed, err := s.storeChunk(cctx, r, page, fixed, cause)
				mu.Lock()
				if err != nil && fatal == nil {
					fatal = err
					cancel()
				}
				run.Scored += int64(len(scored))
				run.Failed += int64(len(failed))
				for _, f := range failed {
					if len(run.Errors) < MaxRunErrors {
						run.Errors = append(run.Errors, f)
					}
				}
				if o.Progress != nil {
					o.Progress(run) // one call at a time
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	run.FinishedAt = s.now()
	run.Status = RunDone
	err := errors.Join(fatal, walkErr)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	if err != nil {
		run.Status = RunFailed
		if len(run.Errors) < MaxRunErrors {
			run.Errors = append(run.Errors, RunError{Error: err.Error()})
		}
	}
	uerr := s.Repo.UpdateScoreRun(context.WithoutCancel(ctx), run)
	return run, errors.Join(err, uerr)
}

// storeChunk scores page and stores the scores and the evidence of every
// read in one transaction. An enterprise that cannot be scored is
// reported in failed; a storage failure is err.
func (s *Service) storeChunk(ctx context.Context, r *reader, page []enterprise.Record, run Run, cause string) ([]Score, []RunError, error) {
	log := &collector{es: make([]*audit.Entry, 0, len(page))}
	scores := make([]Score, 0, len(page))
	var failed []RunError
	data, err := r.prefetch(ctx, page, run.AsOf)
	if err != nil {
		return nil, nil, err
	}
	for _, ent := range page {
		sc, err := r.compute(ctx, log, data, ent, run.AsOf, cause)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			failed = append(failed, RunError{EnterpriseID: ent.ID, Error: err.Error()})
			continue
		}
		sc.RunID = run.ID
		scores = append(scores, sc)
	}
	err = s.InTx(ctx, func(tx Repo) error {
		if err := tx.AppendScores(ctx, scores); err != nil {
			return err
		}
		return tx.AppendAuditBatch(ctx, log.es)
	})
	if err != nil {
		return nil, nil, err
	}
	return scores, failed, nil
}

// Rescore computes and stores the score of one enterprise as of asOf in
// a transaction of its own (the evidence with it), for cause.
func (s *Service) Rescore(ctx context.Context, enterpriseID int64, asOf time.Time, cause string) (Score, error) {
	m, err := s.method(ctx)
	if err != nil {
		return Score{}, err
	}
	r, err := s.newReader(ctx, m)
	if err != nil {
		return Score{}, err
	}
	return s.rescore(ctx, r, enterpriseID, asOf, cause, 0)
}

// rescore scores one enterprise and, in the same transaction, consumes
// its queue entries up to upTo (none when zero).
func (s *Service) rescore(ctx context.Context, r *reader, enterpriseID int64, asOf time.Time, cause string, upTo int64) (Score, error) {
	if asOf.IsZero() {
		asOf = s.now()
	}
	ent, err := s.Repo.EnterpriseByID(ctx, enterpriseID)
	if err != nil {
		return Score{}, err
	}
	var sc Score
	err = s.InTx(ctx, func(tx Repo) error {
		log := &collector{}
		var err error
		if sc, err = r.compute(ctx, log, tx, ent, asOf, cause); err != nil {
			return err
		}
		scs := []Score{sc}
		if err := tx.AppendScores(ctx, scs); err != nil {
			return err
		}
		sc = scs[0]
		if upTo > 0 {
			if _, err := tx.DeleteRecomputes(ctx, enterpriseID, upTo); err != nil {
				return err
			}
		}
		return tx.AppendAuditBatch(ctx, log.es)
	})
	return sc, err
}

// Drain rescores every enterprise in the recompute queue (at most limit
// queue entries per call) and returns how many enterprises it rescored.
// Each enterprise's new score is stored in the transaction that deletes
// its queue entries; an enterprise that cannot be scored keeps them and
// is tried again on the next call.
func (s *Service) Drain(ctx context.Context, limit int) (int, error) {
	q, err := s.Repo.RecomputeQueue(ctx, limit)
	if err != nil || len(q) == 0 {
		return 0, err
	}
	m, err := s.method(ctx)
	if err != nil {
		return 0, err
	}
	r, err := s.newReader(ctx, m)
	if err != nil {
		return 0, err
	}
	type pending struct {
		upTo   int64
		reason string
	}
	byEnt := map[int64]*pending{}
	var order []int64
	for _, e := range q {
		p, ok := byEnt[e.EnterpriseID]
		if !ok {
			p = &pending{reason: e.Reason}
			byEnt[e.EnterpriseID] = p
			order = append(order, e.EnterpriseID)
		}
		p.upTo = max(p.upTo, e.ID)
	}
	done := 0
	var errs []error
	for _, id := range order {
		p := byEnt[id]
		if _, err := s.rescore(ctx, r, id, time.Time{}, "incremental: "+p.reason, p.upTo); err != nil {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			errs = append(errs, fmt.Errorf("enterprise %d: %w", id, err))
			continue
		}
		done++
	}
	return done, errors.Join(errs...)
}

// Watch drains the recompute queue every interval until ctx ends, so an
// enterprise with new data or a repaired record is rescored within
// seconds; onErr hears failures.
func (s *Service) Watch(ctx context.Context, interval time.Duration, onErr func(error)) {
	s.mu.Lock()
	s.bg = ctx
	s.mu.Unlock()
	if interval <= 0 {
		interval = 2 * time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		for {
			n, err := s.Drain(ctx, 500)
			if err != nil && ctx.Err() == nil && onErr != nil {
				onErr(err)
			}
			if n == 0 || err != nil {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Running reports whether a batch run is in progress on this node.
func (s *Service) Running() bool { return s.running.Load() }

// Runs lists the latest runs (operator staff and auditors).
func (s *Service) Runs(ctx context.Context, p access.Principal, limit int) ([]Run, error) {
	if !CanView(p) {
		return nil, fault.New(fault.Forbidden, "scoring.forbidden_runs", "only operator staff and auditors may see scoring runs")
	}
	return s.Repo.ScoreRuns(ctx, limit)
}

// GetRun returns one run (operator staff and auditors).
func (s *Service) GetRun(ctx context.Context, p access.Principal, id int64) (Run, error) {
	if !CanView(p) {
		return Run{}, fault.New(fault.Forbidden, "scoring.forbidden_runs", "only operator staff and auditors may see scoring runs")
	}
	return s.Repo.ScoreRun(ctx, id)
}

// CanView reports whether p may see runs: operator staff and auditors.
func CanView(p access.Principal) bool {
	return p.IsOperator() || p.OrgKind == account.KindAuditor || CanRun(p)
}
