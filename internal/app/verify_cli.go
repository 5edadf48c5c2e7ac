package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/creditbridge/creditbridge/internal/bench"
	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/sharing"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// newVerifier builds the verification service: answers signed with the
// node key, limits from the configuration.
func newVerifier(cfg config.Config, ks keys.Set, st store.Store, sh *sharing.Service) (*verify.Service, error) {
	signer, err := verify.NewSigner(ks.Node)
	if err != nil {
		return nil, err
	}
	lim := verify.DefaultLimits()
	lim.PerDay, lim.PerEnterpriseDay = int(cfg.VerifyMaxPerDay), int(cfg.VerifyMaxPerEnterpriseDay)
	lim.Thresholds, lim.Window = int(cfg.VerifyMaxThresholds), cfg.VerifyWindow
	return &verify.Service{
		Repo: st,
		InTx: func(ctx context.Context, fn func(verify.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		},
		Sharing: sh, Seal: ks.Data, Signer: signer, Node: cfg.NodeName, Limits: lim, TTL: cfg.AttestationTTL,
	}, nil
}

// splitFile takes the first positional argument out of args (every
// configuration flag takes a value, so "--flag value" pairs are skipped).
func splitFile(args []string, valueless ...string) (string, []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			if i+1 < len(args) {
				return args[i+1], append(append([]string{}, args[:i]...), args[i+2:]...)
			}
			break
		}
		if strings.HasPrefix(a, "-") {
			name := strings.TrimLeft(a, "-")
			if !strings.Contains(a, "=") && !slices.Contains(valueless, name) {
				i++ // its value
			}
			continue
		}
		return a, append(append([]string{}, args[:i]...), args[i+1:]...)
	}
	return "", args
}

// runAttestationVerify checks an attestation offline: creditbridge
// attestation verify FILE [--jwks FILE|URL] [--pubkey PEM]. Without
// either, the node's public key in the data directory is trusted.
func runAttestationVerify(ctx context.Context, e Env, args []string) error {
	file, rest := splitFile(args, "h", "help")
	var jwksRef, pubFile string
	cfg, err := parse(e, "attestation verify", rest, func(fs *flag.FlagSet) {
		fs.StringVar(&jwksRef, "jwks", "", "JWKS to trust: a file, or an http(s) URL such as https://node/.well-known/jwks.json")
		fs.StringVar(&pubFile, "pubkey", "", "node public key PEM to trust instead (default: <data-dir>/"+keys.NodePubFile+")")
	})
	if err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("%w: give the attestation file: creditbridge attestation verify FILE [--jwks FILE|URL]", errUsage)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	set, err := trustedKeys(ctx, cfg, jwksRef, pubFile)
	if err != nil {
		return err
	}
	cat, err := Catalog(i18n.Lang(cfg.DefaultLang))
	if err != nil {
		return err
	}
	claims, err := verify.Verify(string(b), set, time.Now())
	if err != nil && !errors.Is(err, verify.ErrExpired) {
		return fmt.Errorf("INVALID: %s", describeFault(cat, cfg, err))
	}
	out := map[string]any{"valid": err == nil, "claims": claims}
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if encErr := enc.Encode(out); encErr != nil {
		return encErr
	}
	if err != nil {
		fmt.Fprintf(e.Stderr, "creditbridge attestation verify: EXPIRED: %s\n", describeFault(cat, cfg, err))
		return exitCode(1)
	}
	return nil
}

// describeFault renders a fault in the configured language, English first when
// that is the default.
func describeFault(cat *i18n.Catalog, cfg config.Config, err error) string {
	fe, ok := fault.As(err)
	if !ok || !cat.Has(fe.Code) {
		return err.Error()
	}
	zh, en := cat.TMap(i18n.Lang("zh-CN"), fe.Code, fe.Params), cat.TMap(i18n.Lang("en"), fe.Code, fe.Params)
	if cfg.DefaultLang == "en" {
		return en + " / " + zh
	}
	return zh + " / " + en
}

func trustedKeys(ctx context.Context, cfg config.Config, ref, pubFile string) (jose.JSONWebKeySet, error) {
	if ref == "" {
		if pubFile == "" {
			pubFile = filepath.Join(cfg.DataDir, keys.NodePubFile)
		}
		pub, err := keys.ReadPublic(pubFile)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		kid, err := verify.KeyID(pub)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		return jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: pub, KeyID: kid, Algorithm: string(jose.EdDSA), Use: "sig"}}}, nil
	}
	var b []byte
	if strings.HasPrefix(ref, "http://") || strings.HasPrefix(ref, "https://") {
		ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, ref, nil)
		if err != nil {
			return jose.JSONWebKeySet{}, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return jose.JSONWebKeySet{}, fmt.Errorf("fetch the JWKS: %w", err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return jose.JSONWebKeySet{}, fmt.Errorf("fetch the JWKS: %s answered %s", ref, resp.Status)
		}
		if b, err = io.ReadAll(io.LimitReader(resp.Body, 1<<20)); err != nil {
			return jose.JSONWebKeySet{}, fmt.Errorf("fetch the JWKS: %w", err)
		}
	} else {
		var err error
		if b, err = os.ReadFile(ref); err != nil {
			return jose.JSONWebKeySet{}, err
		}
	}
	return verify.ParseJWKS(b)
}

// maxBenchRate bounds bench verify's --rate: far beyond what a node
// answers, and a schedule it can still hand out.
const maxBenchRate = 1_000_000

// runBenchVerify: creditbridge bench verify --db DSN --concurrency C
// --duration D [--rate R] (an open loop: R requests a second, at most C
// in flight) [--warmup W] (each phase unmeasured for W first)
// [--enterprises N] (N seeds an empty database) [--cpuprofile FILE] (a
// CPU profile of the answering phase).
func runBenchVerify(ctx context.Context, e Env, args []string) (err error) {
	var o bench.VerifyOptions
	var cpuProfile string
	cfg, err := parse(e, "bench verify", args, func(fs *flag.FlagSet) {
		fs.IntVar(&o.Concurrency, "concurrency", 8, "concurrent askers (with --rate: the most requests in flight)")
		fs.Float64Var(&o.Rate, "rate", 0, "open loop: requests arriving a second at random, latency from arrival (0: closed loop, each asker asks again when answered)")
		fs.DurationVar(&o.Duration, "duration", 10*time.Second, "how long each phase (service, baseline, durable baseline) runs")
		fs.DurationVar(&o.Warmup, "warmup", 2*time.Second, "how long each phase's operation runs unmeasured first (connections, prepared statements, caches)")
		fs.IntVar(&o.Enterprises, "enterprises", 2000, "enterprises to seed when the database is empty")
		fs.IntVar(&o.Months, "months", 36, "months of data to seed")
		fs.IntVar(&o.Subjects, "subjects", 2000, "enterprises asked about, each under its verify-only authorization to one bank")
		fs.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of the answering phase to this file (go tool pprof)")
	})
	if err != nil {
		return err
	}
	if o.Concurrency <= 0 || o.Duration <= 0 || o.Enterprises <= 0 || o.Warmup < 0 {
		return fmt.Errorf("%w: --concurrency, --duration and --enterprises must be positive, --warmup not negative", errUsage)
	}
	if o.Rate < 0 || o.Rate > maxBenchRate || math.IsNaN(o.Rate) {
		return fmt.Errorf("%w: --rate must be a number of requests a second up to %d, or 0 for a closed loop", errUsage, maxBenchRate)
	}
	if o.Progress = terminal(e.Stderr); o.Progress == nil {
		o.Progress = io.Discard
	}
	if cpuProfile != "" {
		f, cerr := os.Create(cpuProfile)
		if cerr != nil {
			return cerr
		}
		defer func() {
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}()
		o.CPUProfile = f
	}
	return bench.Verify(ctx, cfg.DSN(), o, e.Stdout)
}
