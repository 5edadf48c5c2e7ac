package ingest

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Unit plausibility: a money measure written in the wrong unit (万元 in a
// 元 column, 元 in a 万元 column) is off by 10^4 from the enterprise's own
// recent values. A value at least UnitFactor times above or below the
// median of the enterprise's non-zero values of the item over the 12
// months before is refused. It needs MinHistory such values: the first
// months of an enterprise cannot be checked this way.
//
// Fen (分) written in a 元 column is off by only ×100, which real figures
// sometimes do (a firm's first big contract, a back payment), so it is
// refused only on evidence a genuine figure does not give:
//   - a ratio to another column of the same row outside what any real
//     enterprise pays (electricity above 10 元 per kWh, social insurance
//     above 50,000 元 or housing fund above 20,000 元 per person and
//     month; see ratioRules): caught whatever the history;
//   - an integer cell (fen have no decimals) at least FenFactor times the
//     enterprise's recent median (MinHistory values needed).
//
// What cannot be refused: a fen value in a column with no hard partner
// bound (tax amounts, arrears) for an enterprise without history (its
// first months, a new item), an arrears amount appearing from zero, a fen
// value of a volatile series that stays under FenFactor × its median, and
// fen written with two decimals (".00"), which no check can tell from a
// real amount of 元.
//
// Some of these are still suspect, and are stored but reported as
// warnings ("please confirm", see suspectRules and SeverityWarning): VAT
// sales and VAT payable in the same row whose ratio lies far outside what
// VAT rates give. No levy is below 1 % of sales (small-scale taxpayers;
// general taxpayers owe 6–13 % of sales less input VAT, 1–5 % of sales
// typically, and 0 when input VAT exceeds output), and none above 13 %:
// VAT payable under 0.1 % of the sales, or above 20 % of them, is what
// fen in one of the two 元 columns gives (×100), and rare for a real
// return (input VAT that almost exactly matches output, an adjustment of
// earlier months), so it is asked about rather than refused. A value in
// line with the enterprise's own history (MinHistory values, within a
// factor of 3 of their median) is not questioned: the ratio is then the
// enterprise's normal, not a unit slip.
const (
	UnitFactor = 3000
	FenFactor  = 30
	MinHistory = 3
)

// ratioRule bounds num/den of two items of one measure row: money per
// unit of a count. Bounds are in fen per unit; Max catches fen in a 元
// column (×100), Min 万元 in a 元 column (÷10^4).
type ratioRule struct {
	Num, Den string
	Min, Max int64
	Unit     string // of the ratio, for the message
}

// ratioRules are bounds no real enterprise crosses (2026 tariffs and
// contribution bases; several times the highest real values).
var ratioRules = []ratioRule{
	{Num: "util.electricity_bill", Den: "util.electricity_kwh", Min: 5, Max: 1000, Unit: "元/kWh"},
	{Num: "si.contributions", Den: "si.insured_headcount", Min: 5000, Max: 5_000_000, Unit: "元/人"},
	{Num: "hf.contributions", Den: "hf.headcount", Min: 1000, Max: 2_000_000, Unit: "元/人"},
}

// suspectRule flags num/den of two items of one measure row outside
// [MinPPM, MaxPPM] parts per million (0: no bound): possible for a real
// enterprise, but what a unit error gives. The fact suspected is num
// above the maximum and den below the minimum.
type suspectRule struct {
	Num, Den       string
	MinPPM, MaxPPM int64
	LowCode        string // the warning when below MinPPM (suspects Den)
	HighCode       string // the warning when above MaxPPM (suspects Num)
}

// suspectRules: VAT payable against VAT sales (see the comment above).
var suspectRules = []suspectRule{
	{Num: "tax.vat_paid", Den: "tax.vat_sales", MinPPM: 1000, MaxPPM: 200_000,
		LowCode: "ingest.suspect_low_vat", HighCode: "ingest.suspect_high_vat"},
}

// suspectCheck returns the index of the first suspect fact of a row,
// the warning's code and its detail (the ratio in per cent), or -1.
// vouched(i) reports whether fact i is in line with the enterprise's own
// history; nil: no history.
func suspectCheck(fs []facts.Fact, vouched func(i int) bool) (int, string, string) {
	for _, r := range suspectRules {
		ni, di := -1, -1
		for i := range fs {
			switch fs[i].Item {
			case r.Num:
				ni = i
			case r.Den:
				di = i
			}
		}
		if ni < 0 || di < 0 || fs[ni].Num <= 0 || fs[di].Num <= 0 {
			continue
		}
		n, d := fs[ni].Num, fs[di].Num
		ppm := float64(n) / float64(d) * 1e6
		i, code := -1, ""
		switch {
		case r.MinPPM > 0 && ppm < float64(r.MinPPM):
			i, code = di, r.LowCode
		case r.MaxPPM > 0 && ppm > float64(r.MaxPPM):
			i, code = ni, r.HighCode
		}
		if i < 0 || vouched != nil && vouched(i) {
			continue
		}
		return i, code, percent(ppm)
	}
	return -1, "", ""
}

// percent writes parts per million as a percentage with enough digits to
// show a small share (0.031, 2.5, 310).
func percent(ppm float64) string {
	p := ppm / 1e4
	switch {
	case p < 0.1:
		return strconv.FormatFloat(p, 'f', 4, 64)
	case p < 10:
		return strconv.FormatFloat(p, 'f', 2, 64)
	}
	return strconv.FormatFloat(p, 'f', 0, 64)
}

// inLine reports whether a value is within a factor of 3 of the median of
// the enterprise's recent values (sorted), given MinHistory of them.
func inLine(v int64, recent []int64) bool {
	if len(recent) < MinHistory {
		return false
	}
	if v < 0 {
		v = -v
	}
	med := recent[len(recent)/2]
	return v <= 3*med && 3*v >= med
}

// ratioCheck returns the index of the first fact of a row whose ratio to
// a partner fact is out of bounds, and the message detail.
func ratioCheck(fs []facts.Fact) (int, string) {
	for _, r := range ratioRules {
		ni, di := -1, -1
		for i := range fs {
			switch fs[i].Item {
			case r.Num:
				ni = i
			case r.Den:
				di = i
			}
		}
		if ni < 0 || di < 0 || fs[ni].Num <= 0 || fs[di].Num <= 0 {
			continue
		}
		n, d := fs[ni].Num, fs[di].Num
		if n/d > r.Max || (n/d < r.Min && n < r.Min*d) {
			return ni, fmt.Sprintf("%s per %s is %s %s, outside %s–%s %s", r.Num, r.Den, yuan(n/d), r.Unit,
				yuan(r.Min), yuan(r.Max), r.Unit)
		}
	}
	return -1, ""
}

// yuan writes fen as 元 with two decimals.
func yuan(fen int64) string { return fmt.Sprintf("%d.%02d", fen/100, fen%100) }

// history reads the recent values the unit check compares a row with:
// the enterprise's committed values of the 12 months before the row's
// period (earlier batches: the batch being loaded is not history). A
// chunk of rows is read at once when the store can (EachRecentValue: one
// statement per 1,000 enterprises), otherwise one QueryFacts per
// enterprise. Reads go through the store outside the batch's transaction,
// so that they can run beside its inserts (see unitQueue).
//
// When the batch starts, the store tells where the committed values of
// the checked items end (the latest period of any enterprise); a window
// that begins after it holds no history, and is not read. A department's
// first load of several years is mostly such rows: without this every
// chunk would read back only the batch's own, invisible, rows.
type history struct {
	q      func(ctx context.Context, q facts.Query) ([]facts.Fact, error)
	many   recentReader   // nil: per enterprise
	prefix string         // item prefix covering every checked column ("tax.")
	index  map[string]int // checked item → its place in a histCache entry
	// until is the latest period of a committed checked item when the
	// batch started (zero: none, no history at all); known tells whether
	// the store could say (otherwise every window is read).
	until time.Time
	known bool
	// reads counts the enterprise histories read (for the evidence entry).
	reads atomic.Int64
}

// histCache is a chunk's history: enterprise and period → per checked
// item (history.index) the absolute non-zero values, sorted. A key
// present with a nil entry: read, no values.
type histCache map[histKey][][]int64

type histKey struct {
	id     int64
	period int64 // Unix seconds of the period
}

// recentReader is the batched history read (see sqldb.EachRecentValue):
// values are handed over one by one, so that a chunk's history (a year of
// a few thousand enterprises' values) is never held as facts.
type recentReader interface {
	EachRecentValue(ctx context.Context, ids []int64, prefix string, from, to time.Time, fn func(id int64, item string, num int64)) error
}

// latestReader tells where the stored values of some items end (see
// sqldb.LatestPeriod).
type latestReader interface {
	LatestPeriod(ctx context.Context, items []string) (time.Time, error)
}

func newHistory(ctx context.Context, ds *Dataset, st interface {
	QueryFacts(context.Context, facts.Query) ([]facts.Fact, error)
}) (*history, error) {
	if ds.RowKind != KindMeasure {
		return nil, nil
	}
	h := &history{q: st.QueryFacts, index: map[string]int{}}
	h.many, _ = st.(recentReader)
	var items []string
	for _, c := range ds.Columns {
		if _, dup := h.index[c.Item]; c.Item != "" && c.Type == "money" && !dup {
			h.index[c.Item] = len(items)
			items = append(items, c.Item)
		}
	}
	if len(items) == 0 {
		return nil, nil
	}
	if lr, ok := st.(latestReader); ok {
		until, err := lr.LatestPeriod(ctx, items)
		if err != nil {
			return nil, err
		}
		h.until, h.known = until, true
	}
	h.prefix = items[0]
	if i := strings.IndexByte(h.prefix, '.'); i > 0 {
		h.prefix = h.prefix[:i+1]
	}
	for _, it := range items {
		if !strings.HasPrefix(it, h.prefix) {
			h.prefix = ""
		}
	}
	if h.prefix == "" && len(items) == 1 {
		h.prefix = items[0]
	}
	if h.prefix == "" {
		h.many = nil // items of several families: per enterprise and item
	}
	return h, nil
}

// none reports whether a window starting at from is known to hold no
// history: it begins after the last committed value of the items.
func (h *history) none(from time.Time) bool {
	return h.known && (h.until.IsZero() || from.After(h.until))
}

// window is the history a period is compared with: the 12 months before.
func window(period time.Time) (time.Time, time.Time) {
	return period.AddDate(-1, 0, 0), period.AddDate(0, 0, -1)
}

// read reads the history of a chunk's enterprises (ids per period, each
// sorted and distinct) in batched statements. Without a batched read it
// returns an empty cache that check fills on demand.
func (h *history) read(ctx context.Context, byPeriod map[time.Time][]int64) (histCache, error) {
	c := histCache{}
	if h.many == nil {
		return c, nil
	}
	for period, ids := range byPeriod {
		from, to := window(period)
		p := period.Unix()
		for _, id := range ids {
			c[histKey{id, p}] = nil
		}
		if h.none(from) {
			continue
		}
		err := h.many.EachRecentValue(ctx, ids, h.prefix, from, to, func(id int64, item string, num int64) {
			h.add(c, histKey{id, p}, item, num)
		})
		if err != nil {
			return nil, err
		}
		h.reads.Add(int64(len(ids)))
	}
	for _, byItem := range c {
		for _, vs := range byItem {
			slices.Sort(vs)
		}
	}
	return c, nil
}

func (h *history) add(c histCache, k histKey, item string, num int64) {
	i, ok := h.index[item]
	if !ok || num == 0 {
		return
	}
	byItem := c[k]
	if byItem == nil {
		byItem = make([][]int64, len(h.index))
		c[k] = byItem
	}
	if num < 0 {
		num = -num
	}
	byItem[i] = append(byItem[i], num)
}

// check returns the first implausible fact of a row with the problem's
// code and detail; cell returns the text of an item's cell.
func (h *history) check(ctx context.Context, c histCache, id int64, fs []facts.Fact, cell func(item string) string) (int, string, string, error) {
	if h == nil {
		return -1, "", "", nil
	}
	for i, f := range fs {
		if _, ok := h.index[f.Item]; !ok || f.Num == 0 {
			continue
		}
		vals, err := h.values(ctx, c, id, f.Item, f.Period)
		if err != nil {
			return -1, "", "", err
		}
		if len(vals) < MinHistory {
			continue
		}
		med := vals[len(vals)/2]
		n := f.Num
		if n < 0 {
			n = -n
		}
		if n/UnitFactor >= med || n*UnitFactor <= med {
			return i, "ingest.unit_suspect", unitDetail(med), nil
		}
		if n/FenFactor >= med && !strings.ContainsAny(cell(f.Item), ".eE") {
			return i, "ingest.unit_fen", fmt.Sprintf("%d times the recent median %s 元", n/med, yuan(med)), nil
		}
	}
	return -1, "", "", nil
}

func (h *history) values(ctx context.Context, c histCache, id int64, item string, period time.Time) ([]int64, error) {
	k := histKey{id, period.Unix()}
	if byItem, ok := c[k]; ok {
		return h.of(byItem, item), nil
	}
	// Not read with the chunk: one query for the enterprise (and item,
	// when the items have no common prefix).
	from, to := window(period)
	if h.none(from) {
		return nil, nil
	}
	q := facts.Query{EnterpriseID: id, Item: h.prefix, From: from, To: to, Limit: 10000}
	if q.Item == "" {
		q.Item = item
	}
	fs, err := h.q(ctx, q)
	if err != nil {
		return nil, err
	}
	h.reads.Add(1)
	c[k] = nil
	for _, f := range fs {
		h.add(c, k, f.Item, f.Num)
	}
	byItem := c[k]
	for _, vs := range byItem {
		slices.Sort(vs)
	}
	if h.prefix == "" {
		delete(c, k) // per item: the next item is read too
	}
	return h.of(byItem, item), nil
}

// of returns an item's values from a histCache entry.
func (h *history) of(byItem [][]int64, item string) []int64 {
	i, ok := h.index[item]
	if !ok || byItem == nil {
		return nil
	}
	return byItem[i]
}

// unitQueue holds measure rows waiting for the unit check. Rows are
// checked a chunk at a time: when a chunk is full its history is read in
// the background while the previous chunk, whose history is in, is
// checked and stored, so that reading history and inserting overlap.
type unitQueue struct {
	h   *history
	ctx context.Context
	// inline reads history in the caller's goroutine: when the store the
	// history is read from is the batch's own transaction (File called
	// with a transaction), which must not serve two queries at once.
	inline   bool
	cur      *unitChunk // filling
	inflight *unitChunk // history being read
	spare    *unitChunk
	ncols    int
}

// unitChunk is a chunk of rows: their facts (facts[from:to]), cells
// (cells[at : at+ncols]) and enterprises per period; cache and err are
// its history once done is closed.
type unitChunk struct {
	rows     []unitRow
	facts    []facts.Fact
	cells    []string
	byPeriod map[time.Time][]int64
	done     chan struct{}
	cache    histCache
	err      error
}

type unitRow struct {
	num      int
	id       int64
	from, to int
	at       int
}

func newUnitQueue(ctx context.Context, h *history, ncols int, inline bool) *unitQueue {
	return &unitQueue{h: h, ctx: ctx, cur: &unitChunk{byPeriod: map[time.Time][]int64{}}, ncols: ncols, inline: inline}
}

// add queues a row; it returns the number of rows queued in the chunk.
func (q *unitQueue) add(num int, id int64, fs []facts.Fact, cells []string) int {
	c := q.cur
	c.rows = append(c.rows, unitRow{num: num, id: id, from: len(c.facts), to: len(c.facts) + len(fs), at: len(c.cells)})
	c.facts = append(c.facts, fs...)
	c.cells = append(c.cells, cells...)
	p := fs[0].Period
	c.byPeriod[p] = append(c.byPeriod[p], id)
	return len(c.rows)
}

// rotate starts reading the filling chunk's history and returns the
// chunk whose history was being read, once it is in (nil if none).
func (q *unitQueue) rotate() (*unitChunk, error) {
	prev := q.inflight
	q.inflight = nil
	if prev != nil {
		<-prev.done
		if prev.err != nil {
			return nil, prev.err
		}
	}
	if c := q.cur; len(c.rows) > 0 {
		for p, ids := range c.byPeriod {
			slices.Sort(ids)
			c.byPeriod[p] = slices.Compact(ids)
		}
		c.done = make(chan struct{})
		read := func() {
			defer close(c.done)
			c.cache, c.err = q.h.read(q.ctx, c.byPeriod)
		}
		if q.inline {
			read()
		} else {
			go read()
		}
		q.inflight = c
		q.cur = q.spare
		q.spare = nil
		if q.cur == nil {
			q.cur = &unitChunk{byPeriod: map[time.Time][]int64{}}
		}
	}
	return prev, nil
}

// recycle gives a checked chunk's buffers back.
func (q *unitQueue) recycle(c *unitChunk) {
	c.rows, c.facts, c.cells, c.cache, c.err = c.rows[:0], c.facts[:0], c.cells[:0], nil, nil
	clear(c.byPeriod)
	q.spare = c
}

// wait lets a background read finish (when the batch ends early).
func (q *unitQueue) wait() {
	if q.inflight != nil {
		<-q.inflight.done
	}
}

func unitDetail(med int64) string {
	return fmt.Sprintf("recent median %d.%02d 元; a unit error?", med/100, med%100)
}
