package modeltrain

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/features"
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

// Columns of the training table besides the features.
const (
	ColEnterprise = "enterprise_id"
	ColAsOf       = "as_of"
	ColTarget     = "bad"
)

// Row is one observation: an enterprise's features as of a date and
// whether it defaulted in the horizon after it.
type Row struct {
	EnterpriseID int64
	AsOf         time.Time
	Bad          bool
	Vector       features.Vector
}

// Table is the training table.
type Table struct {
	Set           *features.Set
	Dates         []time.Time // observation dates, oldest first; the last is the holdout
	HorizonMonths int
	Rows          []Row // ordered by date, then enterprise id
}

// Columns are the table's column names: id, date, target, then every
// feature of the set in definition order.
func (t *Table) Columns() []string {
	cols := []string{ColEnterprise, ColAsOf, ColTarget}
	for _, d := range t.Set.Defs {
		cols = append(cols, d.Name)
	}
	return cols
}

// CSV is the canonical form of the table (the fingerprint is its SHA-256):
// the header of Columns, one line per row in order, numbers in their
// shortest exact form, missing features empty.
func (t *Table) CSV() []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	cols := t.Columns()
	_ = w.Write(cols) // writes to a buffer do not fail
	rec := make([]string, len(cols))
	for _, r := range t.Rows {
		rec[0] = strconv.FormatInt(r.EnterpriseID, 10)
		rec[1] = r.AsOf.Format(time.DateOnly)
		rec[2] = "0"
		if r.Bad {
			rec[2] = "1"
		}
		for i, d := range t.Set.Defs {
			rec[3+i] = r.Vector.Raw(d.Name)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	return b.Bytes()
}

// Scorecard parses the canonical CSV into the engine's table (its SHA256
// is the table's fingerprint).
func (t *Table) Scorecard() (*scorecard.Table, error) { return scorecard.ParseCSV(t.CSV()) }

// Counts returns rows and bads per date, in Dates order.
func (t *Table) Counts() (rows, bad []int) {
	rows, bad = make([]int, len(t.Dates)), make([]int, len(t.Dates))
	for _, r := range t.Rows {
		i := slices.IndexFunc(t.Dates, func(d time.Time) bool { return d.Equal(r.AsOf) })
		rows[i]++
		if r.Bad {
			bad[i]++
		}
	}
	return rows, bad
}

// Data is the storage the builder reads (through the decision point) and
// appends evidence to.
type Data interface {
	features.Reader
	SearchEnterprises(ctx context.Context, q enterprise.Query) ([]enterprise.Record, int, error)
	AppendAudit(ctx context.Context, e *audit.Entry) error
	// AppendAuditBatch appends entries in order on the bulk path (as
	// AppendAudit one by one would).
	AppendAuditBatch(ctx context.Context, es []*audit.Entry) error
}

// Builder builds training tables from stored data.
type Builder struct {
	Set  *features.Set
	Data Data
	// Guard is the decision point. Its Log records the registry reads;
	// the reads of each batch of enterprises are collected and appended
	// to Data in bulk (AppendAuditBatch) before the batch's rows are kept.
	Guard access.Guard
	// Batch is the number of enterprises per evidence batch (default 200).
	Batch int
	// Progress, when set, is told how far a stage ("outcomes", "features")
	// has come.
	Progress func(stage string, done, total int)
}

// Options choose the observation dates and the label.
type Options struct {
	// Dates are explicit observation dates; when empty they are derived:
	// MaxDates dates StepMonths apart, the last HorizonMonths before
	// Cutoff's month.
	Dates         []time.Time
	StepMonths    int // default 3
	HorizonMonths int // default 12
	MaxDates      int // default 6
	// Cutoff is the instant up to which outcomes are known; zero: the
	// latest loan received.
	Cutoff time.Time
}

func (o Options) withDefaults() Options {
	if o.StepMonths <= 0 {
		o.StepMonths = 3
	}
	if o.HorizonMonths <= 0 {
		o.HorizonMonths = 12
	}
	if o.MaxDates <= 0 {
		o.MaxDates = 6
	}
	return o
}

// Items read for outcomes (the loans shared back) and the registry.
var outcomeItems = []string{"financing.loan", "financing.overdue", "financing.default"}

// featureItems are the catalogue items the set reads, with the registry
// record (the engine uses its founding date, industry, size and status).
func featureItems(s *features.Set) []string {
	items := []string{access.ItemRegistration}
	for _, d := range s.Defs {
		for _, it := range d.Items {
			if it == features.ItemLoan {
				it = "financing.loan"
			}
			if !slices.Contains(items, it) {
				items = append(items, it)
			}
		}
	}
	return items
}

func (b Builder) batch() int {
	if b.Batch <= 0 {
		return 200
	}
	return b.Batch
}

func (b Builder) progress(stage string, done, total int) {
	if b.Progress != nil {
		b.Progress(stage, done, total)
	}
}

// policies resolves items with the guard's resolver (nil without one:
// the decision point then knows the registry items only).
func (b Builder) policies(ctx context.Context, items []string) ([]access.ItemPolicy, error) {
	if b.Guard.Policies == nil {
		return nil, nil
	}
	return b.Guard.Policies(ctx, items)
}

// registry lists every enterprise, a page per read of the decision point.
func (b Builder) registry(ctx context.Context) ([]enterprise.Record, error) {
	var out []enterprise.Record
	for {
		var recs []enterprise.Record
		total := 0
		off := len(out)
		_, err := b.Guard.Read(ctx, access.Request{Principal: access.System, Action: "model.train.registry", Items: []string{access.ItemRegistration},
			Purpose: access.PurposeEvaluation}, func(access.Decision) (any, error) {
			var err error
			// The store caps the page; the offset advances by what came back.
			recs, total, err = b.Data.SearchEnterprises(ctx, enterprise.Query{Limit: 1000, Offset: off})
			return map[string]any{"offset": off, "count": len(recs)}, err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, recs...)
		if len(recs) == 0 || len(out) >= total {
			return out, nil
		}
	}
}

// collector holds a batch's evidence entries until they are appended in
// bulk. A batch whose entries cannot be appended fails the build: the rows
// read in it are dropped with it, so nothing read without evidence is
// used.
type collector struct{ es []*audit.Entry }

func (c *collector) AppendAudit(_ context.Context, e *audit.Entry) error {
	cp := *e
	c.es = append(c.es, &cp)
	return nil
}

// eachBatch runs fn on enterprises in batches, each with a guard whose
// evidence is appended in bulk when the batch is done; keep is called
// with the batch's range once its evidence is written.
func (b Builder) eachBatch(ctx context.Context, stage string, n int, fn func(ctx context.Context, g access.Guard, i int) error, keep func(lo, hi int)) error {
	for lo := 0; lo < n; lo += b.batch() {
		hi := min(n, lo+b.batch())
		var c collector
		g := b.Guard
		g.Log = &c
		for i := lo; i < hi; i++ {
			if err := fn(ctx, g, i); err != nil {
				return err
			}
		}
		if err := b.Data.AppendAuditBatch(ctx, c.es); err != nil {
			return fmt.Errorf("model training: write the evidence of %s reads: %w", stage, err)
		}
		if keep != nil {
			keep(lo, hi)
		}
		b.progress(stage, hi, n)
	}
	return nil
}

// Build reads the outcomes of every enterprise, chooses the observation
// dates, and computes the features of every enterprise in the population
// at each date as of that date.
func (b Builder) Build(ctx context.Context, o Options) (*Table, error) {
	o = o.withDefaults()
	ents, err := b.registry(ctx)
	if err != nil {
		return nil, err
	}
	// The items' policies are resolved once for the whole run (the
	// catalogue in force when it starts), not once per enterprise.
	outPol, err := b.policies(ctx, outcomeItems)
	if err != nil {
		return nil, err
	}
	items := featureItems(b.Set)
	featPol, err := b.policies(ctx, items)
	if err != nil {
		return nil, err
	}
	loans := make([][]facts.Loan, len(ents))
	err = b.eachBatch(ctx, "outcomes", len(ents), func(ctx context.Context, g access.Guard, i int) error {
		_, err := g.Read(ctx, access.Request{Principal: access.System, Action: "model.train.outcomes", EnterpriseID: ents[i].ID,
			Items: outcomeItems, Policies: outPol, Purpose: access.PurposeEvaluation}, func(access.Decision) (any, error) {
			ls, err := b.Data.LoansOf(ctx, ents[i].ID)
			loans[i] = ls
			return map[string]any{"loans": len(ls)}, err
		})
		return err
	}, nil)
	if err != nil {
		return nil, err
	}
	dates := slices.Clone(o.Dates)
	if len(dates) == 0 {
		cutoff, first := o.Cutoff, time.Time{}
		for _, ls := range loans {
			for _, l := range ls {
				if o.Cutoff.IsZero() && l.ReceivedAt.After(cutoff) {
					cutoff = l.ReceivedAt
				}
				if first.IsZero() || l.StartOn.Before(first) {
					first = l.StartOn
				}
			}
		}
		if first.IsZero() {
			return nil, errNoOutcomes
		}
		dates = observationDates(cutoff, first, o.StepMonths, o.HorizonMonths, o.MaxDates)
	}
	slices.SortFunc(dates, func(a, b time.Time) int { return a.Compare(b) })
	if len(dates) < 2 {
		return nil, errFewDates.With("dates", strconv.Itoa(len(dates)))
	}
	type obs struct {
		ent   int
		dates []time.Time
		bad   []bool
	}
	var pop []obs
	for i, ls := range loans {
		var ob obs
		for _, d := range dates {
			if in, bad := Label(ls, d, o.HorizonMonths); in {
				ob.dates, ob.bad = append(ob.dates, d), append(ob.bad, bad)
			}
		}
		if len(ob.dates) > 0 {
			ob.ent = i
			pop = append(pop, ob)
		}
	}
	t := &Table{Set: b.Set, Dates: dates, HorizonMonths: o.HorizonMonths}
	eng := features.Engine{Set: b.Set, Data: b.Data}
	var pending []Row // the current batch's rows, kept once its evidence is written
	err = b.eachBatch(ctx, "features", len(pop), func(ctx context.Context, g access.Guard, k int) error {
		ob := pop[k]
		ent := ents[ob.ent]
		asOf := make([]string, len(ob.dates))
		_, err := g.Read(ctx, access.Request{Principal: access.System, Action: "model.train.features", EnterpriseID: ent.ID,
			Items: items, Policies: featPol, Purpose: access.PurposeEvaluation, To: ob.dates[len(ob.dates)-1]}, func(access.Decision) (any, error) {
			for j, d := range ob.dates {
				v, err := eng.Compute(ctx, ent, d)
				if err != nil {
					return nil, fmt.Errorf("features of enterprise %d as of %s: %w", ent.ID, d.Format(time.DateOnly), err)
				}
				pending = append(pending, Row{EnterpriseID: ent.ID, AsOf: d, Bad: ob.bad[j], Vector: v})
				asOf[j] = d.Format(time.DateOnly)
			}
			return map[string]any{"feature_set": b.Set.Version, "as_of": asOf}, nil
		})
		return err
	}, func(int, int) {
		t.Rows = append(t.Rows, pending...)
		pending = pending[:0]
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(t.Rows, func(a, b Row) int {
		if c := a.AsOf.Compare(b.AsOf); c != 0 {
			return c
		}
		return cmpInt(a.EnterpriseID, b.EnterpriseID)
	})
	return t, nil
}

func cmpInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
