package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/bench"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/demo"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/scoring"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Env is what a command run may touch of the process: arguments,
// environment and standard streams.
type Env struct {
	Args    []string // without the program name
	Environ []string
	Stdin   io.Reader
	Stdout  io.Writer
	Stderr  io.Writer
	// Ready, when set, receives the listen address once serving (tests).
	Ready func(addr string)

	gc *gcTuner // set by Run: the collector's settings for the command
}

const usage = `creditbridge — financing credit service platform (融资信用服务平台)

Usage:
  creditbridge demo      [flags]   run a demo node (SQLite under ./data, demo accounts printed)
  creditbridge serve     [flags]   run a node
  creditbridge migrate   [flags]   apply database migrations (required for PostgreSQL)
  creditbridge seed --enterprises N [--seed S] [--months M] [--province 32] [--db DSN] [--files DIR] [--no-db]
                                   generate a synthetic region into the database and/or department files
  creditbridge ingest FILE [--manifest manifest.json] [--dataset NAME|dataset.json] [--errors FILE.csv] [--batch ID]
                                   load a department file as one batch, prints JSON, writes the error report
  creditbridge org create    --kind K --name N [--name-en N] [--enterprise CODE] [--access-tier T]
  creditbridge user create   --org ID --username U --role R [--display-name N] [--password-stdin]
  creditbridge apikey create --org ID --name N --scopes enterprise:read[,data:write] [--expires 720h]
  creditbridge audit verify  [--pubkey FILE]    verify the evidence log (exit 1 if broken)
  creditbridge audit verify --export FILE [--pubkey FILE]   verify an evidence export offline
  creditbridge audit checkpoint                 sign the evidence log head now
  creditbridge audit export [--institution ID] [--enterprise ID] [--from T] [--to T] --out FILE
                                   export evidence with its chain proof (JSON lines)
  creditbridge bench store --db DSN --enterprises N   storage benchmark, prints JSON
  creditbridge bench seed  --db DSN --enterprises N [--months M]   seeding benchmark, prints JSON
  creditbridge bench verify --db DSN --concurrency C --duration D [--enterprises N]
                                   verification benchmark (seeds an empty database), prints JSON
  creditbridge attestation verify FILE [--jwks FILE|URL] [--pubkey PEM]
                                   check a signed verification answer offline, prints its claims
  creditbridge bench ingest --db DSN --rows N [--enterprises N] [--format csv|xlsx|jsonl]   ingestion benchmark, prints JSON
  creditbridge bench quality --db DSN [--as-of DATE] [--parallel N]   one full data-quality run on a seeded database, prints JSON
  creditbridge bench access --db DSN --concurrency C [--duration D] [--enterprises N]
                                   access decision point and data-API read benchmark (seeds an empty database), prints JSON
  creditbridge bench model --dataset german|australian|cumcm [--datasets DIR] [--folds K] [--seed S] [--repeats R]
                                   scorecard CV on a shared dataset (+ scikit-learn peer when installed), prints JSON
  creditbridge model train --data F.csv --target COL --bad VALUE [--exclude COLS] [--categorical COLS] --out model.json
  creditbridge model score --model model.json --data F.csv [--out scores.csv] [--id COL] [--reasons 3] [--format csv|jsonl]
  creditbridge model cv    --data F.csv --target COL --bad VALUE [--folds 10] [--seed S] [--json]
  creditbridge model validate --model model.json --data F.csv   PSI against training (+ AUC, KS, Brier if labelled)
  creditbridge model register --db DSN --file model.json [--name sme-default] [--feature-set V]
                                   register an artefact in the model registry as a challenger, prints JSON
  creditbridge model train-platform --db DSN [--name sme-default] [--promote --reason R] [--dates D1,D2,...]
                                   train on the platform's own loan outcomes (out-of-time holdout), register, prints JSON
  creditbridge model list --db DSN [--name N]          the registry's versions, prints JSON
  creditbridge model promote --db DSN --id N --reason R   make a challenger the champion
  creditbridge sim department [--addr 127.0.0.1:8090] [--region small|--enterprises N] [--seed S] [--latency 20ms] [--jitter 10ms]
                             [--failure-rate 0.1] [--failure-mode mixed|error|hang] [--departments tax,hrss] --api-key K | --hmac-secret S
                                   a department simulator serving the synthetic region over HTTP
  creditbridge sim department --data DIR [--addr ...] [--latency ...] ...
                                   the same, serving the department files in DIR (seed --files DIR) instead of generating
  creditbridge sim harvest --url URL --api-key KEY [--rate R] [--pattern sequential|random|night|denied|enumerate] [--max N]
                                   an attacker harvesting enterprise data over the API until suspended, prints JSON
  creditbridge sim honest --url URL --api-key KEY [--rate R] [--codes C1,C2|--portfolio N] [--items tax.] [--max N]
                                   a normal institution reading its customers at a normal pace, prints JSON
  creditbridge score run [--as-of T] [--workers N]
                                   score every enterprise (features, indicator system, champion model), prints the run as JSON
  creditbridge bench score [--enterprises N] [--months M] [--workers W]
                                   seed an empty database, score it, compare with raw reads, time explanations; prints JSON
  creditbridge version

Every command takes the configuration flags (see 'creditbridge serve -h'):
--db, --data-dir, --listen, --config FILE, ... and CREDITBRIDGE_* environment variables.
`

// Run executes one command line and returns the process exit code.
func Run(ctx context.Context, e Env) int {
	if len(e.Args) == 0 {
		fmt.Fprint(e.Stderr, usage)
		return 2
	}
	cmd, rest := e.Args[0], e.Args[1:]
	e.gc = &gcTuner{}
	defer e.gc.stop()
	if len(rest) > 0 && (cmd == "org" || cmd == "user" || cmd == "apikey" || cmd == "audit" || cmd == "bench" || cmd == "sim" || cmd == "attestation" || cmd == "model" || cmd == "score") {
		cmd, rest = cmd+" "+rest[0], rest[1:]
	}
	var err error
	switch cmd {
	case "serve":
		err = runServe(ctx, e, rest, false)
	case "demo":
		err = runServe(ctx, e, rest, true)
	case "migrate":
		err = runMigrate(ctx, e, rest)
	case "seed":
		err = runSeed(ctx, e, rest)
	case "ingest":
		err = runIngest(ctx, e, rest)
	case "org create":
		err = runOrgCreate(ctx, e, rest)
	case "user create":
		err = runUserCreate(ctx, e, rest)
	case "apikey create":
		err = runAPIKeyCreate(ctx, e, rest)
	case "audit verify":
		err = runAuditVerify(ctx, e, rest)
	case "audit checkpoint":
		err = runAuditCheckpoint(ctx, e, rest)
	case "audit export":
		err = runAuditExport(ctx, e, rest)
	case "sim department":
		err = runSimDepartment(ctx, e, rest)
	case "sim harvest":
		err = runSimHarvest(ctx, e, rest, false)
	case "sim honest":
		err = runSimHarvest(ctx, e, rest, true)
	case "bench store":
		err = runBenchStore(ctx, e, rest)
	case "bench verify":
		err = runBenchVerify(ctx, e, rest)
	case "attestation verify":
		err = runAttestationVerify(ctx, e, rest)
	case "bench seed":
		err = runBenchSeed(ctx, e, rest)
	case "bench ingest":
		err = runBenchIngest(ctx, e, rest)
	case "bench model":
		err = runBenchModel(ctx, e, rest)
	case "model train":
		err = runModelTrain(ctx, e, rest)
	case "model score":
		err = runModelScore(ctx, e, rest)
	case "model cv":
		err = runModelCV(ctx, e, rest)
	case "model validate":
		err = runModelValidate(ctx, e, rest)
	case "model register":
		err = runModelRegister(ctx, e, rest)
	case "model train-platform":
		err = runModelTrainPlatform(ctx, e, rest)
	case "model list":
		err = runModelList(ctx, e, rest)
	case "model promote":
		err = runModelPromote(ctx, e, rest)
	case "bench quality":
		err = runBenchQuality(ctx, e, rest)
	case "bench access":
		err = runBenchAccess(ctx, e, rest)
	case "bench score":
		err = runBenchScore(ctx, e, rest)
	case "score run":
		err = runScoreRun(ctx, e, rest)
	case "version":
		fmt.Fprintln(e.Stdout, Version())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(e.Stdout, usage)
		return 0
	default:
		fmt.Fprintf(e.Stderr, "creditbridge: unknown command %q\n\n%s", strings.Join(e.Args[:min(2, len(e.Args))], " "), usage)
		return 2
	}
	if err == nil {
		return 0
	}
	var ec exitCode
	if errors.As(err, &ec) {
		return int(ec)
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	fmt.Fprintf(e.Stderr, "creditbridge %s: %v\n", cmd, err)
	if errors.Is(err, errUsage) {
		return 2
	}
	return 1
}

type exitCode int

func (e exitCode) Error() string { return "exit " + strconv.Itoa(int(e)) }

var errUsage = errors.New("usage")

// Version is the build's version string.
func Version() string { return "creditbridge (development build)" }

// parse builds the command's flag set with the configuration flags and
// returns the loaded configuration.
func parse(e Env, name string, args []string, extra func(fs *flag.FlagSet)) (config.Config, error) {
	fs := flag.NewFlagSet("creditbridge "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	load := config.Flags(fs, e.Environ)
	if extra != nil {
		extra(fs)
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return config.Config{}, err
		}
		return config.Config{}, fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return config.Config{}, fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	cfg, err := load()
	if err == nil {
		e.gc.start(cfg, e.Environ) // Run set e.gc
	}
	return cfg, err
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var lvl slog.Level
	_ = lvl.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: lvl}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

func runServe(ctx context.Context, e Env, args []string, isDemo bool) error {
	name := "serve"
	if isDemo {
		name = "demo"
	}
	var demoN int
	cfg, err := parse(e, name, args, func(fs *flag.FlagSet) {
		if isDemo {
			fs.IntVar(&demoN, "enterprises", 2000, "enterprises in the demo region, generated on first start")
		}
	})
	if err != nil {
		return err
	}
	log := newLogger(cfg, e.Stderr)
	if isDemo && backend.IsPostgres(cfg.DSN()) {
		if _, err := backend.Migrate(ctx, cfg.DSN()); err != nil {
			return fmt.Errorf("migrate: %w", err)
		}
	}
	n, err := Open(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer n.Close()
	var accounts []demo.Account
	if isDemo {
		start := time.Now()
		fmt.Fprintf(e.Stdout, "Preparing demo data in %s ...\n", cfg.DataDir)
		n.Training.Options.Synthetic = true // the demo region's models say so in their reports
		accounts, err = demo.Seed(ctx, n.Store, n.Accounts, n.Enterprises, cfg.DataDir, demo.Options{Enterprises: demoN, Progress: terminal(e.Stderr),
			FilesDir: demoFilesDir(cfg), Authz: n.Authz, Model: func(ctx context.Context) error { return trainDemoModel(ctx, n, log) }})
		if err != nil {
			return err
		}
		if err := registerDemoDatasets(ctx, n, cfg); err != nil {
			return err
		}
		// Every demo enterprise starts with a score (the champion trained
		// above, or the indicator system alone), as after a nightly run.
		run, err := n.Scoring.Run(ctx, access.System, scoring.RunOptions{})
		if err != nil {
			return fmt.Errorf("demo scoring run: %w", err)
		}
		log.Info("demo scores computed", "run", run.ID, "scored", run.Scored, "failed", run.Failed, "model", run.Model)
		log.Info("demo data ready", "seconds", time.Since(start).Seconds())
		if _, _, err := n.Checkpointer().Checkpoint(ctx); err != nil {
			return fmt.Errorf("checkpoint: %w", err)
		}
		stopSimulator, err := startDemoSimulator(ctx, n, demoN, log)
		if err != nil {
			return err
		}
		defer stopSimulator() // before n.Close: the node's connectors call it until Serve returns
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (flag --listen): %w", cfg.Listen, err)
	}
	addr := ln.Addr().String()
	url := "http://" + addr
	if host, port, err := net.SplitHostPort(addr); err == nil && (host == "127.0.0.1" || host == "::1" || host == "::" || host == "0.0.0.0") {
		url = "http://localhost:" + port
	}
	if isDemo {
		demo.Print(e.Stdout, url, accounts)
	}
	log.Info("serving", "url", url, "database", n.Store.Backend(), "data_dir", cfg.DataDir)
	if e.Ready != nil {
		e.Ready(addr)
	}
	return n.Serve(ctx, ln)
}

func runSeed(ctx context.Context, e Env, args []string) error {
	var (
		sc      synth.Config
		files   string
		noDB    bool
		summary int
	)
	cfg, err := parse(e, "seed", args, func(fs *flag.FlagSet) {
		fs.IntVar(&sc.Enterprises, "enterprises", 2000, "enterprises to generate (small 2000, medium 100000, large 1000000)")
		fs.Uint64Var(&sc.Seed, "seed", 1, "generator seed: the same seed, size and months give the same region")
		fs.IntVar(&sc.Months, "months", 36, "months of department data")
		fs.StringVar(&sc.Province, "province", "32", "two-digit GB/T 2260 province code")
		fs.Float64Var(&sc.DefaultRate, "default-rate", 0.05, "target default rate among borrowers (0.01-0.2)")
		fs.StringVar(&files, "files", "", "also write department files and a manifest into this (new or empty) directory")
		fs.BoolVar(&noDB, "no-db", false, "write files only, no database")
		fs.IntVar(&summary, "summary", 0, "also print the generator's summary (shares, default rate, signal AUCs) over this many enterprises")
	})
	if err != nil {
		return err
	}
	g, err := synth.New(sc)
	if err != nil {
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	o := seed.Options{FilesDir: files, Progress: terminal(e.Stderr)}
	if !noDB {
		if backend.IsPostgres(cfg.DSN()) {
			if _, err := backend.Migrate(ctx, cfg.DSN()); err != nil {
				return err
			}
		}
		n, err := openNode(ctx, e, cfg)
		if err != nil {
			return err
		}
		defer n.Close()
		if have, err := n.Store.CountEnterprises(ctx); err != nil {
			return err
		} else if have > 0 {
			return fmt.Errorf("the database already holds %d enterprises; seed into a new database (--db or --data-dir)", have)
		}
		o.Store, o.Enterprises = n.Store, n.Enterprises
	}
	res, err := seed.Run(ctx, g, o)
	if err != nil {
		return err
	}
	out := map[string]any{"result": res, "records": res.Records(), "records_per_sec": float64(res.Records()) / res.Seconds}
	if summary > 0 {
		sum, err := synth.Summarize(ctx, g, summary)
		if err != nil {
			return err
		}
		out["summary"] = sum
	}
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// terminal returns w if it is a terminal (progress lines rewrite
// themselves there), else nil.
func terminal(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok {
		return nil
	}
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return nil
	}
	return w
}

func runMigrate(ctx context.Context, e Env, args []string) error {
	cfg, err := parse(e, "migrate", args, nil)
	if err != nil {
		return err
	}
	applied, err := backend.Migrate(ctx, cfg.DSN())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.Stdout, "migrations applied: %d\n", applied)
	return nil
}

func openNode(ctx context.Context, e Env, cfg config.Config) (*Node, error) {
	return Open(ctx, cfg, newLogger(cfg, e.Stderr))
}

func runOrgCreate(ctx context.Context, e Env, args []string) error {
	var kind, name, nameEN, ent, dept string
	var tier int
	cfg, err := parse(e, "org create", args, func(fs *flag.FlagSet) {
		fs.StringVar(&kind, "kind", "", "operator, department, institution, enterprise or auditor")
		fs.StringVar(&name, "name", "", "organisation name")
		fs.StringVar(&nameEN, "name-en", "", "English name")
		fs.StringVar(&ent, "enterprise", "", "credit code of the enterprise (kind enterprise)")
		fs.IntVar(&tier, "access-tier", 0, "highest data grade an institution may be granted (1-4)")
		fs.StringVar(&dept, "department", "", "department code (kind department): the source code of the facts it sends, e.g. tax")
	})
	if err != nil {
		return err
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	o := account.Org{Kind: account.OrgKind(kind), Name: name, NameEN: nameEN, AccessTier: tier, Department: dept}
	if ent != "" {
		v, err := n.Enterprises.Get(ctx, access.System, ent, access.PurposeOperation)
		if err != nil {
			return describe(n, err)
		}
		o.EnterpriseID = v.ID
	}
	o, err = n.Accounts.CreateOrg(ctx, account.SystemActor, o)
	if err != nil {
		return describe(n, err)
	}
	fmt.Fprintf(e.Stdout, "organisation %d created (%s %s)\n", o.ID, o.Kind, o.Name)
	return nil
}

// describe turns a classified error into its English catalogue text for the
// terminal.
func describe(n *Node, err error) error {
	if fe, ok := fault.As(err); ok && fe.Kind != fault.Internal {
		return errors.New(n.Catalog.TMap("en", fe.Code, fe.Params))
	}
	return err
}

func runUserCreate(ctx context.Context, e Env, args []string) error {
	var org int64
	var username, display, role string
	var fromStdin bool
	cfg, err := parse(e, "user create", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&org, "org", 0, "organisation id")
		fs.StringVar(&username, "username", "", "username")
		fs.StringVar(&display, "display-name", "", "display name")
		fs.StringVar(&role, "role", "", "operator_admin, operator_analyst, department_officer, institution_officer, enterprise_admin or auditor")
		fs.BoolVar(&fromStdin, "password-stdin", false, "read the password from standard input instead of generating one")
	})
	if err != nil {
		return err
	}
	pw := ""
	if fromStdin {
		b, err := io.ReadAll(io.LimitReader(e.Stdin, 1024))
		if err != nil {
			return err
		}
		pw = strings.TrimRight(string(b), "\r\n")
	} else {
		pw = generatePassword()
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	u, err := n.Accounts.CreateUser(ctx, account.SystemActor, account.NewUser{OrgID: org, Username: username, DisplayName: display,
		Role: account.Role(role), Password: pw})
	if err != nil {
		return describe(n, err)
	}
	fmt.Fprintf(e.Stdout, "user %d created: %s (%s)\n", u.ID, u.Username, u.Role)
	if !fromStdin {
		fmt.Fprintf(e.Stdout, "password: %s\n", pw)
	}
	return nil
}

func runAPIKeyCreate(ctx context.Context, e Env, args []string) error {
	var org int64
	var name, scopes string
	var expires time.Duration
	cfg, err := parse(e, "apikey create", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&org, "org", 0, "organisation id (institution or department)")
		fs.StringVar(&name, "name", "", "key name")
		fs.StringVar(&scopes, "scopes", "enterprise:read", "comma-separated scopes: enterprise:read, data:write, audit:read")
		fs.DurationVar(&expires, "expires", 0, "lifetime, e.g. 720h (0: no expiry)")
	})
	if err != nil {
		return err
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	nk := account.NewAPIKey{OrgID: org, Name: name}
	for _, s := range strings.Split(scopes, ",") {
		if s = strings.TrimSpace(s); s != "" {
			nk.Scopes = append(nk.Scopes, account.Scope(s))
		}
	}
	if expires > 0 {
		nk.ExpiresAt = time.Now().Add(expires)
	}
	secret, k, err := n.Accounts.CreateAPIKey(ctx, account.SystemActor, nk)
	if err != nil {
		return describe(n, err)
	}
	fmt.Fprintf(e.Stdout, "API key %d (%s) created for organisation %d with scopes %v\n", k.ID, k.Prefix, k.OrgID, k.Scopes)
	fmt.Fprintf(e.Stdout, "secret (shown once, store it now): %s\n", secret)
	return nil
}

func runAuditVerify(ctx context.Context, e Env, args []string) error {
	if wantsExportVerify(args) {
		return runAuditVerifyExport(ctx, e, args)
	}
	var pubFiles string
	cfg, err := parse(e, "audit verify", args, func(fs *flag.FlagSet) {
		fs.StringVar(&pubFiles, "pubkey", "", "comma-separated node public key files to trust (default: <data-dir>/"+keys.NodePubFile+")")
	})
	if err != nil {
		return err
	}
	var pubs []ed25519.PublicKey
	if pubFiles == "" {
		pubFiles = filepath.Join(cfg.DataDir, keys.NodePubFile)
	}
	for _, f := range strings.Split(pubFiles, ",") {
		k, err := keys.ReadPublic(strings.TrimSpace(f))
		if err != nil {
			return err
		}
		pubs = append(pubs, k)
	}
	st, err := backend.Open(ctx, cfg.DSN(), backend.Options{})
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := audit.Verify(ctx, st, pubs)
	if err != nil {
		return err
	}
	if !rep.OK() {
		fmt.Fprintf(e.Stdout, "FAILED: %s\n", rep.Problem.Error())
		fmt.Fprintf(e.Stdout, "checked %d entries before the problem; %d checkpoints\n", rep.Entries, rep.Checkpoints)
		return exitCode(1)
	}
	fmt.Fprintf(e.Stdout, "OK: %d entries, head %d %s, %d checkpoints, last signed entry %d\n",
		rep.Entries, rep.Head.Seq, rep.Head.Hash, rep.Checkpoints, rep.LastSigned)
	if rep.LastSigned < rep.Head.Seq {
		fmt.Fprintf(e.Stdout, "note: entries after %d are not yet covered by a signed checkpoint\n", rep.LastSigned)
	}
	return nil
}

func runAuditCheckpoint(ctx context.Context, e Env, args []string) error {
	cfg, err := parse(e, "audit checkpoint", args, nil)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	cp, ok, err := n.Checkpointer().Checkpoint(ctx)
	if err != nil {
		return err
	}
	if !ok {
		fmt.Fprintln(e.Stdout, "nothing new to sign")
		return nil
	}
	fmt.Fprintf(e.Stdout, "checkpoint signed at entry %d (%s)\n", cp.Seq, cp.Hash)
	return nil
}

func runBenchStore(ctx context.Context, e Env, args []string) error {
	var n int
	cfg, err := parse(e, "bench store", args, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "enterprises", 10000, "enterprises to register and look up")
	})
	if err != nil {
		return err
	}
	if n <= 0 {
		return fmt.Errorf("%w: --enterprises must be positive", errUsage)
	}
	return bench.Store(ctx, cfg.DSN(), n, e.Stdout)
}

// generatePassword returns 26 random base32 characters (130 bits).
func runBenchSeed(ctx context.Context, e Env, args []string) error {
	var n, months int
	cfg, err := parse(e, "bench seed", args, func(fs *flag.FlagSet) {
		fs.IntVar(&n, "enterprises", 2000, "enterprises in the synthetic region")
		fs.IntVar(&months, "months", 36, "months of department data")
	})
	if err != nil {
		return err
	}
	if n <= 0 || months <= 0 {
		return fmt.Errorf("%w: --enterprises and --months must be positive", errUsage)
	}
	return bench.Seed(ctx, cfg.DSN(), n, months, e.Stdout)
}

func generatePassword() string { return rand.Text() }
