package bench

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"runtime"
	"runtime/pprof"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/store/postgres"
	"github.com/creditbridge/creditbridge/internal/store/sqlite"
	"github.com/creditbridge/creditbridge/internal/synth"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// VerifyOptions configure the verification benchmark.
type VerifyOptions struct {
	// Concurrency is the number of askers: in a closed loop each asks
	// again as soon as it is answered; in an open loop (Rate > 0) it is
	// the most requests in flight at once.
	Concurrency int
	// Rate, when positive, makes the phases open loops: requests arrive
	// at random (Poisson) at Rate a second whatever the answers' speed,
	// and a latency counts from the request's arrival.
	Rate     float64
	Duration time.Duration // of each phase
	// Warmup runs each phase's operation unmeasured, this long, first.
	Warmup      time.Duration
	Enterprises int // seeded when the database is empty
	Months      int
	// Subjects caps the enterprises asked about (default 2000): each is a
	// customer of one bank, which holds its verify-only authorization.
	Subjects int
	Progress io.Writer // seeding progress; nil for none
	// CPUProfile, when set, receives a CPU profile of the answering phase.
	CPUProfile io.Writer
}

// VerifyResult is the one JSON object Verify prints. Latencies are
// milliseconds; the ratios are service over baseline.
type VerifyResult struct {
	Backend     string `json:"backend"`
	Enterprises int    `json:"enterprises"`
	Seeded      bool   `json:"seeded"`
	Concurrency int    `json:"concurrency"`
	// Mode is "closed" (askers ask again as soon as they are answered:
	// the service runs flat out, and the latency includes the queue for
	// the CPU when askers outnumber cores) or "open" (requests arrive at
	// OfferedPerSec, latency from arrival).
	Mode          string  `json:"mode"`
	OfferedPerSec float64 `json:"offered_per_sec,omitempty"`
	// Open loop: requests that arrived in the phase, how many were not
	// served by its hard end (twice its length), and the p99 of the wait
	// for a free asker (part of the latency).
	Arrivals      int      `json:"arrivals,omitempty"`
	Unserved      int      `json:"unserved,omitempty"`
	QueueP99Ms    float64  `json:"queue_p99_ms,omitempty"`
	Institutions  int      `json:"institutions"`
	Subjects      int      `json:"subjects"`
	GrantSeconds  float64  `json:"grant_setup_seconds"`
	Seconds       float64  `json:"seconds_per_phase"`
	WarmupSeconds float64  `json:"warmup_seconds"`
	Questions     []string `json:"questions"`
	Answers       int64    `json:"answers"`
	Refused       int64    `json:"refused"`
	AnswersPerSec float64  `json:"answers_per_sec"`
	P50Ms         float64  `json:"p50_ms"`
	P99Ms         float64  `json:"p99_ms"`
	// The baseline is the raw SQL lookup each answer needs: the facts of
	// the question's items for the enterprise in the window, one prepared
	// SELECT, no access decision, evidence, limits or signature.
	BaselineLookups int64   `json:"baseline_lookups"`
	BaselinePerSec  float64 `json:"baseline_lookups_per_sec"`
	BaselineP50Ms   float64 `json:"baseline_p50_ms"`
	BaselineP99Ms   float64 `json:"baseline_p99_ms"`
	RatioRate       float64 `json:"ratio_rate"`
	RatioP99        float64 `json:"ratio_p99"`
	// The durable baseline is the least an answer must do: the same
	// lookup, then one row inserted and committed on its own, durable as
	// the store commits (PostgreSQL: the WAL flushed; SQLite: the WAL
	// written, synchronous=NORMAL), in raw SQL, run the same way. Its p99
	// holds what this machine's disk and scheduler add to a read that
	// must leave a record, which the plain lookup does not.
	DurableOps      int64   `json:"durable_baseline_ops"`
	DurablePerSec   float64 `json:"durable_baseline_per_sec"`
	DurableP50Ms    float64 `json:"durable_baseline_p50_ms"`
	DurableP99Ms    float64 `json:"durable_baseline_p99_ms"`
	RatioP99Durable float64 `json:"ratio_p99_durable"`
	GoalP99Ms       float64 `json:"goal_p99_ms"`
	GoalMet         bool    `json:"goal_met"`
	SeedSeconds     float64 `json:"seed_seconds,omitempty"`
	GoVersion       string  `json:"go_version"`
	// GCCycles is the number of garbage collections while the service
	// answered (the measured phase).
	GCCycles          uint64 `json:"gc_cycles"`
	CPUs              int    `json:"cpus"`
	StartedAt         string `json:"started_at"`
	EvidencePerAnswer int    `json:"evidence_entries_per_answer"`
	// Phases is where the answers' time went (verify.Timing).
	Phases *PhaseStats `json:"phases,omitempty"`
}

// PhaseStats break the answers' latency down by phase (milliseconds):
// the p50 and p99 of each phase over all answers, and the mean of each
// phase over the slowest 1 % of answers (what the p99 is made of).
type PhaseStats struct {
	P50         map[string]float64 `json:"p50_ms"`
	P99         map[string]float64 `json:"p99_ms"`
	SlowestMean map[string]float64 `json:"slowest_1pct_mean_ms"`
	BatchMean   float64            `json:"requests_per_commit_mean"`
}

// phaseNames are the phases of verify.Timing, in order.
var phaseNames = []string{"read", "wait", "tx", "wake", "sign"}

func timingParts(t verify.Timing) []time.Duration {
	return []time.Duration{t.Read, t.Wait, t.Tx, t.Wake, t.Sign}
}

// phaseStats summarises ts (nil when empty).
func phaseStats(ts []verify.Timing) *PhaseStats {
	if len(ts) == 0 {
		return nil
	}
	ps := &PhaseStats{P50: map[string]float64{}, P99: map[string]float64{}, SlowestMean: map[string]float64{}}
	for k, name := range phaseNames {
		ds := make([]time.Duration, len(ts))
		for i, t := range ts {
			ds[i] = timingParts(t)[k]
		}
		ps.P50[name], ps.P99[name] = pct(ds, 0.50), pct(ds, 0.99)
	}
	total := func(t verify.Timing) (d time.Duration) {
		for _, x := range timingParts(t) {
			d += x
		}
		return d
	}
	sorted := slices.Clone(ts)
	slices.SortFunc(sorted, func(a, b verify.Timing) int { return cmp.Compare(total(b), total(a)) })
	slow := sorted[:max(1, len(sorted)/100)]
	for k, name := range phaseNames {
		var sum time.Duration
		for _, t := range slow {
			sum += timingParts(t)[k]
		}
		ps.SlowestMean[name] = float64((sum / time.Duration(len(slow))).Microseconds()) / 1000
	}
	var n int
	for _, t := range ts {
		n += t.Batch
	}
	ps.BatchMean = float64(n) / float64(len(ts))
	return ps
}

// benchQuestions are honest questions a bank asks; each names the items
// the baseline reads for it.
var benchQuestions = []struct {
	text  string
	items []string
}{
	{"tax_paid_12m >= 1000000", []string{"tax.paid_total"}},
	{"insured_headcount between 10 and 50", []string{"si.insured_headcount"}},
	{"has_enforcement_case == false", []string{"judicial.enforcement"}},
	{`tax_credit_grade in ["A", "B"]`, []string{"tax.credit_grade"}},
}

// Verify benchmarks verification answers on the database dsn names,
// seeding a synthetic region first if it holds no enterprise, and writes
// one JSON VerifyResult to w. Phase one runs o.Concurrency askers through
// verify.Service (one question per request, a random enterprise and
// question) for o.Duration, in a closed or an open loop (phase); phase two
// runs the baseline lookups the same way, phase three the durable
// baseline (a lookup and a one-row commit). Each phase runs unmeasured
// for o.Warmup first.
func Verify(ctx context.Context, dsn string, o VerifyOptions, w io.Writer) (err error) {
	res := VerifyResult{Concurrency: o.Concurrency, Seconds: o.Duration.Seconds(), WarmupSeconds: o.Warmup.Seconds(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		StartedAt: time.Now().UTC().Format(time.RFC3339), GoalP99Ms: 5, EvidencePerAnswer: 2, Mode: "closed"}
	if o.Rate > 0 {
		res.Mode, res.OfferedPerSec = "open", o.Rate
	}
	for _, q := range benchQuestions {
		res.Questions = append(res.Questions, q.text)
	}
	st, err := backend.Open(ctx, dsn, backend.Options{MigratePostgres: true})
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close()) }()
	res.Backend = st.Backend()
	items := &catalog.Service{Repo: st, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
	if _, err := items.LoadDefaults(ctx); err != nil {
		return err
	}
	dk := make([]byte, 32)
	_, _ = rand.Read(dk)
	sealer, err := keys.NewSealer(dk)
	if err != nil {
		return err
	}
	n, err := st.CountEnterprises(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		g, err := synth.New(synth.Config{Enterprises: o.Enterprises, Seed: 7, Months: o.Months})
		if err != nil {
			return err
		}
		start := time.Now()
		if _, err := seed.Run(ctx, g, seed.Options{Store: st, Enterprises: &enterprise.Service{Repo: st, Seal: sealer}, BatchSize: 1000,
			Progress: o.Progress}); err != nil {
			return err
		}
		res.Seeded, res.SeedSeconds = true, time.Since(start).Seconds()
	}
	look, err := newFactLookup(st)
	if err != nil {
		return err
	}
	defer look.close()
	subjects, err := look.enterprises(ctx)
	if err != nil {
		return err
	}
	res.Enterprises = len(subjects)
	if len(subjects) == 0 {
		return fmt.Errorf("bench: no enterprise to ask about")
	}
	if o.Subjects <= 0 {
		o.Subjects = 2000
	}
	pick := mrand.New(mrand.NewPCG(7, 13))
	sample := make([]subject, min(o.Subjects, len(subjects)))
	for i, k := range pick.Perm(len(subjects))[:len(sample)] {
		sample[i] = subjects[k]
	}
	subjects = sample
	res.Subjects = len(subjects)

	// Institutions of a province ask side by side; each has its own limits.
	banks := make([]access.Principal, benchInstitutions)
	stamp := time.Now().UTC().Format(time.RFC3339Nano)
	for i := range banks {
		org := &account.Org{Kind: account.KindInstitution, Name: fmt.Sprintf("基准测试银行%02d（模拟） %s", i+1, stamp), AccessTier: 3}
		if err := st.CreateOrg(ctx, org); err != nil {
			return err
		}
		banks[i] = access.Principal{Username: fmt.Sprintf("bench%02d", i+1), OrgID: org.ID, OrgKind: account.KindInstitution, OrgName: org.Name,
			Role: account.RoleInstitutionOfficer, AccessTier: 3}
	}
	res.Institutions = benchInstitutions
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signer, err := verify.NewSigner(priv)
	if err != nil {
		return err
	}
	// A bank verifies its own applicants, under their verify-only
	// authorizations: each subject is one bank's customer and has
	// approved that bank's request, through the authorization service.
	asig, err := authz.NewSigner(priv, "bench")
	if err != nil {
		return err
	}
	az := &authz.Service{Repo: st, InTx: func(ctx context.Context, fn func(authz.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}, Items: items, Signer: asig}
	var asked []string
	for _, q := range benchQuestions {
		asked = append(asked, q.items...)
	}
	grantStart := time.Now()
	today := time.Now().UTC()
	for i, s := range subjects {
		in := authz.RequestInput{CreditCode: s.code, Purpose: access.PurposeLoan, Items: asked,
			DataFrom: today.AddDate(-5, 0, 0).Format(time.DateOnly), DataTo: today.Format(time.DateOnly),
			ValidUntil: today.AddDate(0, 6, 0).Format(time.DateOnly), FetchType: "periodic", Frequency: "monthly", Mode: access.GrantVerify}
		a, err := az.Request(ctx, banks[i%len(banks)], in)
		if err != nil {
			return fmt.Errorf("bench: request an authorization: %w", err)
		}
		owner := access.Principal{Username: "bench-owner", OrgKind: account.KindEnterprise, EnterpriseID: s.id, Role: account.RoleEnterpriseAdmin}
		if _, err := az.Approve(ctx, owner, a.ID, nil); err != nil {
			return fmt.Errorf("bench: approve an authorization: %w", err)
		}
	}
	res.GrantSeconds = time.Since(grantStart).Seconds()
	rules, err := mask.Platform()
	if err != nil {
		return err
	}
	svc := &verify.Service{Repo: st, InTx: func(ctx context.Context, fn func(verify.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}, Sharing: &sharing.Service{Repo: st, Items: items, Mask: rules}, Seal: sealer, Signer: signer, Node: "bench", Limits: verify.DefaultLimits(),
		Grants: az.GrantSource(), SubjectGrants: az.SubjectGrants}

	var refused int64
	var mu sync.Mutex
	var timings []verify.Timing
	svc.Observe = func(t verify.Timing) {
		mu.Lock()
		timings = append(timings, t)
		mu.Unlock()
	}
	ask := func(rng *mrand.Rand) error {
		k := rng.IntN(len(subjects))
		s := subjects[k]
		q := benchQuestions[rng.IntN(len(benchQuestions))]
		_, err := svc.Ask(ctx, banks[k%len(banks)], verify.Request{CreditCode: s.code, Questions: []string{q.text}, Purpose: access.PurposeLoan})
		if fault.Is(err, fault.TooMany) {
			mu.Lock()
			refused++
			mu.Unlock()
			return errSkip
		}
		return err
	}
	if err := warmUp(ctx, o, ask); err != nil {
		return fmt.Errorf("bench: verification warm-up: %w", err)
	}
	mu.Lock()
	timings, refused = nil, 0
	mu.Unlock()
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			return err
		}
	}
	gc0 := gcCycles()
	answered, err := phase(ctx, o, ask)
	res.GCCycles = gcCycles() - gc0
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	if err != nil {
		return fmt.Errorf("bench: verification: %w", err)
	}
	lat := answered.lat
	res.Answers, res.Refused = int64(len(lat)), refused
	res.Arrivals, res.Unserved, res.QueueP99Ms = answered.offered, answered.unserved, pct(answered.queued, 0.99)
	res.AnswersPerSec = float64(len(lat)) / o.Duration.Seconds()
	res.P50Ms, res.P99Ms = pct(lat, 0.50), pct(lat, 0.99)
	mu.Lock()
	res.Phases = phaseStats(timings)
	mu.Unlock()

	from := time.Now().UTC().AddDate(0, -(verify.WindowMonths + verify.MaxStaleMonths), 0)
	lookup := func(rng *mrand.Rand) error {
		s := subjects[rng.IntN(len(subjects))]
		q := benchQuestions[rng.IntN(len(benchQuestions))]
		return look.facts(ctx, s.id, q.items[0], from)
	}
	if err := warmUp(ctx, o, lookup); err != nil {
		return fmt.Errorf("bench: baseline warm-up: %w", err)
	}
	baseRun, err := phase(ctx, o, lookup)
	if err != nil {
		return fmt.Errorf("bench: baseline: %w", err)
	}
	base := baseRun.lat
	res.BaselineLookups = int64(len(base))
	res.BaselinePerSec = float64(len(base)) / o.Duration.Seconds()
	res.BaselineP50Ms, res.BaselineP99Ms = pct(base, 0.50), pct(base, 0.99)
	if res.BaselinePerSec > 0 && res.BaselineP99Ms > 0 {
		res.RatioRate = res.AnswersPerSec / res.BaselinePerSec
		res.RatioP99 = res.P99Ms / res.BaselineP99Ms
	}

	// The durable baseline, in a table of its own, dropped afterwards.
	if err := look.createDurable(ctx); err != nil {
		return fmt.Errorf("bench: durable baseline table: %w", err)
	}
	defer func() {
		if derr := look.dropDurable(context.WithoutCancel(ctx)); derr != nil {
			err = errors.Join(err, fmt.Errorf("bench: drop the durable baseline table: %w", derr))
		}
	}()
	durable := func(rng *mrand.Rand) error {
		s := subjects[rng.IntN(len(subjects))]
		q := benchQuestions[rng.IntN(len(benchQuestions))]
		if err := look.facts(ctx, s.id, q.items[0], from); err != nil {
			return err
		}
		return look.record(ctx, s.id, q.items[0])
	}
	if err := warmUp(ctx, o, durable); err != nil {
		return fmt.Errorf("bench: durable baseline warm-up: %w", err)
	}
	durRun, err := phase(ctx, o, durable)
	if err != nil {
		return fmt.Errorf("bench: durable baseline: %w", err)
	}
	res.DurableOps = int64(len(durRun.lat))
	res.DurablePerSec = float64(len(durRun.lat)) / o.Duration.Seconds()
	res.DurableP50Ms, res.DurableP99Ms = pct(durRun.lat, 0.50), pct(durRun.lat, 0.99)
	if res.DurableP99Ms > 0 {
		res.RatioP99Durable = res.P99Ms / res.DurableP99Ms
	}
	res.GoalMet = res.P99Ms > 0 && res.P99Ms <= res.GoalP99Ms && res.Unserved == 0
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

var errSkip = errors.New("skip")

// warmUp runs op unmeasured for o.Warmup, a closed loop of o.Concurrency
// askers: every pooled connection opened and its statements prepared,
// the database's and the process's caches filled, as in a server that
// has been up for a while.
func warmUp(ctx context.Context, o VerifyOptions, op func(*mrand.Rand) error) error {
	if o.Warmup <= 0 {
		return nil
	}
	w := o
	w.Rate, w.Duration = 0, o.Warmup
	_, err := phase(ctx, w, op)
	return err
}

// benchInstitutions ask in the benchmark, each under the default limits.
const benchInstitutions = 20

// run is what a phase measured: the latency of every successful op and,
// in an open loop, how long each waited for a free asker and how many
// arrivals went unserved.
type run struct {
	lat      []time.Duration
	queued   []time.Duration // open loop only
	offered  int             // open loop: arrivals scheduled in the phase
	unserved int             // open loop: of those, not served by the phase's end
}

// phase runs op for o.Duration and returns the latency of every
// successful op (errSkip: not counted). Closed loop (o.Rate == 0):
// o.Concurrency goroutines call op one after another, as fast as it
// answers. Open loop (o.Rate > 0): ops arrive at random (Poisson) at
// o.Rate a second, whatever the answers' speed, and at most
// o.Concurrency run at once; a latency counts from the op's arrival when
// it had to wait for a free asker, so that wait is in it (a slow answer
// cannot hold back the arrivals after it and hide their wait). Every
// arrival scheduled before the phase's end is served, however late,
// unless a second phase length goes by first: those left are counted
// unserved (an overloaded service shows as unserved arrivals, not as a
// shorter list of fast answers).
func phase(ctx context.Context, o VerifyOptions, op func(*mrand.Rand) error) (run, error) {
	start := time.Now()
	hardEnd := start.Add(o.Duration)
	var sched *arrivals
	if o.Rate > 0 {
		sched = &arrivals{rng: mrand.New(mrand.NewPCG(42, 99)), rate: o.Rate, next: start, end: start.Add(o.Duration)}
		hardEnd = start.Add(2 * o.Duration)
	}
	ctx, cancel := context.WithDeadline(ctx, hardEnd)
	defer cancel()
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		out    run
		served int
		first  error
	)
	for i := range o.Concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := mrand.New(mrand.NewPCG(uint64(i)+1, 99))
			var lat, queued []time.Duration
			n := 0
			for ctx.Err() == nil {
				// The clock starts when the op starts, or, in an open loop,
				// at its arrival when every asker was busy then (the op
				// waited for one). A free asker sleeps until the arrival,
				// and what its timer oversleeps (Go's timers wake an idle
				// process with a millisecond's granularity on Linux) is the
				// load generator's, not the service's.
				var from time.Time
				if sched != nil {
					at, ok := sched.take()
					if !ok {
						break
					}
					if !sleepUntil(ctx, at) {
						from = at
					}
					if ctx.Err() != nil {
						break
					}
				}
				began := time.Now()
				if from.IsZero() {
					from = began
				}
				err := op(rng)
				if err != nil && ctx.Err() != nil {
					break // the phase's (hard) end came mid-operation
				}
				n++
				if errors.Is(err, errSkip) {
					continue
				}
				if err != nil {
					mu.Lock()
					first = errors.Join(first, err)
					mu.Unlock()
					cancel()
					break
				}
				lat = append(lat, time.Since(from))
				if sched != nil {
					queued = append(queued, began.Sub(from))
				}
			}
			mu.Lock()
			out.lat, out.queued = append(out.lat, lat...), append(out.queued, queued...)
			served += n
			mu.Unlock()
		}()
	}
	wg.Wait()
	if sched != nil {
		// Count what the schedule still held before the phase's end.
		for {
			if _, ok := sched.take(); !ok {
				break
			}
		}
		out.offered = sched.n
		out.unserved = out.offered - served
	}
	return out, first
}

// sleepUntil waits until t or ctx's end and reports whether it had to
// wait (false: t had already come).
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return false
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
	return true
}

// arrivals hands out a Poisson schedule of arrival times, in order, up
// to the end of a phase.
type arrivals struct {
	mu   sync.Mutex
	rng  *mrand.Rand
	rate float64 // per second
	next time.Time
	end  time.Time
	n    int
}

// take returns the next arrival, or false once the schedule has passed
// the phase's end.
func (a *arrivals) take() (time.Time, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.next = a.next.Add(time.Duration(a.rng.ExpFloat64() / a.rate * float64(time.Second)))
	if !a.next.Before(a.end) {
		return time.Time{}, false
	}
	a.n++
	return a.next, true
}

func pct(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := int(float64(len(ds)-1) * p)
	return float64(ds[i].Microseconds()) / 1000
}

type subject struct {
	id   int64
	code string
}

// factLookup is the raw SQL side: the enterprise list, the baseline
// query and the durable baseline's insert.
type factLookup struct {
	db   *sql.DB       // SQLite reader
	w    *sql.DB       // SQLite writer
	stmt *sql.Stmt     // SQLite prepared baseline
	ins  *sql.Stmt     // SQLite prepared insert (createDurable)
	pool *pgxpool.Pool // PostgreSQL
}

// The durable baseline's table: a row about the size of a recorded
// question, with its primary key's index.
const (
	durableTable     = "bench_durable_baseline"
	durablePostgres  = `CREATE TABLE IF NOT EXISTS ` + durableTable + ` (id BIGSERIAL PRIMARY KEY, enterprise_id BIGINT NOT NULL, item TEXT NOT NULL, at TIMESTAMPTZ NOT NULL)`
	durableSQLite    = `CREATE TABLE IF NOT EXISTS ` + durableTable + ` (id INTEGER PRIMARY KEY, enterprise_id INTEGER NOT NULL, item TEXT NOT NULL, at TEXT NOT NULL)`
	durableInsertSQL = `INSERT INTO ` + durableTable + ` (enterprise_id, item, at) VALUES ($1, $2, $3)`
)

// createDurable creates the durable baseline's table (and prepares its
// insert on SQLite).
func (l *factLookup) createDurable(ctx context.Context) error {
	if l.pool != nil {
		_, err := l.pool.Exec(ctx, durablePostgres)
		return err
	}
	if _, err := l.w.ExecContext(ctx, durableSQLite); err != nil {
		return err
	}
	stmt, err := l.w.PrepareContext(ctx, durableInsertSQL)
	if err != nil {
		return err
	}
	l.ins = stmt
	return nil
}

// record inserts one row and commits it on its own.
func (l *factLookup) record(ctx context.Context, id int64, item string) error {
	if l.pool != nil {
		_, err := l.pool.Exec(ctx, durableInsertSQL, id, item, time.Now().UTC())
		return err
	}
	_, err := l.ins.ExecContext(ctx, id, item, time.Now().UTC().Format(time.RFC3339Nano))
	return err
}

// dropDurable drops the durable baseline's table.
func (l *factLookup) dropDurable(ctx context.Context) error {
	if l.pool != nil {
		_, err := l.pool.Exec(ctx, `DROP TABLE IF EXISTS `+durableTable)
		return err
	}
	if l.ins != nil {
		l.ins.Close()
		l.ins = nil
	}
	_, err := l.w.ExecContext(ctx, `DROP TABLE IF EXISTS `+durableTable)
	return err
}

const baselineSQL = `SELECT period, num, text, ends_on, version FROM facts WHERE enterprise_id = $1 AND item = $2 AND period >= $3 ORDER BY period`

func newFactLookup(st store.Store) (*factLookup, error) {
	switch s := st.(type) {
	case *sqlite.Store:
		w, r := s.DBs()
		stmt, err := r.Prepare(baselineSQL)
		if err != nil {
			return nil, fmt.Errorf("bench: prepare baseline: %w", err)
		}
		return &factLookup{db: r, w: w, stmt: stmt}, nil
	case *postgres.Store:
		return &factLookup{pool: s.Pool()}, nil
	}
	return nil, fmt.Errorf("bench: unsupported backend %s", st.Backend())
}

func (l *factLookup) close() {
	if l.stmt != nil {
		l.stmt.Close()
	}
	if l.ins != nil {
		l.ins.Close()
	}
}

func (l *factLookup) enterprises(ctx context.Context) ([]subject, error) {
	var out []subject
	const q = `SELECT id, code FROM enterprises ORDER BY id`
	if l.pool != nil {
		rows, err := l.pool.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			var s subject
			if err := rows.Scan(&s.id, &s.code); err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, rows.Err()
	}
	rows, err := l.db.QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s subject
		if err := rows.Scan(&s.id, &s.code); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// facts reads and discards the rows the answer would need.
func (l *factLookup) facts(ctx context.Context, id int64, item string, from time.Time) error {
	var (
		period, text string
		num, version int64
		ends         sql.NullString
	)
	if l.pool != nil {
		rows, err := l.pool.Query(ctx, baselineSQL, id, item, from.Format(time.DateOnly))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var p time.Time
			var e *time.Time
			if err := rows.Scan(&p, &num, &text, &e, &version); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	rows, err := l.stmt.QueryContext(ctx, id, item, from.Format(time.DateOnly))
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&period, &num, &text, &ends, &version); err != nil {
			return err
		}
	}
	return rows.Err()
}
