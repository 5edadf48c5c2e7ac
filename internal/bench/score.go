package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"net/http/httptest"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// ScoreTarget is the node the scoring benchmark runs against (built by
// internal/app, which this package cannot import).
type ScoreTarget struct {
	Store       store.Store
	Handler     http.Handler
	Enterprises *enterprise.Service
	Accounts    *account.Service
	Authz       *authz.Service
	Scoring     *scoring.Service
}

// ScoreOptions configure the scoring benchmark.
type ScoreOptions struct {
	Enterprises int // seeded into the empty database
	Months      int
	Workers     int // batch run workers and baseline readers
	// Explanations is how many explanation reads are timed.
	Explanations int
	Progress     io.Writer // seeding progress; nil for none
}

// ScoreResult is the one JSON object Score prints.
type ScoreResult struct {
	Backend     string  `json:"backend"`
	Enterprises int     `json:"enterprises"`
	Months      int     `json:"months"`
	SeedSeconds float64 `json:"seed_seconds"`
	Workers     int     `json:"workers"`
	// The batch run: every enterprise's facts and loans read through the
	// decision point (one evidence entry each, appended in bulk), features,
	// indicator system, champion scorecard when promoted, reasons, stored.
	Model           string  `json:"model"`
	Scored          int64   `json:"scored"`
	Failed          int64   `json:"failed"`
	ScoreSeconds    float64 `json:"score_seconds"`
	ScoredPerSec    float64 `json:"scored_per_sec"`
	AvgSourceGroups float64 `json:"avg_source_groups"`
	AvgFeatures     float64 `json:"avg_features"`
	// The baseline in the same run: the same reads without scoring —
	// QueryFacts (every item, known at the as-of instant) and LoansOf per
	// enterprise, the same number of readers, nothing stored.
	BaselineSeconds float64 `json:"baseline_seconds"`
	BaselinePerSec  float64 `json:"baseline_per_sec"`
	BaselineFacts   int64   `json:"baseline_facts_read"`
	Ratio           float64 `json:"ratio_scored_to_baseline"`
	// One explanation read through the node's whole handler in process
	// (authentication by API key, decision with the institution's
	// authorizations, latest score read, evidence written):
	// GET /api/v1/enterprises/{code}/score.
	Explanations   int     `json:"explanations"`
	ExplainP50Ms   float64 `json:"explain_p50_ms"`
	ExplainP99Ms   float64 `json:"explain_p99_ms"`
	ExplainBytes   int     `json:"explain_body_bytes"`
	EvidencePerRun int64   `json:"evidence_entries_of_run"`
	GoVersion      string  `json:"go_version"`
	CPUs           int     `json:"cpus"`
	StartedAt      string  `json:"started_at"`
}

// Score seeds o.Enterprises synthetic enterprises into the empty store of
// t, scores them all in one batch run, measures the raw reads of the same
// data as the baseline, times explanation reads and writes one JSON
// ScoreResult to w.
func Score(ctx context.Context, t ScoreTarget, o ScoreOptions, w io.Writer) error {
	if o.Enterprises <= 0 || o.Months <= 0 {
		return errors.New("bench: enterprises and months must be positive")
	}
	if o.Workers <= 0 {
		o.Workers = runtime.NumCPU()
	}
	if o.Explanations <= 0 {
		o.Explanations = 2000
	}
	res := ScoreResult{Backend: t.Store.Backend(), Months: o.Months, Workers: o.Workers, GoVersion: runtime.Version(),
		CPUs: runtime.NumCPU(), StartedAt: time.Now().UTC().Format(time.RFC3339)}
	n, err := t.Store.CountEnterprises(ctx)
	if err != nil {
		return err
	}
	if n != 0 {
		return fmt.Errorf("bench: the database already holds %d enterprises; bench score seeds an empty one", n)
	}
	g, err := synth.New(synth.Config{Enterprises: o.Enterprises, Seed: 7, Months: o.Months})
	if err != nil {
		return err
	}
	start := time.Now()
	if _, err := seed.Run(ctx, g, seed.Options{Store: t.Store, Enterprises: t.Enterprises, BatchSize: 1000, Progress: o.Progress}); err != nil {
		return err
	}
	res.SeedSeconds = time.Since(start).Seconds()
	asOf := time.Now().UTC()
	head0, err := t.Store.AuditHead(ctx)
	if err != nil {
		return err
	}

	// The scored run.
	t.Scoring.Workers = o.Workers
	start = time.Now()
	run, err := t.Scoring.Run(ctx, access.System, scoring.RunOptions{AsOf: asOf})
	if err != nil {
		return err
	}
	res.ScoreSeconds = time.Since(start).Seconds()
	res.Enterprises, res.Scored, res.Failed, res.Model = int(run.Enterprises), run.Scored, run.Failed, run.Model
	if run.Failed > 0 {
		return fmt.Errorf("bench: %d enterprises could not be scored, first: %+v", run.Failed, run.Errors[0])
	}
	res.ScoredPerSec = float64(run.Scored) / res.ScoreSeconds
	head1, err := t.Store.AuditHead(ctx)
	if err != nil {
		return err
	}
	res.EvidencePerRun = head1.Seq - head0.Seq

	// The baseline: the same reads, nothing else.
	start = time.Now()
	read, err := rawReads(ctx, t.Store, o.Workers, asOf)
	if err != nil {
		return err
	}
	res.BaselineSeconds = time.Since(start).Seconds()
	res.BaselinePerSec = float64(run.Enterprises) / res.BaselineSeconds
	res.BaselineFacts = read
	res.Ratio = res.ScoredPerSec / res.BaselinePerSec

	subjects, err := t.Store.EnterprisesAfter(ctx, 0, 200)
	if err != nil {
		return err
	}
	var groups, feats int
	for _, s := range subjects {
		sc, err := t.Store.LatestScore(ctx, s.ID)
		if err != nil {
			return err
		}
		groups += len(sc.Sources)
		feats += len(sc.Features.Num) + len(sc.Features.Cat)
	}
	res.AvgSourceGroups = float64(groups) / float64(len(subjects))
	res.AvgFeatures = float64(feats) / float64(len(subjects))

	// Explanations through the handler, as an institution holding an
	// authorization for the financing category from each subject.
	secret, err := scoreInstitution(ctx, t, subjects)
	if err != nil {
		return err
	}
	lat := make([]time.Duration, 0, o.Explanations)
	rng := mrand.New(mrand.NewPCG(7, 13))
	for range o.Explanations {
		s := subjects[rng.IntN(len(subjects))]
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/enterprises/"+s.Code+"/score?purpose="+access.PurposeLoan, nil)
		req.Header.Set("Authorization", "Bearer "+secret)
		req.RemoteAddr = "127.0.0.1:1"
		rec := httptest.NewRecorder()
		t0 := time.Now()
		t.Handler.ServeHTTP(rec, req)
		d := time.Since(t0)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("bench: score API answered %d: %.300s", rec.Code, rec.Body.String())
		}
		res.ExplainBytes = rec.Body.Len()
		lat = append(lat, d)
	}
	res.Explanations = len(lat)
	res.ExplainP50Ms, res.ExplainP99Ms = pct(lat, 0.50), pct(lat, 0.99)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

// rawReads reads every enterprise's facts (as the feature engine asks for
// them) and loans with workers readers and returns the facts read.
func rawReads(ctx context.Context, st store.Store, workers int, asOf time.Time) (int64, error) {
	pages := make(chan []enterprise.Record, workers)
	var total atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers+1)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(pages)
		var after int64
		for {
			page, err := st.EnterprisesAfter(ctx, after, 500)
			if err != nil {
				errs <- err
				return
			}
			if len(page) == 0 {
				return
			}
			after = page[len(page)-1].ID
			select {
			case pages <- page:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for page := range pages {
				for _, e := range page {
					fs, err := st.QueryFacts(ctx, facts.Query{EnterpriseID: e.ID, To: asOf, KnownAt: asOf, Limit: 100_000})
					if err == nil {
						_, err = st.LoansOf(ctx, e.ID)
					}
					if err != nil {
						errs <- err
						cancel()
						return
					}
					total.Add(int64(len(fs)))
				}
			}
		}()
	}
	wg.Wait()
	select {
	case err := <-errs:
		return 0, err
	default:
	}
	return total.Load(), nil
}

// scoreInstitution creates an institution with an API key and, from each
// subject, an active authorization for loan applications covering the
// financing category (the score item among them); it returns the key.
func scoreInstitution(ctx context.Context, t ScoreTarget, subjects []enterprise.Record) (string, error) {
	stamp := time.Now().UTC().Format("150405.000000")
	sys := account.SystemActor
	org, err := t.Accounts.CreateOrg(ctx, sys, account.Org{Kind: account.KindInstitution, Name: "评分基准测试银行（模拟） " + stamp, AccessTier: 3})
	if err != nil {
		return "", err
	}
	secret, key, err := t.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: org.ID, Name: "bench score", Scopes: []account.Scope{account.ScopeEnterpriseRead}})
	if err != nil {
		return "", err
	}
	bank := access.Principal{Username: "bench-score", OrgID: org.ID, OrgKind: account.KindInstitution, OrgName: org.Name,
		AccessTier: 3, APIKeyID: key.ID, APIKeyPrefix: key.Prefix, Scopes: key.Scopes}
	today := time.Now().UTC()
	for _, s := range subjects {
		owner := access.Principal{Username: "bench-owner", OrgKind: account.KindEnterprise, EnterpriseID: s.ID, Role: account.RoleEnterpriseAdmin}
		a, err := t.Authz.Request(ctx, bank, authz.RequestInput{CreditCode: s.Code, Purpose: access.PurposeLoan, Items: []string{"financing."},
			DataFrom: today.AddDate(-5, 0, 0).Format(time.DateOnly), DataTo: today.AddDate(0, 0, 1).Format(time.DateOnly),
			ValidUntil: today.AddDate(0, 6, 0).Format(time.DateOnly), FetchType: "periodic", Frequency: "monthly", Mode: "view"})
		if err != nil {
			return "", fmt.Errorf("bench: request an authorization: %w", err)
		}
		if _, err := t.Authz.Approve(ctx, owner, a.ID, nil); err != nil {
			return "", fmt.Errorf("bench: approve an authorization: %w", err)
		}
	}
	return secret, nil
}
