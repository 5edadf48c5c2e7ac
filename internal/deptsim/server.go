package deptsim

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creditbridge/creditbridge/internal/connector"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Failure modes.
const (
	FailMixed = "mixed" // half 500s, half hangs
	FailError = "error" // HTTP 500
	FailHang  = "hang"  // no answer until the caller gives up
)

// Items served only by interface call, derived from the region (see
// deptfiles.InterfaceFacts).
const (
	ItemLegalRep        = deptfiles.ItemLegalRep
	ItemKeyPersonnel    = deptfiles.ItemKeyPersonnel
	ItemConsumption     = deptfiles.ItemConsumption
	ItemRealEstate      = deptfiles.ItemRealEstate
	ItemRealEstateMort  = deptfiles.ItemRealEstateMort
	ItemMovableMortgage = deptfiles.ItemMovableMortgage
)

// Options configure a simulator.
type Options struct {
	// Region is generated in memory, unless Data is set.
	Region synth.Config
	// Data is a directory of department files written by
	// internal/deptfiles (`creditbridge seed --files DIR`), with its
	// manifest.json: when set, the simulator serves what the files hold
	// (and their interface tables) instead of generating Region. Rows the
	// manifest lists as dirty, and rows the ingest mapping rejects, are
	// skipped and counted (Stats.SkippedRows).
	Data string
	// Departments served; empty: every department with data.
	Departments []string
	// Latency is added to every answer, plus a uniform [0, Jitter).
	Latency, Jitter time.Duration
	// FailureRate is the share of requests (0-1) that fail as FailureMode
	// says (default mixed).
	FailureRate float64
	FailureMode string
	// APIKey, when set, must come in APIKeyHeader (default X-API-Key).
	APIKey, APIKeyHeader string
	// HMACSecret, when set, requires requests signed with key HMACKeyID
	// (default "creditbridge").
	HMACKeyID, HMACSecret string
	// Seed drives latency jitter and failures (0: random).
	Seed uint64
}

// Stats counts requests to the department API (not /healthz or stats).
type Stats struct {
	Requests int64 `json:"requests"`
	Served   int64 `json:"served"`   // 200
	Failed   int64 `json:"failed"`   // simulated 500s and hangs
	Rejected int64 `json:"rejected"` // 401
	NotFound int64 `json:"not_found"`
	// With Options.Data: the files' data rows read and the dirty ones
	// skipped.
	DataRows    int64 `json:"data_rows,omitempty"`
	SkippedRows int64 `json:"skipped_rows,omitempty"`
}

// Server is a department simulator.
type Server struct {
	opt      Options
	gen      *synth.Generator // nil with Options.Data
	data     *dataRegion      // set with Options.Data
	index    map[string]int   // credit code → enterprise index
	depts    map[string]bool
	units    map[string]string // item → unit
	verifier *connector.Verifier

	mu  sync.Mutex
	rnd *rand.Rand

	requests, served, failed, rejected, notFound atomic.Int64
	quit                                         chan struct{}
	once                                         sync.Once
}

// New generates the region's index (every enterprise's credit code) and
// returns the simulator.
func New(ctx context.Context, opt Options) (*Server, error) {
	if opt.FailureRate < 0 || opt.FailureRate > 1 {
		return nil, fmt.Errorf("the failure rate must be between 0 and 1, not %v", opt.FailureRate)
	}
	switch opt.FailureMode {
	case "":
		opt.FailureMode = FailMixed
	case FailMixed, FailError, FailHang:
	default:
		return nil, fmt.Errorf("the failure mode must be mixed, error or hang, not %q", opt.FailureMode)
	}
	if opt.Latency < 0 || opt.Jitter < 0 {
		return nil, fmt.Errorf("latency and jitter must not be negative")
	}
	if opt.APIKey != "" && opt.HMACSecret != "" {
		return nil, fmt.Errorf("choose an API key or an HMAC secret, not both")
	}
	if opt.APIKeyHeader == "" {
		opt.APIKeyHeader = "X-API-Key"
	}
	if opt.HMACKeyID == "" {
		opt.HMACKeyID = "creditbridge"
	}
	s := &Server{opt: opt, index: map[string]int{}, depts: map[string]bool{},
		units: map[string]string{ItemLegalRep: "", ItemKeyPersonnel: "", ItemConsumption: "", ItemRealEstate: "", ItemRealEstateMort: "fen", ItemMovableMortgage: "fen"},
		quit:  make(chan struct{})}
	for _, it := range synth.Items() {
		s.units[it.Code] = it.Unit
	}
	all := []string{synth.DeptTax, synth.DeptHRSS, synth.DeptHF, synth.DeptGrid, synth.DeptWater, synth.DeptGas, synth.DeptCourt,
		synth.DeptSAMR, synth.DeptSci, "nr", "pbc"}
	if len(opt.Departments) == 0 {
		opt.Departments = all
	}
	for _, d := range opt.Departments {
		if !slices.Contains(all, d) {
			return nil, fmt.Errorf("unknown department %q (known: %s)", d, strings.Join(all, ", "))
		}
		s.depts[d] = true
	}
	seed := opt.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.rnd = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if opt.HMACSecret != "" {
		s.verifier = &connector.Verifier{KeyID: opt.HMACKeyID, Secret: []byte(opt.HMACSecret)}
	}
	if opt.Data != "" {
		d, err := loadData(ctx, opt.Data, func(item string) bool { return s.depts[deptOf(item)] })
		if err != nil {
			return nil, err
		}
		s.data = d
		for i, c := range d.codes {
			s.index[c] = i
		}
		return s, nil
	}
	g, err := synth.New(opt.Region)
	if err != nil {
		return nil, err
	}
	s.gen = g
	err = g.Each(ctx, func(b synth.Bundle) error {
		s.index[b.Profile.Code] = b.Profile.Index
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Codes returns the credit codes the region holds, in index order.
func (s *Server) Codes() []string {
	out := make([]string, len(s.index))
	for c, i := range s.index {
		out[i] = c
	}
	return out
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	st := Stats{Requests: s.requests.Load(), Served: s.served.Load(), Failed: s.failed.Load(), Rejected: s.rejected.Load(),
		NotFound: s.notFound.Load()}
	if s.data != nil {
		st.DataRows, st.SkippedRows = s.data.rows, s.data.skipped
	}
	return st
}

// Close releases hanging requests (call before shutting the HTTP server
// down, so that shutdown does not wait for them).
func (s *Server) Close() { s.once.Do(func() { close(s.quit) }) }

// Handler serves the simulator's routes.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) { writeJSON(w, http.StatusOK, s.Stats()) })
	mux.HandleFunc("GET /_sim/enterprises", func(w http.ResponseWriter, r *http.Request) {
		codes := s.Codes()
		if n, err := strconv.Atoi(r.URL.Query().Get("limit")); err == nil && n >= 0 && n < len(codes) {
			codes = codes[:n]
		}
		writeJSON(w, http.StatusOK, map[string]any{"credit_codes": codes, "total": len(s.index)})
	})
	mux.HandleFunc("GET /api/{dept}/v1/enterprises/{code}/items/{item}", s.serveItem)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusNotFound, envelope{Code: 404, Message: "no such interface"})
	})
	return mux
}

type envelope struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
	Data    any    `json:"data,omitempty"`
}

// Record is one record as the simulator sends it.
type Record struct {
	Period string          `json:"period"`
	Value  json.Number     `json:"value"`
	Text   string          `json:"text,omitempty"`
	Ref    string          `json:"ref,omitempty"`
	EndsOn string          `json:"ends_on,omitempty"`
	Detail json.RawMessage `json:"detail,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (s *Server) draw() (delay time.Duration, fail bool, hang bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delay = s.opt.Latency
	if s.opt.Jitter > 0 {
		delay += time.Duration(s.rnd.Int64N(int64(s.opt.Jitter)))
	}
	fail = s.opt.FailureRate > 0 && s.rnd.Float64() < s.opt.FailureRate
	switch s.opt.FailureMode {
	case FailHang:
		hang = true
	case FailMixed:
		hang = s.rnd.IntN(2) == 0
	}
	return delay, fail, hang
}

func (s *Server) serveItem(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	delay, fail, hang := s.draw()
	if !s.wait(r.Context(), delay) {
		return
	}
	if fail {
		s.failed.Add(1)
		if hang {
			select {
			case <-r.Context().Done():
			case <-s.quit:
			}
			return
		}
		writeJSON(w, http.StatusInternalServerError, envelope{Code: 500, Message: "simulated failure"})
		return
	}
	if reason := s.authenticate(r); reason != "" {
		s.rejected.Add(1)
		writeJSON(w, http.StatusUnauthorized, envelope{Code: 401, Message: reason})
		return
	}
	dept, item := r.PathValue("dept"), r.PathValue("item")
	full, ok := s.itemOf(dept, item)
	if !s.depts[dept] || !ok {
		s.notFound.Add(1)
		writeJSON(w, http.StatusNotFound, envelope{Code: 404, Message: "unknown department or item"})
		return
	}
	from, err1 := optDate(r.URL.Query().Get("from"))
	to, err2 := optDate(r.URL.Query().Get("to"))
	if err1 != nil || err2 != nil {
		writeJSON(w, http.StatusBadRequest, envelope{Code: 400, Message: "from and to must be dates YYYY-MM-DD"})
		return
	}
	recs := []Record{}
	if s.data != nil {
		if got := s.data.records(s, r.PathValue("code"), full, from, to); got != nil {
			recs = got
		}
	} else if i, ok := s.index[r.PathValue("code")]; ok {
		for _, f := range Served(s.gen.Enterprise(i), dept, full) {
			if !from.IsZero() && f.Period.Before(from) || !to.IsZero() && f.Period.After(to) {
				continue
			}
			recs = append(recs, s.record(f))
		}
	}
	s.served.Add(1)
	writeJSON(w, http.StatusOK, envelope{Code: 0, Message: "ok", Data: map[string]any{
		"credit_code": r.PathValue("code"), "item": item, "records": recs}})
}

func (s *Server) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.quit:
		return false
	}
}

func (s *Server) authenticate(r *http.Request) string {
	switch {
	case s.opt.APIKey != "":
		if subtle.ConstantTimeCompare([]byte(r.Header.Get(s.opt.APIKeyHeader)), []byte(s.opt.APIKey)) != 1 {
			return "invalid API key"
		}
	case s.verifier != nil:
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := s.verifier.Verify(r, body); err != nil {
			return err.Error()
		}
	}
	return ""
}

// itemOf resolves {item}: a catalogue code, or its part after the first
// dot, of an item the department serves.
func (s *Server) itemOf(dept, item string) (string, bool) {
	for code := range s.units {
		if code == item || strings.SplitN(code, ".", 2)[1] == item {
			if deptOf(code) == dept {
				return code, true
			}
		}
	}
	return "", false
}

// deptOf is the department that serves an item.
func deptOf(code string) string {
	switch code {
	case ItemLegalRep, ItemKeyPersonnel:
		return synth.DeptSAMR
	case ItemConsumption:
		return synth.DeptCourt
	case ItemRealEstate, ItemRealEstateMort:
		return "nr"
	case ItemMovableMortgage:
		return "pbc"
	}
	for _, it := range synth.Items() {
		if it.Code == code {
			return it.Department
		}
	}
	return ""
}

func (s *Server) record(f facts.Fact) Record {
	r := deptfiles.InterfaceRecord("", f, s.units[f.Item])
	return Record{Period: r.Period, Value: r.Value, Text: r.Text, Ref: r.Ref, EndsOn: r.EndsOn, Detail: r.Detail}
}

// Yuan writes fen as 元 with two decimals ("-12.05").
func Yuan(fen int64) string { return deptfiles.Yuan(fen) }

func optDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// Served is what department dept answers for item about the enterprise of
// b: its facts of that item in their latest version, or the derived
// records of an interface-only item (deptfiles.InterfaceFacts), ordered by
// period and ref. The integration tests compare a connector's mapped facts
// with it.
func Served(b synth.Bundle, dept, item string) []facts.Fact {
	if deptOf(item) != dept {
		return nil
	}
	if out := deptfiles.InterfaceFacts(&b, item); out != nil || isInterfaceItem(item) {
		return out
	}
	out := latest(b.Facts, item)
	deptfiles.SortFacts(out)
	return out
}

// latest keeps the highest version of each (period, ref) of item.
func latest(fs []facts.Fact, item string) []facts.Fact { return deptfiles.LatestFacts(fs, item) }

func isInterfaceItem(item string) bool {
	for _, it := range deptfiles.InterfaceItems() {
		if it.Code == item {
			return true
		}
	}
	return false
}
