package ingest

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/rights"
	"github.com/creditbridge/creditbridge/internal/store"
)

// Options tune one batch.
type Options struct {
	// BatchID names the batch; blank: the department and the first 16
	// hex digits of the file's SHA-256.
	BatchID string
	// Now is the clock for ReceivedAt and the batch times (default
	// time.Now).
	Now func() time.Time
	// Progress, when set, is called about every ChunkRows rows and at the
	// end with the counts so far.
	Progress func(Progress)
	// ChunkRows is how many facts are sent to the store at once inside
	// the batch's transaction (default 5000): memory stays flat.
	ChunkRows int
	// MaxErrors caps the problems kept for the report (default 100000);
	// rows beyond it are still counted bad.
	MaxErrors int
	// NoUnitCheck skips the comparison of money measures with the
	// enterprise's recent values (see UnitFactor): reading 12 months of
	// history per row (batched per chunk, beside the inserts) is the
	// largest cost of a measure batch after storing it. The bounds on a
	// row's own ratios (ratioRules) are checked regardless.
	NoUnitCheck bool
	// DupWindow is how many recent rows are remembered exactly for the
	// duplicate check (default DupWindow; at least 4×ChunkRows); older
	// copies are found by a fixed-size filter and the stored facts.
	DupWindow int
	// Enterprises is the registry service (with the node's sealer):
	// needed by profile, shareholder and loan rows, which it registers,
	// updates or seals personal data of. Its Repo and InTx are replaced by
	// the batch's transaction.
	Enterprises *enterprise.Service
}

// Progress is a batch's counts so far.
type Progress struct {
	// Warnings counts rows stored with a warning (part of OK).
	Rows, OK, Bad, Warnings int64
	Elapsed                 time.Duration
	Done                    bool
}

// Result describes one batch.
type Result struct {
	Batch   string `json:"batch"`
	Dataset string `json:"dataset"`
	File    string `json:"file"`
	SHA256  string `json:"sha256"`
	// AlreadyLoaded: the batch id or the file content was loaded before;
	// nothing changed, and the counts are the earlier batch's.
	AlreadyLoaded bool  `json:"already_loaded"`
	Rows          int64 `json:"rows"`
	OK            int64 `json:"ok"`
	Bad           int64 `json:"bad"`
	// Duplicates counts exact copies of an earlier row of the batch
	// (skipped, and part of Bad).
	Duplicates int64 `json:"duplicates_skipped"`
	// Warnings counts rows stored (part of OK) whose values are suspect:
	// each has a problem of SeverityWarning in Problems, asking the
	// department to confirm the value.
	Warnings int64 `json:"warnings"`
	Facts    int64 `json:"facts"`
	// Loans stored; Registered and Updated enterprises (profile rows);
	// Unchanged rows that repeated what was stored and stored nothing (a
	// re-sent snapshot or loan file). All are zero for an AlreadyLoaded
	// batch.
	Loans      int64   `json:"loans,omitempty"`
	Registered int64   `json:"registered,omitempty"`
	Updated    int64   `json:"updated,omitempty"`
	Unchanged  int64   `json:"unchanged,omitempty"`
	Seconds    float64 `json:"seconds"`
	// HistoryRead counts the (enterprise, month) histories the unit check
	// read from the store; windows known to hold no committed value are
	// not read.
	HistoryRead int64 `json:"history_read_enterprises,omitempty"`
	// Problems are the bad rows and the warnings, in row order (see
	// WriteReport and Problem.Severity).
	Problems []Problem `json:"-"`
	// ProblemsDropped counts problems beyond Options.MaxErrors.
	ProblemsDropped int64 `json:"problems_not_listed,omitempty"`
	// touched maps each enterprise the batch stored data about to the
	// earliest period it brought (queued for rescoring at commit).
	touched map[int64]time.Time
}

// touch notes that the batch stored data about enterprise id for period.
func (r *Result) touch(id int64, period time.Time) {
	if id == 0 {
		return
	}
	if r.touched == nil {
		r.touched = map[int64]time.Time{}
	}
	if since, ok := r.touched[id]; !ok || period.Before(since) {
		r.touched[id] = period
	}
}

// recomputes are the recompute-queue entries of the enterprises the batch
// touched, each since the earliest period it brought, in id order.
func (r *Result) recomputes(now time.Time) []rights.Recompute {
	out := make([]rights.Recompute, 0, len(r.touched))
	for id, since := range r.touched {
		out = append(out, rights.Recompute{EnterpriseID: id, Reason: "ingest batch " + r.Batch, Since: since, QueuedAt: now})
	}
	slices.SortFunc(out, func(a, b rights.Recompute) int { return cmp.Compare(a.EnterpriseID, b.EnterpriseID) })
	return out
}

var errAlready = errors.New("batch already loaded")

// File ingests the file at path as one batch of ds into st.
func File(ctx context.Context, st store.Store, ds Dataset, path string, o Options) (Result, error) {
	if err := ds.Validate(); err != nil {
		return Result{}, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.ChunkRows <= 0 {
		o.ChunkRows = 5000
	}
	if o.MaxErrors <= 0 {
		o.MaxErrors = 100_000
	}
	if o.DupWindow <= 0 {
		o.DupWindow = DupWindow
	}
	start := time.Now()
	res := Result{Dataset: ds.Name, File: filepath.Base(path)}
	sum, err := fileSHA256(path)
	if err != nil {
		return res, err
	}
	res.SHA256 = sum
	res.Batch = o.BatchID
	if res.Batch == "" {
		res.Batch = ds.Department + "-" + sum[:16]
	}
	if b, ok, err := loaded(ctx, st, res.Batch, sum); err != nil || ok {
		return already(res, b, start), err
	}
	req, err := readRequest(ctx, st, &ds)
	if err != nil {
		return res, err
	}
	if d := access.Decide(req); !d.Allow {
		// Refused before anything runs: the guard records the refusal.
		_, err := access.Guard{Log: st, Now: o.Now}.Read(ctx, req, nil)
		return res, err
	}
	err = st.InTx(ctx, func(tx store.Store) error {
		_, err := access.Guard{Log: tx, Now: o.Now}.Read(ctx, req, func(access.Decision) (any, error) {
			if err := load(ctx, st, tx, &ds, path, o, &res, start); err != nil {
				return nil, err
			}
			// The enterprises the batch brought data for are rescored
			// (internal/scoring consumes the queue) once it commits.
			if err := tx.EnqueueRecomputes(ctx, res.recomputes(o.Now())); err != nil {
				return nil, err
			}
			return map[string]any{"batch": res.Batch, "dataset": ds.Name, "rows": res.Rows}, nil
		})
		return err
	})
	if errors.Is(err, errAlready) {
		b, _, err := loaded(ctx, st, res.Batch, sum)
		return already(res, b, start), err
	}
	res.Seconds = time.Since(start).Seconds()
	if err != nil {
		return res, err
	}
	return res, nil
}

// loaded returns the batch already recorded under id or sha.
func loaded(ctx context.Context, st store.Store, id, sha string) (facts.Batch, bool, error) {
	for _, get := range []func() (facts.Batch, error){
		func() (facts.Batch, error) { return st.BatchByID(ctx, id) },
		func() (facts.Batch, error) { return st.BatchBySHA256(ctx, sha) },
	} {
		b, err := get()
		if err == nil {
			return b, true, nil
		}
		if !fault.Is(err, fault.NotFound) {
			return b, false, err
		}
	}
	return facts.Batch{}, false, nil
}

func already(res Result, b facts.Batch, start time.Time) Result {
	res.AlreadyLoaded = true
	if b.ID != "" {
		res.Batch, res.Rows, res.OK, res.Bad, res.Facts = b.ID, b.Rows, b.RowsOK, b.RowsBad, b.Facts
	}
	res.Seconds = time.Since(start).Seconds()
	return res
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// open returns the row reader of a file in its dataset's format.
func open(ds *Dataset, f *os.File) (RowReader, func() error, error) {
	names := make([]string, len(ds.Columns))
	for i, c := range ds.Columns {
		names[i] = c.Name
	}
	nop := func() error { return nil }
	switch ds.Format {
	case "csv":
		r, err := NewCSVReader(f, ds.Encoding, 0)
		return r, nop, err
	case "jsonl":
		r, err := NewJSONLReader(f, names)
		return r, nop, err
	case "xlsx":
		return NewXLSXReader(f, ds.Sheet, 0)
	}
	return nil, nil, datasetErr("format %q", ds.Format)
}

// headerErr reports a header that does not match the dataset.
func headerErr(row int, format string, args ...any) error {
	d := fmt.Sprintf(format, args...)
	return fault.New(fault.Invalid, "ingest.header", fmt.Sprintf("header on row %d: %s", row, d)).
		With("row", strconv.Itoa(row)).With("detail", d)
}

// columnOrder maps dataset columns to their positions in the header.
func columnOrder(ds *Dataset, row int, header []string) ([]int, error) {
	pos := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(strings.TrimPrefix(h, "\uFEFF"))
		if h == "" {
			continue
		}
		pos[h] = i
	}
	perm := make([]int, len(ds.Columns))
	for i, c := range ds.Columns {
		p, ok := pos[c.Name]
		if !ok {
			return nil, headerErr(row, "column %q is missing", c.Name)
		}
		perm[i] = p
		delete(pos, c.Name)
	}
	for h := range pos {
		return nil, headerErr(row, "column %q is not in the dataset", h)
	}
	return perm, nil
}

// load reads, checks and stores one batch inside tx; st, outside it,
// reads the history the unit check compares with.
func load(ctx context.Context, st, tx store.Store, ds *Dataset, path string, o Options, res *Result, start time.Time) error {
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	rr, closeFn, err := open(ds, fh)
	if err != nil {
		return err
	}
	defer closeFn()
	received := o.Now().UTC()
	m := newMapper(ds)
	var perm []int
	if ds.Format == "jsonl" {
		perm = make([]int, len(ds.Columns))
		for i := range perm {
			perm[i] = i
		}
	}
	cells := make([]string, len(ds.Columns))
	seed := maphash.MakeSeed()
	seen := newDupSet(ds.RowKind, max(o.DupWindow, 4*o.ChunkRows))
	ids := map[string]int64{} // credit code → enterprise id, 0: not registered
	chunk := make([]facts.Fact, 0, o.ChunkRows)
	var hist *history
	if !o.NoUnitCheck {
		if hist, err = newHistory(ctx, ds, st); err != nil {
			return err
		}
	}
	var reg *registrar
	var loans []facts.Loan
	if _, ok := kindFields[ds.RowKind]; ok {
		if reg, err = newRegistrar(ds, tx, o.Enterprises, res.Batch, received); err != nil {
			return err
		}
	}
	flush := func() error {
		if reg != nil {
			n, err := reg.flushRegistrations(ctx, ids)
			if err != nil {
				return err
			}
			res.Registered += int64(n)
			for _, l := range loans {
				res.touch(l.EnterpriseID, l.StartOn)
			}
			if err := tx.AppendLoans(ctx, loans); err != nil {
				return err
			}
			res.Loans += int64(len(loans))
			loans = loans[:0]
		}
		if len(chunk) == 0 {
			return nil
		}
		for _, f := range chunk {
			res.touch(f.EnterpriseID, f.Period)
		}
		if err := tx.AppendFacts(ctx, chunk); err != nil {
			return err
		}
		res.Facts += int64(len(chunk))
		chunk = chunk[:0]
		return nil
	}
	keep := func(p Problem) {
		if len(res.Problems) < o.MaxErrors {
			res.Problems = append(res.Problems, p)
		} else {
			res.ProblemsDropped++
		}
	}
	bad := func(p Problem) {
		res.Bad++
		keep(p)
	}
	// warnSuspect reports a good row's suspect value (see suspectRules)
	// as a warning; the row is stored all the same. vouched may be nil.
	warnSuspect := func(num int, fs []facts.Fact, cells []string, vouched func(i int) bool) {
		if i, code, detail := suspectCheck(fs, vouched); i >= 0 {
			res.Warnings++
			keep(Problem{Row: num, Column: m.itemColumn(fs[i].Item).Name, Value: cells[m.itemIndex[fs[i].Item]], Code: code,
				Detail: detail})
		}
	}
	// accept queues a good row's facts for the store.
	accept := func(num int, id int64, fs []facts.Fact) error {
		for _, f := range fs {
			f.EnterpriseID, f.Batch, f.SourceRow, f.ReceivedAt = id, res.Batch, int64(num), received
			chunk = append(chunk, f)
		}
		res.OK++
		if len(chunk) >= o.ChunkRows {
			return flush()
		}
		return nil
	}
	// checkChunk runs the unit check of a chunk of rows whose history is
	// in, and stores the good ones.
	var units *unitQueue
	if hist != nil {
		// st is tx when File was given a transaction: then no read may
		// run beside the inserts.
		units = newUnitQueue(ctx, hist, len(ds.Columns), st == tx)
		defer units.wait()
	}
	checkChunk := func(c *unitChunk) error {
		if c == nil {
			return nil
		}
		for _, r := range c.rows {
			fs, cells := c.facts[r.from:r.to], c.cells[r.at:r.at+units.ncols]
			i, code, detail, err := hist.check(ctx, c.cache, r.id, fs, func(item string) string { return cells[m.itemIndex[item]] })
			if err != nil {
				return err
			}
			if i >= 0 {
				col := m.itemColumn(fs[i].Item)
				bad(Problem{Row: r.num, Column: col.Name, Value: cells[m.itemIndex[fs[i].Item]], Code: code, Detail: detail})
				continue
			}
			var herr error
			warnSuspect(r.num, fs, cells, func(k int) bool {
				vals, err := hist.values(ctx, c.cache, r.id, fs[k].Item, fs[k].Period)
				if err != nil {
					herr = err
					return false
				}
				return inLine(fs[k].Num, vals)
			})
			if herr != nil {
				return herr
			}
			if err := accept(r.num, r.id, fs); err != nil {
				return err
			}
		}
		units.recycle(c)
		return nil
	}
	report := func(done bool) {
		if o.Progress != nil {
			o.Progress(Progress{Rows: res.Rows, OK: res.OK, Bad: res.Bad, Warnings: res.Warnings, Elapsed: time.Since(start), Done: done})
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		row, err := rr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if ds.Format != "jsonl" && row.Num <= ds.HeaderRow {
			if row.Num == ds.HeaderRow {
				if perm, err = columnOrder(ds, row.Num, row.Cells); err != nil {
					return err
				}
			}
			continue
		}
		if perm == nil {
			return headerErr(ds.HeaderRow, "the file ends before its header")
		}
		if blank(row.Cells) && row.Problem == nil {
			continue
		}
		res.Rows++
		if res.Rows%int64(o.ChunkRows) == 0 {
			report(false)
		}
		if row.Problem != nil {
			p := *row.Problem
			p.Row = row.Num
			bad(p)
			continue
		}
		if ds.Format != "jsonl" && len(row.Cells) > len(ds.Columns) && !blank(row.Cells[len(ds.Columns):]) {
			bad(Problem{Row: row.Num, Code: "ingest.columns", Value: strconv.Itoa(len(row.Cells)), Detail: strconv.Itoa(len(ds.Columns))})
			continue
		}
		for i, p := range perm {
			cells[i] = ""
			if p < len(row.Cells) {
				cells[i] = row.Cells[p]
			}
		}
		first, maybe := seen.see(rowHash(seed, cells), row.Num)
		if first > 0 {
			res.Duplicates++
			bad(Problem{Row: row.Num, Code: "ingest.duplicate", Of: first})
			continue
		}
		pr, p := m.mapRow(cells)
		if p != nil {
			p.Row = row.Num
			bad(*p)
			continue
		}
		if pr.profile != nil {
			p, err := reg.profile(ctx, row.Num, pr.profile)
			if err != nil {
				return err
			}
			if p != nil {
				p.Row = row.Num
				bad(*p)
				continue
			}
			res.OK++
			if len(reg.pending) >= o.ChunkRows {
				if err := flush(); err != nil {
					return err
				}
			}
			continue
		}
		id, known := ids[pr.code]
		if !known {
			r, err := tx.EnterpriseByCode(ctx, pr.code)
			switch {
			case err == nil:
				id = r.ID
			case fault.Is(err, fault.NotFound):
				id = 0
			default:
				return err
			}
			ids[pr.code] = id
		}
		if id == 0 {
			bad(Problem{Row: row.Num, Column: ds.KeyColumn, Value: pr.code, Code: "ingest.not_registered"})
			continue
		}
		switch {
		case pr.holder != nil:
			f, same, p, err := reg.holder(ctx, row.Num, id, pr.code, pr.holder, received)
			if err != nil {
				return err
			}
			if p != nil {
				p.Row = row.Num
				bad(*p)
				continue
			}
			if same {
				res.OK++
				res.Unchanged++
				continue
			}
			pr.facts = append(pr.facts[:0], f)
		case pr.loan != nil:
			same, p, err := reg.loan(ctx, row.Num, id, pr.loan, m.ds.Columns[m.byField["loan.contract_no"]].Name)
			if err != nil {
				return err
			}
			if p != nil {
				p.Row = row.Num
				bad(*p)
				continue
			}
			res.OK++
			if same {
				res.Unchanged++
				continue
			}
			l := *pr.loan
			l.EnterpriseID, l.Batch, l.Source, l.ReceivedAt = id, res.Batch, ds.Department, received
			loans = append(loans, l)
			reg.loans[id][loanKey(&l)] = l
			if len(loans) >= o.ChunkRows {
				if err := flush(); err != nil {
					return err
				}
			}
			continue
		}
		if maybe {
			first, err := confirmStored(ctx, tx.QueryFacts, res.Batch, id, pr.facts)
			if err != nil {
				return err
			}
			if first > 0 {
				res.Duplicates++
				bad(Problem{Row: row.Num, Code: "ingest.duplicate", Of: first})
				continue
			}
		}
		if i, detail := ratioCheck(pr.facts); i >= 0 {
			c := m.itemColumn(pr.facts[i].Item)
			bad(Problem{Row: row.Num, Column: c.Name, Value: cells[m.itemIndex[pr.facts[i].Item]], Code: "ingest.unit_fen",
				Detail: detail})
			continue
		}
		if units != nil && len(pr.facts) > 0 {
			if units.add(row.Num, id, pr.facts, cells) >= o.ChunkRows {
				prev, err := units.rotate()
				if err != nil {
					return err
				}
				if err := checkChunk(prev); err != nil {
					return err
				}
			}
			continue
		}
		warnSuspect(row.Num, pr.facts, cells, nil)
		if err := accept(row.Num, id, pr.facts); err != nil {
			return err
		}
	}
	if units != nil {
		// The last chunks: the one whose history is being read, then the
		// one still filling.
		for range 2 {
			prev, err := units.rotate()
			if err != nil {
				return err
			}
			if err := checkChunk(prev); err != nil {
				return err
			}
		}
	}
	// Rows checked per chunk reported their problems late: back in row
	// order.
	slices.SortStableFunc(res.Problems, func(a, b Problem) int { return a.Row - b.Row })
	if perm == nil {
		return headerErr(ds.HeaderRow, "the file ends before its header")
	}
	if err := flush(); err != nil {
		return err
	}
	if reg != nil {
		res.Updated += reg.updated
		res.Unchanged += reg.unchanged
	}
	b := &facts.Batch{ID: res.Batch, Dataset: ds.Name, Source: ds.Department, FileName: res.File, SHA256: res.SHA256,
		Rows: res.Rows, RowsOK: res.OK, RowsBad: res.Bad, Facts: res.Facts, Status: facts.BatchLoaded,
		StartedAt: received, FinishedAt: o.Now()}
	if err := tx.CreateBatch(ctx, b); err != nil {
		if fault.Is(err, fault.Conflict) {
			return errAlready
		}
		return err
	}
	// The unit check reads each enterprise's own earlier values; the entry
	// says how many enterprises' history the batch consulted.
	if hist != nil {
		res.HistoryRead = hist.reads.Load()
	}
	detail, _ := json.Marshal(map[string]any{"batch": res.Batch, "dataset": ds.Name, "file": res.File, "sha256": res.SHA256,
		"rows": res.Rows, "ok": res.OK, "bad": res.Bad, "warnings": res.Warnings, "facts": res.Facts, "loans": res.Loans, "registered": res.Registered,
		"updated": res.Updated, "unchanged": res.Unchanged, "history_read_enterprises": res.HistoryRead})
	report(true)
	return tx.AppendAudit(ctx, &audit.Entry{ActorName: access.System.ActorName(), Action: "ingest.batch", Outcome: audit.OK,
		Detail: string(detail)})
}

func blank(cells []string) bool {
	for _, c := range cells {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func rowHash(seed maphash.Seed, cells []string) uint64 {
	var h maphash.Hash
	h.SetSeed(seed)
	for _, c := range cells {
		h.WriteString(c)
		h.WriteByte(0)
	}
	return h.Sum64()
}
