package app

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/creditcode"
)

// Harvest patterns.
const (
	PatternSequential = "sequential" // the registry's codes in ascending order
	PatternRandom     = "random"     // the registry's codes in random order
	PatternNight      = "night"      // random order, meant to run outside business hours
	PatternDenied     = "denied"     // data items without an authorization, every read denied
	PatternEnumerate  = "enumerate"  // codes made up by incrementing the organisation code (mostly unregistered)
	PatternHonest     = "honest"     // a normal institution: its own customers, at a normal pace
)

// HarvestOptions configure the simulated API client (`creditbridge sim
// harvest` and `sim honest`).
type HarvestOptions struct {
	URL    string // the node, e.g. http://127.0.0.1:8080
	APIKey string
	// Rate is requests per second (0: as fast as the node answers).
	Rate    float64
	Pattern string
	// Max stops after this many requests (default 1000).
	Max     int
	Purpose string // default loan_application
	// Codes are the enterprises to read (honest: the portfolio); empty:
	// discovered through the registry search.
	Codes []string
	// Portfolio is how many discovered enterprises an honest client keeps
	// as its customers (default 25).
	Portfolio int
	// Items, when set, makes an honest client also read these catalogue
	// items (those its authorizations cover).
	Items string
	Seed  uint64
	// Before runs before each request (tests advance a simulated clock).
	Before func(i int)
	Client *http.Client
}

// HarvestReport is what the simulation saw.
type HarvestReport struct {
	Pattern  string         `json:"pattern"`
	Requests int            `json:"requests"`
	Statuses map[string]int `json:"statuses"`
	// Suspended is true when the node refused the key as suspended;
	// SuspendedAfter is the number of requests made before that refusal.
	Suspended      bool   `json:"suspended"`
	SuspendedAfter int    `json:"suspended_after,omitempty"`
	LastProblem    string `json:"last_problem,omitempty"`
	Elapsed        string `json:"elapsed"`
}

type harvester struct {
	o      HarvestOptions
	rep    *HarvestReport
	client *http.Client
	next   time.Time
}

// Harvest runs the simulated client against a live node over HTTP until it
// is suspended, made Max requests or ran out of codes.
func Harvest(ctx context.Context, o HarvestOptions) (HarvestReport, error) {
	if o.Max <= 0 {
		o.Max = 1000
	}
	if o.Purpose == "" {
		o.Purpose = "loan_application"
	}
	if o.Portfolio <= 0 {
		o.Portfolio = 25
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	switch o.Pattern {
	case PatternSequential, PatternRandom, PatternNight, PatternDenied, PatternEnumerate, PatternHonest:
	default:
		return HarvestReport{}, fmt.Errorf("%w: --pattern must be sequential, random, night, denied, enumerate or honest", errUsage)
	}
	if o.URL == "" || o.APIKey == "" {
		return HarvestReport{}, fmt.Errorf("%w: --url and --api-key are required", errUsage)
	}
	rep := &HarvestReport{Pattern: o.Pattern, Statuses: map[string]int{}}
	h := &harvester{o: o, rep: rep, client: o.Client}
	start := time.Now()
	defer func() { rep.Elapsed = time.Since(start).Round(time.Millisecond).String() }()
	rng := rand.New(rand.NewPCG(o.Seed, o.Seed^0x9e3779b97f4a7c15))
	codes := o.Codes
	if len(codes) == 0 {
		var err error
		if codes, err = h.discover(ctx); err != nil || rep.Suspended {
			return *rep, err
		}
	}
	if len(codes) == 0 {
		return *rep, errors.New("sim: the registry search returned no enterprises")
	}
	q := url.Values{"purpose": {o.Purpose}}.Encode()
	switch o.Pattern {
	case PatternSequential:
		slices.Sort(codes)
		return *rep, h.each(ctx, codes, func(c string) string { return "/api/v1/enterprises/" + c + "?" + q })
	case PatternRandom, PatternNight:
		rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
		return *rep, h.each(ctx, codes, func(c string) string { return "/api/v1/enterprises/" + c + "?" + q })
	case PatternDenied:
		rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
		dq := url.Values{"purpose": {o.Purpose}, "items": {"tax."}}.Encode()
		return *rep, h.each(ctx, codes, func(c string) string { return "/api/v1/enterprises/" + c + "/data?" + dq })
	case PatternEnumerate:
		slices.Sort(codes)
		return *rep, h.each(ctx, enumerate(codes[0], o.Max), func(c string) string { return "/api/v1/enterprises/" + c + "?" + q })
	}
	// Honest: a portfolio of customers read again and again in random
	// order (registration, and the authorized items when given).
	if len(o.Codes) == 0 && len(codes) > o.Portfolio {
		rng.Shuffle(len(codes), func(i, j int) { codes[i], codes[j] = codes[j], codes[i] })
		codes = codes[:o.Portfolio]
	}
	var seq []string
	for len(seq) < o.Max {
		c := codes[rng.IntN(len(codes))]
		if o.Items != "" && rng.IntN(2) == 0 {
			seq = append(seq, "/api/v1/enterprises/"+c+"/data?"+url.Values{"purpose": {o.Purpose}, "items": {o.Items}}.Encode())
		} else {
			seq = append(seq, "/api/v1/enterprises/"+c+"?"+q)
		}
	}
	return *rep, h.each(ctx, seq, func(p string) string { return p })
}

// enumerate makes up n codes after from by incrementing the organisation
// code body (positions 9-16) and completing both check characters, as an
// enumerator of the code space would.
func enumerate(from string, n int) []string {
	body := []byte(from[8:16])
	out := make([]string, 0, n)
	for len(out) < n {
		for i := len(body) - 1; i >= 0; i-- { // base-36 increment, digits then letters
			if body[i] == '9' {
				body[i] = 'A'
				break
			}
			if body[i] != 'Z' {
				body[i]++
				break
			}
			body[i] = '0'
		}
		chk := creditcode.OrgCodeCheck(string(body))
		if chk == 0 || !strings.ContainsRune(creditcode.Alphabet, rune(chk)) || strings.ContainsAny(string(body), "IOSVZ") {
			continue
		}
		c, err := creditcode.Complete(from[:8] + string(body) + string(chk))
		if err != nil {
			continue
		}
		out = append(out, string(c))
	}
	return out
}

// discover lists registered codes through the public registry search.
func (h *harvester) discover(ctx context.Context) ([]string, error) {
	var codes []string
	for offset := 0; offset < 10_000; offset += 200 {
		var page struct {
			Items []struct {
				Code string `json:"code"`
			} `json:"items"`
			Total int `json:"total"`
		}
		q := url.Values{"purpose": {h.o.Purpose}, "limit": {"200"}, "offset": {strconv.Itoa(offset)}}
		ok, err := h.get(ctx, "/api/v1/enterprises?"+q.Encode(), &page)
		if err != nil || !ok {
			return codes, err
		}
		for _, it := range page.Items {
			codes = append(codes, it.Code)
		}
		if len(page.Items) < 200 || len(codes) >= page.Total {
			break
		}
	}
	return codes, nil
}

func (h *harvester) each(ctx context.Context, xs []string, path func(string) string) error {
	for _, x := range xs {
		if h.rep.Requests >= h.o.Max || h.rep.Suspended {
			return nil
		}
		if _, err := h.get(ctx, path(x), nil); err != nil {
			return err
		}
	}
	return nil
}

// get makes one request at the configured pace; it returns false when the
// node refused the client for good (suspended or unauthenticated).
func (h *harvester) get(ctx context.Context, path string, into any) (bool, error) {
	for {
		if h.o.Rate > 0 {
			if d := time.Until(h.next); d > 0 {
				select {
				case <-ctx.Done():
					return false, ctx.Err()
				case <-time.After(d):
				}
			}
			h.next = time.Now().Add(time.Duration(float64(time.Second) / h.o.Rate))
		}
		if h.o.Before != nil {
			h.o.Before(h.rep.Requests)
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(h.o.URL, "/")+path, nil)
		if err != nil {
			return false, err
		}
		req.Header.Set("Authorization", "Bearer "+h.o.APIKey)
		req.Header.Set("Accept-Language", "en")
		resp, err := h.client.Do(req)
		if err != nil {
			return false, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if err != nil {
			return false, err
		}
		h.rep.Requests++
		h.rep.Statuses[strconv.Itoa(resp.StatusCode)]++
		var pr struct {
			Code   string `json:"code"`
			Detail string `json:"detail"`
		}
		if resp.StatusCode >= 400 {
			_ = json.Unmarshal(body, &pr)
			h.rep.LastProblem = pr.Code
		}
		switch {
		case resp.StatusCode == http.StatusForbidden && pr.Code == "access.suspended", resp.StatusCode == http.StatusUnauthorized:
			h.rep.Suspended, h.rep.SuspendedAfter = true, h.rep.Requests-1
			return false, nil
		case resp.StatusCode == http.StatusTooManyRequests:
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			select {
			case <-ctx.Done():
				return false, ctx.Err()
			case <-time.After(time.Duration(min(max(wait, 1), 60)) * time.Second):
			}
			if h.rep.Requests >= h.o.Max {
				return false, nil
			}
			continue
		case resp.StatusCode == http.StatusOK && into != nil:
			if err := json.Unmarshal(body, into); err != nil {
				return false, fmt.Errorf("sim: decode %s: %w", path, err)
			}
		}
		return true, nil
	}
}

// runSimHarvest runs `creditbridge sim harvest` (and `sim honest`, the
// honest pattern) and prints the report as JSON.
func runSimHarvest(ctx context.Context, e Env, args []string, honest bool) error {
	name := "creditbridge sim harvest"
	if honest {
		name = "creditbridge sim honest"
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	var o HarvestOptions
	var codes string
	var seed int64
	fs.StringVar(&o.URL, "url", "http://localhost:8080", "the node's base URL")
	fs.StringVar(&o.APIKey, "api-key", envValue(e.Environ, "CREDITBRIDGE_SIM_API_KEY"), "an institution's API key (or CREDITBRIDGE_SIM_API_KEY)")
	def := 20.0
	if honest {
		def = 0.05
	}
	fs.Float64Var(&o.Rate, "rate", def, "requests per second (0: as fast as the node answers)")
	if honest {
		o.Pattern = PatternHonest
		fs.IntVar(&o.Portfolio, "portfolio", 25, "customers kept from the registry when --codes is not given")
		fs.StringVar(&o.Items, "items", "", "catalogue items its authorizations cover, also read (e.g. tax.)")
	} else {
		fs.StringVar(&o.Pattern, "pattern", PatternSequential, "sequential, random, night, denied or enumerate")
	}
	fs.IntVar(&o.Max, "max", 1000, "stop after this many requests")
	fs.StringVar(&o.Purpose, "purpose", "loan_application", "purpose stated on every read")
	fs.StringVar(&codes, "codes", "", "comma-separated credit codes to read (default: discovered through the registry search)")
	fs.Int64Var(&seed, "seed", 1, "random seed")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	for _, c := range strings.Split(codes, ",") {
		if c = strings.TrimSpace(c); c != "" {
			o.Codes = append(o.Codes, c)
		}
	}
	o.Seed = uint64(seed)
	rep, err := Harvest(ctx, o)
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	if perr := enc.Encode(rep); perr != nil && err == nil {
		err = perr
	}
	return err
}
