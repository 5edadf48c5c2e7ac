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
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Failure modes.
const (
	FailMixed = "mixed" // half 500s, half hangs
	FailError = "error" // HTTP 500
	FailHang  = "hang"  // no answer until the caller gives up
)

// Items served only by interface call, derived from the region.
const (
	ItemLegalRep        = "registration.legal_representative"
	ItemKeyPersonnel    = "registration.key_personnel"
	ItemConsumption     = "judicial.consumption_restriction"
	ItemRealEstate      = "property.real_estate"
	ItemRealEstateMort  = "property.real_estate_mortgage"
	ItemMovableMortgage = "property.movable_mortgage"
)

// Options configure a simulator.
type Options struct {
	Region synth.Config
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
}

// Server is a department simulator.
type Server struct {
	opt      Options
	gen      *synth.Generator
	index    map[string]int // credit code → enterprise index
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
	g, err := synth.New(opt.Region)
	if err != nil {
		return nil, err
	}
	s := &Server{opt: opt, gen: g, index: make(map[string]int, g.Config().Enterprises), depts: map[string]bool{},
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
	return Stats{Requests: s.requests.Load(), Served: s.served.Load(), Failed: s.failed.Load(), Rejected: s.rejected.Load(),
		NotFound: s.notFound.Load()}
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
	if i, ok := s.index[r.PathValue("code")]; ok {
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
	r := Record{Period: f.Period.Format(time.DateOnly), Text: f.Text, Ref: f.Ref}
	if s.units[f.Item] == "fen" {
		r.Value = json.Number(Yuan(f.Num))
	} else {
		r.Value = json.Number(strconv.FormatInt(f.Num, 10))
	}
	if !f.EndsOn.IsZero() {
		r.EndsOn = f.EndsOn.Format(time.DateOnly)
	}
	if f.Detail != "" && json.Valid([]byte(f.Detail)) {
		r.Detail = json.RawMessage(f.Detail)
	}
	return r
}

// Yuan writes fen as 元 with two decimals ("-12.05").
func Yuan(fen int64) string {
	sign := ""
	u := uint64(fen)
	if fen < 0 {
		sign, u = "-", uint64(-fen)
	}
	return fmt.Sprintf("%s%d.%02d", sign, u/100, u%100)
}

func optDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.DateOnly, s)
}

// Served is what department dept answers for item about the enterprise of
// b: its facts of that item in their latest version, or the derived
// records of an interface-only item, ordered by period and ref. The
// integration tests compare a connector's mapped facts with it.
func Served(b synth.Bundle, dept, item string) []facts.Fact {
	if deptOf(item) != dept {
		return nil
	}
	var out []facts.Fact
	switch item {
	case ItemLegalRep:
		p := b.Profile
		d, _ := json.Marshal(map[string]any{"name": p.LegalRepName, "id_number": p.LegalRepID, "synthetic": true})
		out = append(out, facts.Fact{Item: item, Shape: facts.Attribute, Period: p.FoundedOn, Text: p.LegalRepName, Detail: string(d)})
	case ItemKeyPersonnel:
		// A small firm's officers: the legal representative as executive
		// director and manager, the first other natural-person shareholder
		// as supervisor.
		p := b.Profile
		d, _ := json.Marshal(map[string]any{"position": "执行董事兼总经理", "synthetic": true})
		out = append(out, facts.Fact{Item: item, Shape: facts.Attribute, Period: p.FoundedOn, Text: p.LegalRepName, Ref: "executive_director", Detail: string(d)})
		for _, sh := range p.Shareholders {
			if sh.Natural && sh.Name != p.LegalRepName {
				d, _ := json.Marshal(map[string]any{"position": "监事", "synthetic": true})
				out = append(out, facts.Fact{Item: item, Shape: facts.Attribute, Period: p.FoundedOn, Text: sh.Name, Ref: "supervisor", Detail: string(d)})
				break
			}
		}
	case ItemConsumption:
		for _, f := range latest(b.Facts, synth.ItemDishonest) {
			d, _ := json.Marshal(map[string]any{"person": b.Profile.LegalRepName, "role": "legal_representative", "synthetic": true})
			out = append(out, facts.Fact{Item: item, Shape: facts.Event, Period: f.Period, EndsOn: f.EndsOn, Ref: f.Ref,
				Text: b.Profile.LegalRepName, Detail: string(d)})
		}
	case ItemRealEstate:
		// A mortgage needs a property: one certificate per mortgaged loan,
		// registered a year before the loan, still held.
		for _, l := range b.Loans {
			if l.Guarantee != "mortgage" {
				continue
			}
			use := "商业服务"
			if b.Profile.Industry == "C" {
				use = "工业"
			}
			reg := l.StartOn.AddDate(-1, 0, 0)
			area := max(50, l.AmountFen/1_000_000) // about 10,000 元 of credit per m²
			d, _ := json.Marshal(map[string]any{"location": b.Profile.Address, "area_m2": area, "synthetic": true})
			out = append(out, facts.Fact{Item: item, Shape: facts.Event, Period: reg, Text: use,
				Ref: fmt.Sprintf("苏(%d)不动产权第%07d号", reg.Year(), certNo(l.ContractNo)), Detail: string(d)})
		}
	case ItemRealEstateMort, ItemMovableMortgage:
		want, prefix := "mortgage", "DYDJ-"
		if item == ItemMovableMortgage {
			want, prefix = "pledge", "DCDJ-"
		}
		for _, l := range b.Loans {
			if l.Guarantee != want {
				continue
			}
			d, _ := json.Marshal(map[string]any{"secured_party": l.Lender, "contract_no": l.ContractNo, "synthetic": true})
			out = append(out, facts.Fact{Item: item, Shape: facts.Event, Period: l.StartOn, EndsOn: l.RepaidOn, Num: l.AmountFen,
				Ref: prefix + l.ContractNo, Detail: string(d)})
		}
	default:
		out = latest(b.Facts, item)
	}
	slices.SortStableFunc(out, func(a, b facts.Fact) int {
		if c := a.Period.Compare(b.Period); c != 0 {
			return c
		}
		return strings.Compare(a.Ref, b.Ref)
	})
	return out
}

// latest keeps the highest version of each (period, ref) of item.
func latest(fs []facts.Fact, item string) []facts.Fact {
	type key struct {
		period time.Time
		ref    string
	}
	at := map[key]int{}
	var out []facts.Fact
	for _, f := range fs {
		if f.Item != item {
			continue
		}
		k := key{f.Period, f.Ref}
		if i, ok := at[k]; ok {
			if f.Version > out[i].Version {
				out[i] = f
			}
			continue
		}
		at[k] = len(out)
		out = append(out, f)
	}
	return out
}

// certNo derives a stable seven-digit certificate number from a contract.
func certNo(s string) int {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	return int(h % 10_000_000)
}
