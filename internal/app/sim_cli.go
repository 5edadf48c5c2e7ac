package app

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/deptsim"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/server"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Region sizes of `sim department --region`.
var simRegions = map[string]int{"small": 2000, "medium": 100_000, "large": 1_000_000}

// runSimDepartment runs `creditbridge sim department`: a department
// simulator serving a synthetic region over HTTP until SIGINT/SIGTERM.
// Secrets may come from the environment (CREDITBRIDGE_SIM_API_KEY,
// CREDITBRIDGE_SIM_HMAC_SECRET) so they stay out of process listings.
func runSimDepartment(ctx context.Context, e Env, args []string) error {
	fs := flag.NewFlagSet("creditbridge sim department", flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	var (
		addr, region, depts, mode, hdr string
		o                              deptsim.Options
	)
	fs.StringVar(&addr, "addr", "127.0.0.1:8090", "listen address (port 0: any free port, printed)")
	fs.StringVar(&o.Data, "data", "", "serve the region held in `DIR`, a directory of department files with its manifest.json (written by creditbridge seed --no-db --files DIR), instead of generating one; dirty rows are skipped and counted in /_sim/stats")
	fs.StringVar(&region, "region", "", "region size: small (2000), medium (100000) or large (1000000); overrides --enterprises")
	fs.IntVar(&o.Region.Enterprises, "enterprises", 2000, "enterprises in the synthetic region")
	fs.Uint64Var(&o.Region.Seed, "seed", 2021, "generator seed (the demo's region is 2021)")
	fs.IntVar(&o.Region.Months, "months", 36, "months of department data")
	fs.StringVar(&o.Region.Province, "province", "32", "two-digit GB/T 2260 province code")
	fs.DurationVar(&o.Latency, "latency", 0, "added to every answer, e.g. 20ms")
	fs.DurationVar(&o.Jitter, "jitter", 0, "plus a uniform random delay below this")
	fs.Float64Var(&o.FailureRate, "failure-rate", 0, "share of requests that fail (0-1)")
	fs.StringVar(&mode, "failure-mode", deptsim.FailMixed, "how requests fail: mixed, error (HTTP 500) or hang")
	fs.StringVar(&depts, "departments", "", "departments served, comma-separated (default all: tax,hrss,hf,grid,water,gas,court,samr,sci,nr,pbc)")
	fs.StringVar(&o.APIKey, "api-key", envValue(e.Environ, "CREDITBRIDGE_SIM_API_KEY"), "API key callers must send (or CREDITBRIDGE_SIM_API_KEY)")
	fs.StringVar(&hdr, "api-key-header", "X-API-Key", "header carrying the API key")
	fs.StringVar(&o.HMACSecret, "hmac-secret", envValue(e.Environ, "CREDITBRIDGE_SIM_HMAC_SECRET"), "HMAC-SHA256 secret callers sign with (or CREDITBRIDGE_SIM_HMAC_SECRET)")
	fs.StringVar(&o.HMACKeyID, "hmac-key-id", "creditbridge", "HMAC key id callers send")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	if o.Data != "" {
		var clash []string
		fs.Visit(func(f *flag.Flag) {
			switch f.Name {
			case "region", "enterprises", "seed", "months", "province":
				clash = append(clash, "--"+f.Name)
			}
		})
		if len(clash) > 0 {
			return fmt.Errorf("%w: --data serves the region its files hold; %s generate one instead: give one or the other", errUsage, strings.Join(clash, ", "))
		}
	}
	if region != "" {
		n, ok := simRegions[region]
		if !ok {
			return fmt.Errorf("%w: --region must be small, medium or large, not %q", errUsage, region)
		}
		o.Region.Enterprises = n
	}
	if (o.APIKey == "") == (o.HMACSecret == "") {
		return fmt.Errorf("%w: give exactly one of --api-key and --hmac-secret (the department's authentication)", errUsage)
	}
	o.APIKeyHeader, o.FailureMode = hdr, mode
	if depts != "" {
		for _, d := range strings.Split(depts, ",") {
			if d = strings.TrimSpace(d); d != "" {
				o.Departments = append(o.Departments, d)
			}
		}
	}
	log := slog.New(slog.NewTextHandler(e.Stderr, nil))
	start := time.Now()
	sim, err := deptsim.New(ctx, o)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, deptsim.ErrData) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen on %s (flag --addr): %w", addr, err)
	}
	listenURL := "http://" + ln.Addr().String()
	enterprises := len(sim.Codes())
	fmt.Fprintf(e.Stdout, "department simulator listening on %s (%d enterprises, ready in %.1fs)\n", listenURL, enterprises, time.Since(start).Seconds())
	if o.Data != "" {
		st := sim.Stats()
		fmt.Fprintf(e.Stdout, "serving the department files in %s: %d data rows, %d dirty rows skipped\n", o.Data, st.DataRows, st.SkippedRows)
		log.Info("department simulator", "url", listenURL, "data", o.Data, "enterprises", enterprises, "data_rows", st.DataRows,
			"skipped_rows", st.SkippedRows, "latency", o.Latency.String(), "jitter", o.Jitter.String(), "failure_rate", o.FailureRate,
			"failure_mode", mode)
	} else {
		log.Info("department simulator", "url", listenURL, "enterprises", enterprises, "seed", o.Region.Seed,
			"latency", o.Latency.String(), "jitter", o.Jitter.String(), "failure_rate", o.FailureRate, "failure_mode", mode)
	}
	if e.Ready != nil {
		e.Ready(ln.Addr().String())
	}
	return serveSimulator(ctx, ln, sim, log)
}

// serveSimulator serves sim on ln until ctx ends; hanging requests are
// released first so shutdown does not wait for them.
func serveSimulator(ctx context.Context, ln net.Listener, sim *deptsim.Server, log *slog.Logger) error {
	stop := context.AfterFunc(ctx, sim.Close)
	defer stop()
	return server.Serve(ctx, ln, sim.Handler(), log, 5*time.Second)
}

func envValue(environ []string, key string) string {
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && k == key {
			return v
		}
	}
	return ""
}

// SimConnector is a connector configuration for a department served by
// the simulator at baseURL, signing with HMAC key "creditbridge" and
// secret: the simulator's request path and answer, every item the
// simulator serves for the department that the catalogue lists, amounts
// in 元 scaled to fen.
func SimConnector(name, department, baseURL, secret string, items []string, units map[string]string) connector.Config {
	c := connector.Config{
		Name: name, Department: department, Enabled: true, BaseURL: baseURL,
		Auth:    connector.Auth{Type: connector.AuthHMAC, KeyID: "creditbridge", Secret: secret},
		Request: connector.Request{Method: "GET", Path: "/api/" + department + "/v1/enterprises/{credit_code}/items/{item}?from={from}&to={to}"},
		Response: connector.Response{Records: "data.records", Period: "period", Num: "value", Text: "text", Ref: "ref",
			EndsOn: "ends_on", Detail: "detail"},
		Timeout: connector.Duration(2 * time.Second), Retries: 2,
		Backoff:   connector.Backoff{Initial: connector.Duration(100 * time.Millisecond), Max: connector.Duration(time.Second)},
		Breaker:   connector.Breaker{Failures: 5, Cooldown: connector.Duration(30 * time.Second)},
		RateLimit: connector.RateLimit{PerSecond: 50, Burst: 20},
		CacheTTL:  connector.Duration(5 * time.Minute),
	}
	for _, it := range items {
		si := connector.ServedItem{Code: it, Remote: strings.SplitN(it, ".", 2)[1], NumScale: 1}
		if units[it] == "fen" {
			si.NumScale = 100
		}
		c.Items = append(c.Items, si)
	}
	return c
}

// demoInterfaceItems are the default catalogue's items shared only by
// interface call, by department: the demo serves them from an in-process
// simulator so that reading them works end to end.
var demoInterfaceItems = map[string][]string{
	"samr":  {deptsim.ItemLegalRep, deptsim.ItemKeyPersonnel},
	"court": {deptsim.ItemConsumption},
	"nr":    {deptsim.ItemRealEstate, deptsim.ItemRealEstateMort},
	"pbc":   {deptsim.ItemMovableMortgage},
}

// startDemoSimulator starts a department simulator for the demo's region
// on a loopback port and points one connector per department at it (a new
// connector version when the port or secret changed since the last start).
// It serves until ctx ends or stop is called; stop returns when it has
// stopped (no goroutine of it outlives the demo).
func startDemoSimulator(ctx context.Context, n *Node, enterprises int, log *slog.Logger) (stop func(), err error) {
	// A later start reuses the last address and secret when it can, so the
	// connectors stay as they are and no new versions pile up.
	secret, addr := rand.Text(), "127.0.0.1:0"
	if ls, err := n.Connectors.Active(ctx); err == nil {
		for _, l := range ls {
			if l.Config.Name == "demo-samr" && l.Config.Auth.Secret != "" {
				if u, err := url.Parse(l.Config.BaseURL); err == nil && u.Hostname() == "127.0.0.1" {
					secret, addr = l.Config.Auth.Secret, u.Host
				}
			}
		}
	}
	sim, err := deptsim.New(ctx, deptsim.Options{Region: synth.Config{Enterprises: enterprises, Seed: 2021, Province: "32"},
		HMACSecret: secret, HMACKeyID: "creditbridge"})
	if err != nil {
		return nil, fmt.Errorf("demo department simulator: %w", err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			return nil, fmt.Errorf("demo department simulator: %w", err)
		}
	}
	simCtx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := serveSimulator(simCtx, ln, sim, log); err != nil {
			log.Error("demo department simulator stopped", "error", err)
		}
	}()
	stop = func() {
		cancel()
		<-done
	}
	defer func() {
		if err != nil {
			stop()
			stop = nil
		}
	}()
	simURL := "http://" + ln.Addr().String()
	units := map[string]string{}
	for _, dept := range []string{"samr", "court", "nr", "pbc"} {
		var items []string
		for _, code := range demoInterfaceItems[dept] {
			v, err := n.Items.Get(ctx, code)
			if err != nil {
				if fault.Is(err, fault.NotFound) {
					continue // the operator removed it from the catalogue
				}
				return nil, err
			}
			if v.Department == dept {
				items = append(items, code)
				units[code] = v.Unit
			}
		}
		if len(items) == 0 {
			continue
		}
		cfg := SimConnector("demo-"+dept, dept, simURL, secret, items, units)
		var base int64
		if cur, err := n.Connectors.Get(ctx, access.System, cfg.Name); err == nil {
			base = cur.Version
		} else if !fault.Is(err, fault.NotFound) {
			return nil, err
		}
		if _, err := n.Connectors.Save(ctx, access.System, cfg, base, "demo department simulator on "+simURL); err != nil {
			// An operator's own connector for the item wins; the demo goes on.
			log.Warn("demo connector not saved", "connector", cfg.Name, "error", err)
		}
	}
	log.Info("demo department simulator", "url", simURL, "connectors", "demo-samr, demo-court, demo-nr, demo-pbc")
	return stop, nil
}
