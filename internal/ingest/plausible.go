package ingest

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Unit plausibility: a money measure written in the wrong unit (万元 in a
// 元 column, 元 in a 万元 column) is off by 10^4 from the enterprise's own
// recent values. A value at least UnitFactor times above or below the
// median of the enterprise's non-zero values of the item over the 12
// months before is refused. It needs MinHistory such values: the first
// months of an enterprise cannot be checked, and a value in fen in a 元
// column (×100) is within what real figures do, so it is not caught.
const (
	UnitFactor = 3000
	MinHistory = 3
)

// history caches each enterprise's recent values per item.
type history struct {
	q      func(ctx context.Context, q facts.Query) ([]facts.Fact, error)
	prefix string // item prefix covering every checked column ("tax.")
	items  map[string]bool
	cache  map[int64]map[string][]int64 // enterprise → item → values (sorted)
	period time.Time
}

func newHistory(ds *Dataset, q func(context.Context, facts.Query) ([]facts.Fact, error)) *history {
	if ds.RowKind != KindMeasure {
		return nil
	}
	h := &history{q: q, items: map[string]bool{}, cache: map[int64]map[string][]int64{}}
	var items []string
	for _, c := range ds.Columns {
		if c.Item != "" && c.Type == "money" {
			h.items[c.Item] = true
			items = append(items, c.Item)
		}
	}
	if len(items) == 0 {
		return nil
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
	return h
}

// check returns the first implausible fact of a row, with the median it
// was compared to.
func (h *history) check(ctx context.Context, id int64, fs []facts.Fact) (int, int64, error) {
	if h == nil {
		return -1, 0, nil
	}
	for i, f := range fs {
		if !h.items[f.Item] || f.Num == 0 {
			continue
		}
		vals, err := h.values(ctx, id, f.Item, f.Period)
		if err != nil {
			return -1, 0, err
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
			return i, med, nil
		}
	}
	return -1, 0, nil
}

func (h *history) values(ctx context.Context, id int64, item string, period time.Time) ([]int64, error) {
	byItem, ok := h.cache[id]
	if !ok || !h.period.Equal(period) {
		if !h.period.Equal(period) {
			clear(h.cache)
			h.period = period
		}
		byItem = map[string][]int64{}
		q := facts.Query{EnterpriseID: id, Item: h.prefix, From: period.AddDate(-1, 0, 0), To: period.AddDate(0, 0, -1), Limit: 10000}
		if q.Item == "" {
			q.Item = item
		}
		fs, err := h.q(ctx, q)
		if err != nil {
			return nil, err
		}
		for _, f := range fs {
			if h.items[f.Item] && f.Num != 0 {
				v := f.Num
				if v < 0 {
					v = -v
				}
				byItem[f.Item] = append(byItem[f.Item], v)
			}
		}
		for _, vs := range byItem {
			slices.Sort(vs)
		}
		h.cache[id] = byItem
	}
	return byItem[item], nil
}

func unitDetail(med int64) string {
	return fmt.Sprintf("recent median %d.%02d 元; a unit error?", med/100, med%100)
}
