package app

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/api"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/indicator"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/ingestjob"
	"github.com/creditbridge/creditbridge/internal/ingestqueue"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/modeltrain"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/quality"
	"github.com/creditbridge/creditbridge/internal/region"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/synth"
	"github.com/creditbridge/creditbridge/internal/verify"
	"github.com/creditbridge/creditbridge/internal/web"
)

// Node is one platform node: its configuration, keys, store and services.
type Node struct {
	Config      config.Config
	Log         *slog.Logger
	Keys        keys.Set
	Store       store.Store
	Catalog     *i18n.Catalog
	Accounts    *account.Service
	Enterprises *enterprise.Service
	Audit       *audit.Service
	Items       *catalog.Service     // the catalogue of shared information
	Quality     *quality.Service     // data-quality rules and their runs
	Sharing     *sharing.Service     // reads of catalogue items through the access decision point
	Connectors  *connector.Service   // connectors to departments' interfaces (versioned, secrets sealed)
	Live        *connector.Registry  // the running connectors: Sharing.Live
	Ingest      *ingestqueue.Service // dataset definitions and submitted batches
	Verify      *verify.Service      // verification questions answered as signed attestations
	Rights      *rights.Service      // objections (异议) and credit repair (信用修复)
	Authz       *authz.Service       // enterprises' authorizations (授权), read by the access decision point
	Indicators  *indicator.Service   // versions of the expert indicator system; Indicators.Active for scoring
	Metrics     *server.Metrics
	Monitor     *monitor.Service  // suspensions and alerts (security monitoring)
	Detector    *monitor.Detector // misuse detection over the evidence log
	Gate        *monitor.Gate     // rate limits, suspensions and the detector at the HTTP edge
	Scoring     *scoring.Service  // stored credit scores, batch and incremental rescoring
	Models      *modelreg.Service // the model registry (versions, champion / challenger)
	Training    *modeltrain.Job   // training on the platform's outcomes in the background
}

// Catalog builds the message catalogue from the locale files and every
// package's message table.
func Catalog(def i18n.Lang) (*i18n.Catalog, error) {
	return i18n.New(def, server.Messages, api.Messages, access.Messages, account.Messages, enterprise.Messages,
		catalog.Messages, quality.Messages, audit.Messages, store.Messages, synth.Messages, creditcode.Messages, personid.Messages, region.Messages, industry.Messages, ingest.Messages, ingestjob.Messages, sharing.Messages, authz.Messages, monitor.Messages, rights.Messages, connector.Messages, verify.Messages, modelreg.Messages, modeltrain.Messages, scoring.Messages, features.Messages, indicator.Messages)
}

// ErrStaleSchema is returned by Open when the PostgreSQL schema is behind
// the binary.
var ErrStaleSchema = errors.New("database schema is not current")

// Open loads keys, opens the store (SQLite migrates itself; PostgreSQL must
// be migrated with `creditbridge migrate` first) and builds the services.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*Node, error) {
	// The masking rules of personal items (internal/mask) are loaded once
	// here and handed to what shares values.
	maskRules, err := mask.Platform()
	if err != nil {
		return nil, fmt.Errorf("load the masking rules: %w", err)
	}
	ks, err := keys.LoadOrCreate(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	st, err := backend.Open(ctx, cfg.DSN(), backend.Options{})
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	sch, err := st.Schema(ctx)
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("read schema version: %w", err)
	}
	if !sch.Current() {
		st.Close()
		return nil, fmt.Errorf("%w: database is at version %d, this binary needs %d; run `creditbridge migrate --db ...` first",
			ErrStaleSchema, sch.Applied, sch.Latest)
	}
	cat, err := Catalog(i18n.Lang(cfg.DefaultLang))
	if err != nil {
		st.Close()
		return nil, err
	}
	n := &Node{Config: cfg, Log: log, Keys: ks, Store: st, Catalog: cat}
	n.Accounts = &account.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(account.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		SessionTTL:   cfg.SessionTTL,
		UserThrottle: account.NewThrottle(cfg.LoginMaxFailures, cfg.LoginWindow),
		AddrThrottle: account.NewThrottle(cfg.LoginMaxFailures*4, cfg.LoginWindow),
	}
	n.Enterprises = &enterprise.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(enterprise.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Seal: ks.Data,
	}
	n.Audit = &audit.Service{Store: st, Keys: []ed25519.PublicKey{ks.Public()}}
	n.Items = &catalog.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
	}
	// The schema is current here (checked above) on either backend, so the
	// default catalogue can be loaded; it happens once, on an empty catalogue.
	if loaded, err := n.Items.LoadDefaults(ctx); err != nil {
		st.Close()
		return nil, fmt.Errorf("load the default catalogue: %w", err)
	} else if loaded {
		log.Info("default catalogue of shared information loaded")
	}
	n.Quality = &quality.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(quality.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
	}
	n.Connectors = &connector.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(connector.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Seal:  ks.Data,
		Items: n.Items,
	}
	n.Live = connector.NewRegistry(nil)
	n.Connectors.OnChange = func(ctx context.Context) {
		if err := n.Connectors.Reload(ctx, n.Live); err != nil {
			log.Error("reload the connectors", "error", err)
		}
	}
	if err := n.Connectors.Reload(ctx, n.Live); err != nil {
		// A connector that cannot be loaded (a secret sealed with another
		// data key) leaves its items unavailable, not the node.
		log.Error("load the connectors", "error", err)
	}
	n.Sharing = &sharing.Service{Repo: st, Items: n.Items, Live: n.Live, Mask: maskRules}
	n.Sharing.Marks = st // records under objection or repaired (internal/rights)
	n.Rights = &rights.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(rights.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Items:    n.Items,
		Deadline: cfg.ObjectionDeadline,
	}
	if n.Verify, err = newVerifier(cfg, ks, st, n.Sharing); err != nil {
		st.Close()
		return nil, err
	}
	if err := n.openAuthz(cfg, ks, st, log); err != nil {
		st.Close()
		return nil, err
	}
	n.Ingest = &ingestqueue.Service{Store: st, Enterprises: n.Enterprises, Dir: filepath.Join(cfg.DataDir, "ingest"), MaxUpload: cfg.MaxUploadBytes, Log: log,
		AfterLoad: func(ctx context.Context, j ingestjob.Job) {
			switch _, err := n.Quality.AfterBatch(ctx, j.Dataset, j.Department); {
			case err != nil && ctx.Err() != nil:
				log.Info("data-quality run after a batch left to the daily run: the node is stopping", "batch", j.Batch)
			case err != nil:
				log.Error("data-quality run after a batch failed", "batch", j.Batch, "error", err)
			}
		}}
	var stats store.StatsReporter
	if sr, ok := st.(store.StatsReporter); ok {
		stats = sr
	}
	n.Metrics = server.NewMetrics(stats)
	if err := n.openMonitor(cfg, st, log); err != nil {
		st.Close()
		return nil, err
	}
	if err := n.openIndicators(ctx, st, log); err != nil {
		st.Close()
		return nil, err
	}
	if err := n.openScoring(st); err != nil {
		st.Close()
		return nil, err
	}
	if err := n.openModels(log); err != nil {
		st.Close()
		return nil, err
	}
	return n, nil
}

// Close signs a last checkpoint, so that whatever a command appended to
// the evidence log (a seed, an ingest, an administrative change) is covered
// by the node's signature, and releases the store.
func (n *Node) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _, cpErr := n.Checkpointer().Checkpoint(ctx)
	return errors.Join(cpErr, n.Store.Close())
}

// Handler is the node's whole HTTP surface: the API, the web UI, health,
// readiness and metrics, behind the middleware chain.
func (n *Node) Handler() (http.Handler, error) {
	problems := api.ProblemWriter{Catalog: n.Catalog, Log: n.Log}
	ui, err := web.New(web.Deps{Models: n.Models, Training: n.Training, Indicators: n.Indicators, Scoring: n.Scoring, Catalog: n.Catalog, Accounts: n.Accounts, Enterprises: n.Enterprises, Audit: n.Audit, Items: n.Items, Quality: n.Quality, Sharing: n.Sharing, Ingest: n.Ingest, Rights: n.Rights, Authz: n.Authz, Connectors: n.Connectors, Live: n.Live, Verify: n.Verify,
		Monitor: n.Monitor, CookieSecure: n.Config.CookieSecure, SessionTTL: n.Config.SessionTTL, NodeName: n.Config.NodeName, Log: n.Log})
	if err != nil {
		return nil, err
	}
	onErr := func(w http.ResponseWriter, r *http.Request, err error) {
		if strings.HasPrefix(r.URL.Path, "/api/") {
			problems.Write(w, r, err)
			return
		}
		ui.RenderError(w, r, err)
	}
	mux := http.NewServeMux()
	api.New(api.Deps{Indicators: n.Indicators, Scoring: n.Scoring, Models: n.Models, Connectors: n.Connectors, Catalog: n.Catalog, Accounts: n.Accounts, Enterprises: n.Enterprises, Audit: n.Audit, Items: n.Items, Quality: n.Quality, Sharing: n.Sharing, Ingest: n.Ingest, Verify: n.Verify, Rights: n.Rights, Monitor: n.Monitor, Authz: n.Authz,
		Problems: problems, CookieSecure: n.Config.CookieSecure}).Register(mux)
	ui.Register(mux)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		if err := n.Store.Ping(ctx); err != nil {
			n.Log.Warn("readiness check failed", "error", err)
			http.Error(w, "database unavailable", http.StatusServiceUnavailable)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ready\n")
	})
	mux.Handle("GET /metrics", n.Metrics.Handler())

	var h http.Handler = server.Routed(mux)
	h = server.Admit(n.Gate, onErr, h)
	h = server.Authenticate(n.Accounts, onErr, h)
	h = n.limitBodies(onErr, h)
	h = server.CrossOrigin(onErr, h)
	h = server.Language(n.Catalog, h)
	h = server.SecurityHeaders(h)
	h = server.Observe(n.Log, n.Metrics, onErr, h)
	return h, nil
}

// Serve runs the HTTP server on ln with the node's background jobs (log
// checkpoints, session clean-up, the daily data-quality run) until ctx ends.
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	h, err := n.Handler()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	n.Training.Context = ctx // a training run started from /models stops with the node
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.Checkpointer().Run(ctx, n.Config.CheckpointInterval, func(err error) { n.Log.Error("checkpoint failed", "error", err) })
	}()
	// Every goroutine started here is joined below, before Serve returns:
	// the caller closes the store next, and a job still running then would
	// use (or reopen) the database after the node has closed it.
	sessionsDone := make(chan struct{})
	go func() {
		defer close(sessionsDone)
		n.cleanSessions(ctx)
	}()
	watchDone := make(chan struct{})
	go func() {
		defer close(watchDone)
		n.Connectors.Watch(ctx, n.Live, time.Minute, func(err error) { n.Log.Error("reload the connectors", "error", err) })
	}()
	ingestDone := make(chan struct{})
	go func() {
		defer close(ingestDone)
		n.Ingest.Run(ctx, time.Minute)
	}()
	qualityDone := make(chan struct{})
	go func() {
		defer close(qualityDone)
		(&quality.Scheduler{Service: n.Quality, Log: n.Log}).Run(ctx)
	}()
	rightsDone := make(chan struct{})
	go func() {
		defer close(rightsDone)
		// Objections past their deadline escalate to the operator.
		n.Rights.Sweep(ctx, 10*time.Minute, func(err error) { n.Log.Error("objection escalation sweep failed", "error", err) })
	}()
	authzDone := make(chan struct{})
	go func() {
		defer close(authzDone)
		n.runAuthz(ctx) // webhooks and the expiry sweep
	}()
	monitorDone := make(chan struct{})
	go func() {
		defer close(monitorDone)
		n.Detector.Run(ctx, n.Config.MonitorInterval)
	}()
	scoringDone := make(chan struct{})
	go func() {
		defer close(scoringDone)
		n.runScoring(ctx) // incremental rescoring from the recompute queue
	}()
	err = server.Serve(ctx, ln, h, n.Log, n.Config.ShutdownTimeout)
	cancel()
	<-monitorDone
	<-scoringDone
	n.Scoring.Wait()  // a batch run started from /scores
	n.Training.Wait() // a training run started from /models
	<-authzDone
	<-done
	<-qualityDone
	<-rightsDone
	<-ingestDone
	<-sessionsDone
	<-watchDone
	return err
}

// Checkpointer signs the evidence log head with the node key.
func (n *Node) Checkpointer() audit.Checkpointer {
	return audit.Checkpointer{Store: n.Store, Key: n.Keys.Node}
}

func (n *Node) cleanSessions(ctx context.Context) {
	t := time.NewTicker(10 * time.Minute)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if k, err := n.Store.DeleteExpiredSessions(ctx, time.Now().UTC()); err != nil && !fault.Is(err, fault.Canceled) {
				n.Log.Error("session clean-up failed", "error", err)
			} else if k > 0 {
				n.Log.Info("expired sessions removed", "count", k)
			}
		}
	}
}
