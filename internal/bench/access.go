package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// AccessTarget is the node the access benchmark runs against: its store,
// services and whole HTTP handler (internal/app builds it; this package
// cannot import app).
type AccessTarget struct {
	Store       store.Store
	Handler     http.Handler
	Enterprises *enterprise.Service
	Accounts    *account.Service
	Authz       *authz.Service
	// Policies resolves catalogue items (sharing.Service.Policies).
	Policies func(ctx context.Context, items []string) ([]access.ItemPolicy, error)
}

// AccessOptions configure the access benchmark.
type AccessOptions struct {
	Concurrency int
	Duration    time.Duration // of each phase
	Enterprises int           // seeded when the database holds none
	Months      int
	Subjects    int       // enterprises the institution holds authorizations from
	Progress    io.Writer // seeding progress; nil for none
	// CPUProfile, when set, receives a CPU profile of the full-read phase
	// (runtime/pprof format, for go tool pprof).
	CPUProfile io.Writer
	// DetectorRunning tells that the node's misuse detector runs beside
	// the benchmark (reported as such).
	DetectorRunning bool
}

// AccessResult is the one JSON object Access prints. Decision latencies
// are microseconds, read latencies milliseconds.
type AccessResult struct {
	Backend      string   `json:"backend"`
	Enterprises  int      `json:"enterprises"`
	Seeded       bool     `json:"seeded"`
	SeedSeconds  float64  `json:"seed_seconds,omitempty"`
	Concurrency  int      `json:"concurrency"`
	Seconds      float64  `json:"seconds_per_phase"`
	Subjects     int      `json:"authorized_enterprises"`
	GrantsPerReq int      `json:"grants_per_decision"`
	Items        []string `json:"items"`
	// The decision point alone: access.Decide on prepared requests (the
	// catalogue's policies and the institution's real authorizations for
	// the enterprise, loaded beforehand), 1 in 10 asking for a purpose
	// the grants do not name (a denial).
	Decisions       int64   `json:"decisions"`
	DecisionsPerSec float64 `json:"decisions_per_sec"`
	DecisionP50Us   float64 `json:"decision_p50_us"`
	DecisionP99Us   float64 `json:"decision_p99_us"`
	DecisionDenied  int64   `json:"decisions_denied"`
	// A full data-API read: GET /api/v1/enterprises/{code}/data over HTTP
	// on loopback through the node's handler (authentication, limits,
	// decision with authorizations loaded, facts read, evidence written).
	Reads        int64   `json:"reads"`
	ReadsRefused int64   `json:"reads_refused"` // 429 from the rate limits, not timed
	ReadsPerSec  float64 `json:"reads_per_sec"`
	ReadP50Ms    float64 `json:"read_p50_ms"`
	ReadP99Ms    float64 `json:"read_p99_ms"`
	BodyBytes    int     `json:"body_bytes"`
	// ReadCPUMs is the process's CPU time (user and system, the client's
	// included) per full read; on a machine shared with other work it
	// moves less than the rates do. Zero where /proc is missing.
	ReadCPUMs float64 `json:"read_cpu_ms_per_read"`
	// The baseline: a bare handler returning a fixed JSON body of the same
	// size, same client, same loopback.
	BaselineReads   int64   `json:"baseline_reads"`
	BaselinePerSec  float64 `json:"baseline_reads_per_sec"`
	BaselineP50Ms   float64 `json:"baseline_p50_ms"`
	BaselineP99Ms   float64 `json:"baseline_p99_ms"`
	BaselineCPUMs   float64 `json:"baseline_cpu_ms_per_read"`
	RatioRate       float64 `json:"ratio_rate"`
	RatioP99        float64 `json:"ratio_p99"`
	EvidencePerRead int     `json:"evidence_entries_per_read"`
	DetectorRunning bool    `json:"detector_running"`
	GoVersion       string  `json:"go_version"`
	CPUs            int     `json:"cpus"`
	StartedAt       string  `json:"started_at"`
}

// accessItems are what the institution reads: two conditionally shared
// tax items (grade 3, need the authorization) and one public L1 item.
var accessItems = []string{"tax.paid_total", "tax.credit_grade", "judicial.dishonest"}

// Access benchmarks the access decision point and a full data-API read
// on the region in t.Store, seeding one first if it holds no enterprise,
// and writes one JSON AccessResult to w.
func Access(ctx context.Context, t AccessTarget, o AccessOptions, w io.Writer) error {
	if o.Concurrency <= 0 || o.Duration <= 0 {
		return errors.New("bench: concurrency and duration must be positive")
	}
	if o.Subjects <= 0 {
		o.Subjects = 200
	}
	res := AccessResult{Concurrency: o.Concurrency, Seconds: o.Duration.Seconds(), GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		StartedAt: time.Now().UTC().Format(time.RFC3339), Items: accessItems, Backend: t.Store.Backend(), EvidencePerRead: 1,
		DetectorRunning: o.DetectorRunning}
	n, err := t.Store.CountEnterprises(ctx)
	if err != nil {
		return err
	}
	if n == 0 {
		g, err := synth.New(synth.Config{Enterprises: o.Enterprises, Seed: 7, Months: o.Months})
		if err != nil {
			return err
		}
		start := time.Now()
		if _, err := seed.Run(ctx, g, seed.Options{Store: t.Store, Enterprises: t.Enterprises, BatchSize: 1000, Progress: o.Progress}); err != nil {
			return err
		}
		res.Seeded, res.SeedSeconds = true, time.Since(start).Seconds()
	}
	look, err := newFactLookup(t.Store)
	if err != nil {
		return err
	}
	all, err := look.enterprises(ctx)
	look.close()
	if err != nil {
		return err
	}
	res.Enterprises = len(all)
	if len(all) == 0 {
		return errors.New("bench: no enterprise to read")
	}
	rng := mrand.New(mrand.NewPCG(7, 11))
	subjects := make([]subject, min(o.Subjects, len(all)))
	for i, k := range rng.Perm(len(all))[:len(subjects)] {
		subjects[i] = all[k]
	}
	res.Subjects = len(subjects)

	// The institution, its API key and its authorizations: for each
	// subject an active one for the items (loan application), plus a
	// revoked older one and a monitoring one, so the decision point picks
	// among several as it does in life.
	stamp := time.Now().UTC().Format("150405.000000")
	sys := account.SystemActor
	org, err := t.Accounts.CreateOrg(ctx, sys, account.Org{Kind: account.KindInstitution, Name: "访问基准测试银行（模拟） " + stamp, AccessTier: 3})
	if err != nil {
		return err
	}
	secret, key, err := t.Accounts.CreateAPIKey(ctx, sys, account.NewAPIKey{OrgID: org.ID, Name: "bench access", Scopes: []account.Scope{account.ScopeEnterpriseRead}})
	if err != nil {
		return err
	}
	bank := access.Principal{Username: "bench-access", OrgID: org.ID, OrgKind: account.KindInstitution, OrgName: org.Name,
		AccessTier: 3, APIKeyID: key.ID, APIKeyPrefix: key.Prefix, Scopes: key.Scopes}
	today := time.Now().UTC()
	in := authz.RequestInput{Items: []string{"tax."}, DataFrom: today.AddDate(-5, 0, 0).Format(time.DateOnly), DataTo: today.Format(time.DateOnly),
		ValidUntil: today.AddDate(0, 6, 0).Format(time.DateOnly), FetchType: "periodic", Frequency: "monthly", Mode: "view"}
	grants := make([][]access.Grant, len(subjects))
	for i, s := range subjects {
		owner := access.Principal{Username: "bench-owner", OrgKind: account.KindEnterprise, EnterpriseID: s.id, Role: account.RoleEnterpriseAdmin}
		for _, v := range []struct {
			purpose string
			revoke  bool
		}{{access.PurposeLoan, true}, {access.PurposeMonitoring, false}, {access.PurposeLoan, false}} {
			r := in
			r.CreditCode, r.Purpose = s.code, v.purpose
			a, err := t.Authz.Request(ctx, bank, r)
			if err != nil {
				return fmt.Errorf("bench: request an authorization: %w", err)
			}
			if _, err := t.Authz.Approve(ctx, owner, a.ID, nil); err != nil {
				return fmt.Errorf("bench: approve an authorization: %w", err)
			}
			if v.revoke {
				if _, err := t.Authz.Revoke(ctx, owner, a.ID, "superseded"); err != nil {
					return fmt.Errorf("bench: revoke an authorization: %w", err)
				}
			}
		}
		if grants[i], err = t.Authz.Grants(ctx, org.ID, s.id); err != nil {
			return err
		}
	}
	res.GrantsPerReq = len(grants[0])
	pols, err := t.Policies(ctx, accessItems)
	if err != nil {
		return err
	}

	// Phase 1: the decision point alone.
	var denied atomic.Int64
	vo := VerifyOptions{Concurrency: o.Concurrency, Duration: o.Duration}
	decRun, err := phase(ctx, vo, func(rng *mrand.Rand) error {
		i := rng.IntN(len(subjects))
		purpose := access.PurposeLoan
		if rng.IntN(10) == 0 {
			purpose = access.PurposeCreditReview
		}
		d := access.Decide(access.Request{Principal: bank, Action: "data.read", EnterpriseID: subjects[i].id, Items: accessItems,
			Purpose: purpose, Policies: pols, Grants: grants[i], GrantsLoaded: true, Now: time.Now()})
		if !d.Allow {
			if purpose == access.PurposeLoan {
				return fmt.Errorf("bench: the decision point refused an authorized read: %s", d.Reason)
			}
			denied.Add(1)
		}
		return nil
	})
	if err != nil {
		return err
	}
	dec := decRun.lat
	res.Decisions, res.DecisionDenied = int64(len(dec)), denied.Load()
	res.DecisionsPerSec = float64(len(dec)) / o.Duration.Seconds()
	res.DecisionP50Us, res.DecisionP99Us = pctUs(dec, 0.50), pctUs(dec, 0.99)

	// Phase 2: full reads over HTTP through the node's handler.
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: o.Concurrency * 2, MaxConnsPerHost: o.Concurrency * 2,
		DisableCompression: true}, Timeout: 30 * time.Second}
	defer client.CloseIdleConnections()
	base, stop, err := listen(t.Handler)
	if err != nil {
		return err
	}
	q := url.Values{"items": {strings.Join(accessItems, ",")}, "purpose": {access.PurposeLoan}}.Encode()
	get := func(u string) (int, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return 0, nil, err
		}
		req.Header.Set("Authorization", "Bearer "+secret)
		resp, err := client.Do(req)
		if err != nil {
			return 0, nil, err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		return resp.StatusCode, b, err
	}
	code, sample, err := get(base + "/api/v1/enterprises/" + subjects[0].code + "/data?" + q)
	if err != nil {
		stop()
		return err
	}
	if code != http.StatusOK {
		stop()
		return fmt.Errorf("bench: data API answered %d: %.300s", code, sample)
	}
	res.BodyBytes = len(sample)
	var refused atomic.Int64
	cpu0 := processCPU()
	if o.CPUProfile != nil {
		if err := pprof.StartCPUProfile(o.CPUProfile); err != nil {
			stop()
			return err
		}
	}
	readsRun, err := phase(ctx, vo, func(rng *mrand.Rand) error {
		s := subjects[rng.IntN(len(subjects))]
		code, b, err := get(base + "/api/v1/enterprises/" + s.code + "/data?" + q)
		switch {
		case err != nil:
			return err
		case code == http.StatusTooManyRequests:
			refused.Add(1)
			return errSkip
		case code != http.StatusOK:
			return fmt.Errorf("bench: data API answered %d: %.300s", code, b)
		}
		return nil
	})
	if o.CPUProfile != nil {
		pprof.StopCPUProfile()
	}
	readCPU := processCPU() - cpu0
	stop()
	if err != nil {
		return err
	}
	reads := readsRun.lat
	res.Reads, res.ReadsRefused = int64(len(reads)), refused.Load()
	res.ReadsPerSec = float64(len(reads)) / o.Duration.Seconds()
	res.ReadP50Ms, res.ReadP99Ms = pct(reads, 0.50), pct(reads, 0.99)
	if len(reads) > 0 && cpu0 > 0 {
		res.ReadCPUMs = float64(readCPU.Microseconds()) / 1000 / float64(len(reads))
	}

	// Phase 3: the baseline, a bare handler with a body of the same size.
	body := json.RawMessage(sample)
	bare := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	})
	base, stop, err = listen(bare)
	if err != nil {
		return err
	}
	cpu0 = processCPU()
	blRun, err := phase(ctx, vo, func(*mrand.Rand) error {
		code, _, err := get(base + "/fixed")
		if err == nil && code != http.StatusOK {
			err = fmt.Errorf("bench: baseline answered %d", code)
		}
		return err
	})
	stop()
	if err != nil {
		return err
	}
	bl := blRun.lat
	res.BaselineReads = int64(len(bl))
	res.BaselinePerSec = float64(len(bl)) / o.Duration.Seconds()
	res.BaselineP50Ms, res.BaselineP99Ms = pct(bl, 0.50), pct(bl, 0.99)
	if blCPU := processCPU() - cpu0; len(bl) > 0 && cpu0 > 0 {
		res.BaselineCPUMs = float64(blCPU.Microseconds()) / 1000 / float64(len(bl))
	}
	if res.BaselinePerSec > 0 && res.BaselineP99Ms > 0 {
		res.RatioRate = res.ReadsPerSec / res.BaselinePerSec
		res.RatioP99 = res.ReadP99Ms / res.BaselineP99Ms
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc.Encode(res)
}

// listen serves h on a loopback port until stop is called.
func listen(h http.Handler) (base string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_ = srv.Serve(ln)
	}()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		wg.Wait()
	}, nil
}

// pctUs is pct in microseconds with sub-microsecond resolution.
func pctUs(ds []time.Duration, p float64) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return float64(ds[int(float64(len(ds)-1)*p)].Nanoseconds()) / 1000
}

// processCPU is the CPU time (user and system) the process has used, from
// /proc/self/stat in clock ticks of 10 ms; zero where it cannot be read.
func processCPU() time.Duration {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0
	}
	// The command name (field 2) is in parentheses and may hold spaces;
	// utime and stime are fields 14 and 15, the 12th and 13th after it.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return 0
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	s, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0
	}
	return time.Duration(u+s) * 10 * time.Millisecond
}
