package ingest

import (
	"context"

	"github.com/bits-and-blooms/bloom/v3"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Duplicate rows within a batch are found in constant memory, whatever
// the file's size. Every row's hash goes into a Bloom filter of fixed size
// (DupFilterBits, 16 MiB: at 10 million rows about 0.4 % of new rows are
// false alarms); the hashes of the last Options.DupWindow rows (default
// DupWindow) are also kept
// exactly, with their row numbers, so that a copy of a recent row (not
// yet stored: rows wait in chunks for the unit check and the bulk insert)
// is caught at once. A filter hit older than the window is confirmed
// against the facts this batch already stored for the same enterprise,
// item and period in the batch's own transaction: the row is a duplicate
// only if every fact it gives is stored with equal values from one
// earlier row. Registry rows (registrations, shareholders, loans) are
// bounded by the registry's size, not the file's, and are kept exactly.
const (
	DupFilterBits = 1 << 27
	DupWindow     = 1 << 16
)

type dupSet struct {
	exactAll bool // registry rows: remember every row exactly
	filter   *bloom.BloomFilter
	exact    map[uint64]int // hash → first row number
	ring     []uint64       // the window's hashes, oldest first (when !exactAll)
	window   int
	next     int
}

// newDupSet remembers rows of a kind; window must exceed the rows a batch
// holds before storing them (a few chunks).
func newDupSet(rowKind string, window int) *dupSet {
	_, registry := kindFields[rowKind]
	d := &dupSet{exactAll: registry, exact: map[uint64]int{}, window: window}
	if !registry {
		d.filter = bloom.New(DupFilterBits, 4)
		d.ring = make([]uint64, 0, window)
	}
	return d
}

// see records a row's hash. It returns the row number of a certain
// earlier copy (0 if none) and whether the filter suggests an older one
// that must be confirmed with confirmStored.
func (d *dupSet) see(h uint64, row int) (first int, maybe bool) {
	if n, ok := d.exact[h]; ok {
		return n, false
	}
	if d.exactAll {
		d.exact[h] = row
		return 0, false
	}
	var key [8]byte
	for i := range key {
		key[i] = byte(h >> (8 * i))
	}
	maybe = d.filter.TestAndAdd(key[:])
	if len(d.ring) < d.window {
		d.ring = append(d.ring, h)
	} else {
		delete(d.exact, d.ring[d.next])
		d.ring[d.next] = h
		d.next = (d.next + 1) % d.window
	}
	d.exact[h] = row
	return 0, maybe
}

// confirmStored looks for an earlier row of batch that gave exactly fs
// (one enterprise's facts from one row) and returns its row number, or 0.
func confirmStored(ctx context.Context, q func(context.Context, facts.Query) ([]facts.Fact, error), batch string, id int64, fs []facts.Fact) (int, error) {
	if len(fs) == 0 {
		return 0, nil
	}
	var row int64
	for i, f := range fs {
		got, err := q(ctx, facts.Query{EnterpriseID: id, Item: f.Item, From: f.Period, To: f.Period, AllVersions: true, Limit: 1000})
		if err != nil {
			return 0, err
		}
		match := int64(0)
		for _, g := range got {
			if g.Batch == batch && (i == 0 || g.SourceRow == row) && sameValue(f, g) {
				match = g.SourceRow
				break
			}
		}
		if match == 0 {
			return 0, nil
		}
		row = match
	}
	return int(row), nil
}

func sameValue(a, b facts.Fact) bool {
	return a.Item == b.Item && a.Shape == b.Shape && a.Period.Equal(b.Period) && a.EndsOn.Equal(b.EndsOn) &&
		a.Num == b.Num && a.Text == b.Text && a.Ref == b.Ref && a.Detail == b.Detail && a.Version == b.Version && a.Source == b.Source
}
