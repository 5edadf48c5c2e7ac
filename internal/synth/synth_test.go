package synth

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/region"
)

func newGen(t testing.TB, cfg Config) *Generator {
	t.Helper()
	g, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	return g
}

// scaled returns n, or small under the race detector.
func scaled(n, small int) int {
	if raceEnabled {
		return small
	}
	return n
}

func TestNewRejectsBadConfig(t *testing.T) {
	t.Parallel()
	ok := Config{Enterprises: 10, Seed: 1}
	cases := []struct {
		name  string
		edit  func(*Config)
		field string
		code  string
	}{
		{"no enterprises", func(c *Config) { c.Enterprises = 0 }, "Enterprises", "synth.enterprises"},
		{"negative enterprises", func(c *Config) { c.Enterprises = -5 }, "Enterprises", "synth.enterprises"},
		{"too many enterprises", func(c *Config) { c.Enterprises = MaxEnterprises + 1 }, "Enterprises", "synth.enterprises"},
		{"negative months", func(c *Config) { c.Months = -1 }, "Months", "synth.months"},
		{"too many months", func(c *Config) { c.Months = MaxMonths + 1 }, "Months", "synth.months"},
		{"unknown province", func(c *Config) { c.Province = "99" }, "Province", "synth.province"},
		{"one-digit province", func(c *Config) { c.Province = "3" }, "Province", "synth.province"},
		{"province with a city", func(c *Config) { c.Province = "3205" }, "Province", "synth.province"},
		{"province without divisions", func(c *Config) { c.Province = "71" }, "Province", "synth.province"},
		{"end month mid-month", func(c *Config) { c.EndMonth = time.Date(2026, 10, 15, 0, 0, 0, 0, time.UTC) }, "EndMonth", "synth.end_month"},
		{"end month not UTC", func(c *Config) { c.EndMonth = time.Date(2026, 10, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)) }, "EndMonth", "synth.end_month"},
		{"end month too early", func(c *Config) { c.EndMonth = time.Date(1999, 1, 1, 0, 0, 0, 0, time.UTC) }, "EndMonth", "synth.end_month_range"},
		{"default rate too high", func(c *Config) { c.DefaultRate = 0.5 }, "DefaultRate", "synth.default_rate"},
		{"default rate negative", func(c *Config) { c.DefaultRate = -0.05 }, "DefaultRate", "synth.default_rate"},
		{"default rate NaN", func(c *Config) { c.DefaultRate = math.NaN() }, "DefaultRate", "synth.default_rate"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := ok
			tc.edit(&cfg)
			g, err := New(cfg)
			if err == nil {
				t.Fatalf("New accepted %+v", cfg)
			}
			if g != nil {
				t.Errorf("New returned a generator with an error")
			}
			if !fault.Is(err, fault.Invalid) {
				t.Errorf("error kind %v, want invalid: %v", fault.KindOf(err), err)
			}
			if !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name the field %s", err, tc.field)
			}
			if fe, _ := fault.As(err); fe == nil || fe.Code != tc.code {
				t.Errorf("error code %v, want %s", fe, tc.code)
			}
			if _, ok := Messages[tc.code]; !ok {
				t.Errorf("code %s has no message", tc.code)
			}
		})
	}
}

func TestNewFillsDefaults(t *testing.T) {
	t.Parallel()
	g := newGen(t, Config{Enterprises: 10})
	got := g.Config()
	want := Config{Enterprises: 10, Months: DefaultMonths, Province: DefaultProvince, EndMonth: DefaultEndMonth, DefaultRate: DefaultDefaultRate}
	if got != want {
		t.Errorf("Config() = %+v, want %+v", got, want)
	}
	if !g.AsOf().After(got.EndMonth.AddDate(0, 1, 0)) {
		t.Errorf("AsOf %v is not after the last month", g.AsOf())
	}
}

func TestDeterministic(t *testing.T) {
	t.Parallel()
	cfg := Config{Enterprises: 1000, Seed: 42}
	g1, g2 := newGen(t, cfg), newGen(t, cfg)
	bigger := newGen(t, Config{Enterprises: 5000, Seed: 42})
	other := newGen(t, Config{Enterprises: 1000, Seed: 43})
	t.Run("same index twice", func(t *testing.T) {
		t.Parallel()
		for _, i := range []int{0, 1, 17, 999} {
			a, b := g1.Enterprise(i), g2.Enterprise(i)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("enterprise %d differs between two generators of the same config", i)
			}
			if c := g1.Enterprise(i); !reflect.DeepEqual(a, c) {
				t.Fatalf("enterprise %d differs between two calls", i)
			}
		}
	})
	t.Run("independent of population size", func(t *testing.T) {
		t.Parallel()
		for _, i := range []int{0, 500, 999} {
			if !reflect.DeepEqual(g1.Enterprise(i), bigger.Enterprise(i)) {
				t.Fatalf("enterprise %d depends on the population size", i)
			}
		}
	})
	t.Run("each matches enterprise", func(t *testing.T) {
		t.Parallel()
		g := newGen(t, Config{Enterprises: scaled(300, 60), Seed: 42})
		i := 0
		err := g.Each(context.Background(), func(b Bundle) error {
			if b.Profile.Index != i {
				t.Fatalf("Each delivered index %d at position %d", b.Profile.Index, i)
			}
			if !reflect.DeepEqual(b, g.Enterprise(i)) {
				t.Fatalf("Each and Enterprise differ for %d", i)
			}
			i++
			return nil
		})
		if err != nil || i != g.Config().Enterprises {
			t.Fatalf("Each: %v after %d bundles", err, i)
		}
	})
	t.Run("different seeds differ", func(t *testing.T) {
		t.Parallel()
		same := 0
		for i := 0; i < 20; i++ {
			if g1.Enterprise(i).Profile.Code == other.Enterprise(i).Profile.Code {
				same++
			}
		}
		if same > 0 {
			t.Errorf("%d of 20 codes equal across seeds", same)
		}
	})
}

func TestScrambleIsInjective(t *testing.T) {
	t.Parallel()
	n := scaled(300000, 50000)
	seen := make(map[uint32]bool, n)
	for i := 0; i < n; i++ {
		v := scramble(12345, uint32(i))
		if v >= MaxEnterprises {
			t.Fatalf("scramble(%d) = %d out of range", i, v)
		}
		if seen[v] {
			t.Fatalf("scramble repeats %d", v)
		}
		seen[v] = true
	}
}

// TestValidity checks every identifier and record of a population.
func TestValidity(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		province string
		n        int
		county   bool // divisions resolve to a county
	}{
		{"Jiangsu", "32", scaled(8000, 2000), true},
		{"Beijing (municipality)", "11", scaled(3000, 300), true},
		{"Guangdong (cities only)", "44", scaled(3000, 300), false},
	}
	itemInfo := map[string]ItemInfo{}
	for _, it := range Items() {
		itemInfo[it.Code] = it
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			g := newGen(t, Config{Enterprises: tc.n, Seed: 7, Province: tc.province})
			codes := make(map[string]int, tc.n)
			err := g.Each(context.Background(), func(b Bundle) error {
				checkBundle(t, g, b, tc.province, tc.county, itemInfo)
				if j, dup := codes[b.Profile.Code]; dup {
					t.Fatalf("code %s of enterprise %d repeats enterprise %d", b.Profile.Code, b.Profile.Index, j)
				}
				codes[b.Profile.Code] = b.Profile.Index
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestCodesUnique draws the codes of a larger population: a code depends
// only on the enterprise's core draws, which the test runs alone.
func TestCodesUnique(t *testing.T) {
	t.Parallel()
	n := scaled(50000, 10000)
	g := newGen(t, Config{Enterprises: n, Seed: 8})
	codes := make(map[string]int, n)
	for i := 0; i < n; i++ {
		f := firm{g: g, i: i}
		f.core()
		c := f.code()
		if _, err := creditcode.Parse(c); err != nil {
			t.Fatalf("enterprise %d: %s: %v", i, c, err)
		}
		if j, dup := codes[c]; dup {
			t.Fatalf("enterprise %d repeats the code %s of %d", i, c, j)
		}
		codes[c] = i
	}
	if got := g.Enterprise(n - 1).Profile.Code; codes[got] != n-1 {
		t.Fatalf("the profile's code %s is not the core's", got)
	}
}

// TestEveryProvince generates a few enterprises in every province with
// divisions.
func TestEveryProvince(t *testing.T) {
	t.Parallel()
	itemInfo := map[string]ItemInfo{}
	for _, it := range Items() {
		itemInfo[it.Code] = it
	}
	for _, p := range region.Provinces() {
		code := p.Code[:2]
		if len(region.Children(p.Code)) == 0 || raceEnabled && code != "41" && code != "65" {
			continue
		}
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			g := newGen(t, Config{Enterprises: 40, Seed: 9, Province: code})
			for i := 0; i < 40; i++ {
				b := g.Enterprise(i)
				path, _ := region.Resolve(b.Profile.Division)
				checkBundle(t, g, b, code, path.County.Code != "", itemInfo)
				if !strings.HasPrefix(b.Profile.Address, p.NameZH) {
					t.Fatalf("address %s is not in %s", b.Profile.Address, p.NameZH)
				}
			}
		})
	}
}

func checkBundle(t *testing.T, g *Generator, b Bundle, province string, county bool, itemInfo map[string]ItemInfo) {
	t.Helper()
	p := b.Profile
	code, err := creditcode.Parse(p.Code)
	if err != nil {
		t.Fatalf("enterprise %d: code %s: %v", p.Index, p.Code, err)
	}
	if code.Division() != p.Division || code.RegistrationAuthority() != '9' {
		t.Fatalf("enterprise %d: code %s does not carry division %s", p.Index, p.Code, p.Division)
	}
	if body := code.OrgCode(); creditcode.OrgCodeCheck(body[:8]) != body[8] {
		t.Fatalf("enterprise %d: organisation code %s has a wrong check character", p.Index, body)
	}
	path, err := region.Resolve(p.Division)
	// County-level units directly under a province (济源市) have no city.
	if err != nil || path.Province.Code != province+"0000" || county && path.County.Code == "" || path.City.Code == "" && path.County.Code == "" {
		t.Fatalf("enterprise %d: division %s resolves to %+v (%v)", p.Index, p.Division, path, err)
	}
	if _, err := personid.Validate(p.LegalRepID); err != nil {
		t.Fatalf("enterprise %d: legal representative id %s: %v", p.Index, p.LegalRepID, err)
	}
	if !strings.HasPrefix(p.LegalRepID, p.Division) {
		t.Fatalf("enterprise %d: identity number %s not from county %s", p.Index, p.LegalRepID, p.Division)
	}
	if !strings.HasSuffix(p.NameZH, MarkerZH) || !strings.HasSuffix(p.NameEN, MarkerEN) || !strings.HasPrefix(p.LegalRepPhone, "1700000") {
		t.Fatalf("enterprise %d: not marked synthetic: %s / %s / %s", p.Index, p.NameZH, p.NameEN, p.LegalRepPhone)
	}
	share := 0
	for _, sh := range p.Shareholders {
		share += sh.ShareBP
		if sh.Natural {
			if _, err := personid.Validate(sh.IDNumber); err != nil {
				t.Fatalf("enterprise %d: shareholder id %s: %v", p.Index, sh.IDNumber, err)
			}
		} else if _, err := creditcode.Parse(sh.IDNumber); err != nil {
			t.Fatalf("enterprise %d: parent company code %s: %v", p.Index, sh.IDNumber, err)
		}
	}
	if len(p.Shareholders) > 4 {
		t.Fatalf("enterprise %d: %d shareholders", p.Index, len(p.Shareholders))
	}
	if len(p.Shareholders) > 0 && share != 10000 {
		t.Fatalf("enterprise %d: shares sum to %d bp", p.Index, share)
	}
	if p.Size != "micro" && p.Size != "small" && p.Size != "medium" {
		t.Fatalf("enterprise %d: size %q", p.Index, p.Size)
	}
	if len(b.Hidden.Health) != g.Config().Months {
		t.Fatalf("enterprise %d: %d health values", p.Index, len(b.Hidden.Health))
	}
	asOf := g.AsOf()
	type key struct {
		item, ref string
		period    time.Time
	}
	versions := map[key]int{}
	received := map[key]time.Time{}
	for _, f := range b.Facts {
		info, ok := itemInfo[f.Item]
		if !ok {
			t.Fatalf("enterprise %d: item %s is not in Items()", p.Index, f.Item)
		}
		if f.Shape != info.Shape || f.Source != info.Department {
			t.Fatalf("enterprise %d: %s has shape %s from %s, Items() says %s from %s", p.Index, f.Item, f.Shape, f.Source, info.Shape, info.Department)
		}
		if f.ReceivedAt.After(asOf) || f.ReceivedAt.Before(f.Period) {
			t.Fatalf("enterprise %d: %s of %v received %v (as of %v)", p.Index, f.Item, f.Period, f.ReceivedAt, asOf)
		}
		if f.Shape == facts.Measure && (f.Num < 0 || !f.ReceivedAt.After(f.Period.AddDate(0, 1, 0)) || f.Period.Day() != 1) {
			t.Fatalf("enterprise %d: measure %+v", p.Index, f)
		}
		if f.Shape == facts.Event && (f.Ref == "" || !json.Valid([]byte(f.Detail)) || !strings.Contains(f.Detail, `"synthetic":true`) || strings.Contains(f.Detail, "%")) {
			t.Fatalf("enterprise %d: event %+v", p.Index, f)
		}
		k := key{f.Item, f.Ref, f.Period}
		if f.Version != versions[k]+1 {
			t.Fatalf("enterprise %d: %s %v version %d after %d", p.Index, f.Item, f.Period, f.Version, versions[k])
		}
		if f.Version > 1 && !f.ReceivedAt.After(received[k]) {
			t.Fatalf("enterprise %d: %s %v version %d received %v, not after version %d (%v)", p.Index, f.Item, f.Period, f.Version, f.ReceivedAt, f.Version-1, received[k])
		}
		versions[k], received[k] = f.Version, f.ReceivedAt
	}
	for _, l := range b.Loans {
		if l.RateBP < 300 || l.RateBP > 800 || l.AmountFen <= 0 || l.TermMonths < 6 || l.TermMonths > 36 || l.Lender == "" || l.ContractNo == "" ||
			strings.Contains(l.Lender, "%") || l.Source != DeptFinance || l.ReceivedAt.After(asOf) || l.ReceivedAt.Before(l.StartOn) {
			t.Fatalf("enterprise %d: loan %+v", p.Index, l)
		}
		switch l.Status {
		case facts.LoanDefaulted:
			if l.DefaultedOn.IsZero() || l.MaxDaysOverdue < 90 || !l.DefaultedOn.After(l.StartOn) {
				t.Fatalf("enterprise %d: defaulted loan %+v", p.Index, l)
			}
		case facts.LoanRepaid:
			if l.RepaidOn.IsZero() || l.RepaidOn.After(l.MaturityOn) {
				t.Fatalf("enterprise %d: repaid loan %+v", p.Index, l)
			}
		case facts.LoanCurrent, facts.LoanOverdue:
			if !l.DefaultedOn.IsZero() || !l.RepaidOn.IsZero() {
				t.Fatalf("enterprise %d: open loan %+v", p.Index, l)
			}
		default:
			t.Fatalf("enterprise %d: loan status %q", p.Index, l.Status)
		}
	}
}

func TestItems(t *testing.T) {
	t.Parallel()
	depts := map[string]bool{DeptTax: true, DeptHRSS: true, DeptHF: true, DeptGrid: true, DeptWater: true, DeptGas: true,
		DeptCourt: true, DeptSAMR: true, DeptSci: true, DeptFinance: true}
	seen := map[string]bool{}
	for _, it := range Items() {
		if seen[it.Code] {
			t.Errorf("item %s listed twice", it.Code)
		}
		seen[it.Code] = true
		if !depts[it.Department] || it.NameZH == "" || it.NameEN == "" || it.Frequency == "" || it.Note == "" {
			t.Errorf("item %+v is incomplete", it)
		}
		switch it.Shape {
		case facts.Measure, facts.Attribute, facts.Event:
		default:
			t.Errorf("item %s: shape %q", it.Code, it.Shape)
		}
	}
	if _, err := json.Marshal(Items()); err != nil {
		t.Fatal(err)
	}
}

func TestEachStops(t *testing.T) {
	t.Parallel()
	g := newGen(t, Config{Enterprises: 100000, Seed: 3})
	boom := errors.New("boom")
	cases := []struct {
		name    string
		stopAt  int // cancel (or fail) when this many bundles were seen
		fail    bool
		precanc bool
		want    error
	}{
		{"cancelled before start", 0, false, true, context.Canceled},
		{"cancelled midway", 25, false, false, context.Canceled},
		{"callback error", 10, true, false, boom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tc.precanc {
				cancel()
			}
			calls := 0
			err := g.Each(ctx, func(b Bundle) error {
				calls++
				if calls == tc.stopAt {
					if tc.fail {
						return boom
					}
					cancel()
				}
				return nil
			})
			if !errors.Is(err, tc.want) {
				t.Fatalf("Each returned %v, want %v", err, tc.want)
			}
			if calls != tc.stopAt {
				t.Fatalf("callback ran %d times, want %d", calls, tc.stopAt)
			}
		})
	}
}

// TestEachMemoryIsFlat streams a large population and watches the heap.
func TestEachMemoryIsFlat(t *testing.T) {
	// Not parallel: the heap must be this test's alone.
	n := 200000
	if testing.Short() || raceEnabled {
		n = 20000
	}
	g := newGen(t, Config{Enterprises: n, Seed: 11})
	// A tiny live heap makes the collector run every few hundred
	// enterprises; a higher target keeps the test fast and still shows
	// whether the heap grows with n.
	defer debug.SetGCPercent(debug.SetGCPercent(400))
	const bound = 96 << 20
	var ms runtime.MemStats
	peak := uint64(0)
	count := 0
	err := g.Each(context.Background(), func(b Bundle) error {
		count++
		if count%5000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapAlloc)
		}
		return nil
	})
	if err != nil || count != n {
		t.Fatalf("Each: %v after %d", err, count)
	}
	if peak > bound {
		t.Fatalf("heap reached %d MiB streaming %d enterprises, bound %d MiB", peak>>20, n, bound>>20)
	}
	t.Logf("streamed %d enterprises, peak heap %d MiB", n, peak>>20)
}

func TestAUC(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		scores []float64
		labels []bool
		want   float64
	}{
		{"perfect", []float64{1, 2, 3, 4}, []bool{false, false, true, true}, 1},
		{"inverted", []float64{4, 3, 2, 1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{1, 1, 1, 1}, []bool{false, true, false, true}, 0.5},
		{"one tie across classes", []float64{1, 2, 2, 3}, []bool{false, false, true, true}, 0.875},
		{"no positives", []float64{1, 2}, []bool{false, false}, 0.5},
		{"empty", nil, nil, 0.5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := AUC(tc.scores, tc.labels); math.Abs(got-tc.want) > 1e-12 {
				t.Errorf("AUC = %v, want %v", got, tc.want)
			}
		})
	}
}
