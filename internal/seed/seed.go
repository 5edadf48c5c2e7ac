package seed

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Options say where the region goes.
type Options struct {
	// Store and Enterprises, when set, receive the region.
	Store       store.Store
	Enterprises *enterprise.Service
	// FilesDir, when set, receives the department files and manifest.
	FilesDir string
	// BatchSize is enterprises per transaction (default 500).
	BatchSize int
	// Progress, when set, receives a progress line about once a second.
	Progress io.Writer
}

// Result counts what was written.
type Result struct {
	Enterprises int     `json:"enterprises"`
	Facts       int64   `json:"facts"`
	Loans       int64   `json:"loans"`
	Files       int     `json:"files"`
	Seconds     float64 `json:"seconds"`
}

// Records is facts plus loans plus enterprises: every row written.
func (r Result) Records() int64 { return int64(r.Enterprises) + r.Facts + r.Loans }

// Run generates the region and writes it where the options say.
func Run(ctx context.Context, g *synth.Generator, o Options) (Result, error) {
	if o.Store == nil && o.FilesDir == "" {
		return Result{}, fmt.Errorf("seed: nothing to write: give a database, a files directory or both")
	}
	if o.Store != nil && o.Enterprises == nil {
		return Result{}, fmt.Errorf("seed: a store needs the enterprise service")
	}
	if o.BatchSize <= 0 {
		o.BatchSize = 500
	}
	start := time.Now()
	var res Result
	var fw *deptfiles.Writer
	if o.FilesDir != "" {
		var err error
		cfg := g.Config()
		fw, err = deptfiles.NewWriter(deptfiles.Options{Dir: o.FilesDir, Province: cfg.Province, Seed: cfg.Seed})
		if err != nil {
			return res, err
		}
	}
	cfg := g.Config()
	batchPrefix := fmt.Sprintf("seed-%d-%d-%d", cfg.Seed, cfg.Enterprises, cfg.Months)
	batch := make([]synth.Bundle, 0, o.BatchSize)
	nbatch := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		nbatch++
		if o.Store != nil {
			nf, nl, err := load(ctx, o.Store, o.Enterprises, batchPrefix+"-"+strconv.Itoa(nbatch), batch)
			if err != nil {
				return err
			}
			res.Facts += nf
			res.Loans += nl
		} else {
			for _, b := range batch {
				res.Facts += int64(len(b.Facts))
				res.Loans += int64(len(b.Loans))
			}
		}
		res.Enterprises += len(batch)
		batch = batch[:0]
		return nil
	}
	lastReport := time.Now()
	err := g.Each(ctx, func(b synth.Bundle) error {
		if fw != nil {
			if err := fw.Add(b); err != nil {
				return err
			}
		}
		batch = append(batch, b)
		if len(batch) == o.BatchSize {
			if err := flush(); err != nil {
				return err
			}
			if o.Progress != nil && time.Since(lastReport) >= time.Second {
				lastReport = time.Now()
				el := time.Since(start).Seconds()
				fmt.Fprintf(o.Progress, "\rseeded %d/%d enterprises, %d records (%.0f enterprises/s)   ",
					res.Enterprises, cfg.Enterprises, res.Records(), float64(res.Enterprises)/el)
			}
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if fw != nil {
		m, cerr := fw.Close()
		if err == nil {
			err = cerr
		}
		res.Files = len(m.Files)
	}
	res.Seconds = time.Since(start).Seconds()
	if o.Progress != nil {
		fmt.Fprintf(o.Progress, "\rseeded %d enterprises, %d records in %.1fs%s\n", res.Enterprises, res.Records(), res.Seconds, "          ")
	}
	return res, err
}

// load writes one batch in one transaction: the enterprises (bulk, one
// evidence entry), then their facts and loans (bulk, one evidence entry).
func load(ctx context.Context, st store.Store, ent *enterprise.Service, batch string, bs []synth.Bundle) (int64, int64, error) {
	recs := make([]*enterprise.Record, len(bs))
	var nf, nl int
	for i, b := range bs {
		r, err := ent.Prepare(Input(b.Profile))
		if err != nil {
			return 0, 0, fmt.Errorf("seed: enterprise %d (%s): %w", b.Profile.Index, b.Profile.Code, err)
		}
		recs[i] = &r
		nf += len(b.Facts)
		nl += len(b.Loans)
	}
	fs := make([]facts.Fact, 0, nf)
	ls := make([]facts.Loan, 0, nl)
	err := st.InTx(ctx, func(tx store.Store) error {
		if err := ent.Import(ctx, tx, access.System, batch, recs); err != nil {
			return err
		}
		for i, b := range bs {
			id := recs[i].ID
			for _, f := range b.Facts {
				f.EnterpriseID, f.Batch = id, batch
				fs = append(fs, f)
			}
			for _, l := range b.Loans {
				l.EnterpriseID, l.Batch = id, batch
				ls = append(ls, l)
			}
		}
		if err := tx.AppendFacts(ctx, fs); err != nil {
			return err
		}
		if err := tx.AppendLoans(ctx, ls); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, &audit.Entry{ActorName: access.System.ActorName(), Action: "facts.import", Outcome: audit.OK,
			Detail: fmt.Sprintf("batch %s: %d facts, %d loans for %d enterprises", batch, len(fs), len(ls), len(bs))})
	})
	return int64(len(fs)), int64(len(ls)), err
}

// Input converts a generated profile to the registry's input.
func Input(p synth.Profile) enterprise.Input {
	return enterprise.Input{Code: p.Code, NameZH: p.NameZH, NameEN: p.NameEN, Industry: p.Industry, Size: p.Size, Status: p.Status,
		RegisteredCapital: p.RegisteredCapitalFen, FoundedOn: p.FoundedOn.Format(time.DateOnly), Address: p.Address,
		LegalRep: enterprise.LegalRep{Name: p.LegalRepName, IDNumber: p.LegalRepID}}
}

// Digest is a SHA-256 over the semantic content the seed wrote (a read of
// every enterprise's data, decided and recorded by the access guard): every
// enterprise's registry fields (not its wall-clock timestamps, not the
// sealed bytes, whose nonce is random — the masked form stands in), and
// its facts and loans in storage order. Two seeds with the same arguments
// give the same digest.
func Digest(ctx context.Context, st store.Store) (string, error) {
	h := sha256.New()
	var n int
	guard := access.Guard{Log: st}
	req := access.Request{Principal: access.System, Action: "region.digest", Items: []string{access.ItemRegistration}}
	_, err := guard.Read(ctx, req, func(access.Decision) (any, error) {
		var err error
		n, err = digest(ctx, st, h)
		return map[string]any{"enterprises": n, "covers": "registry, facts and loans of every enterprise"}, err
	})
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

func digest(ctx context.Context, st store.Store, h io.Writer) (int, error) {
	const page = 500
	n := 0
	for offset := 0; ; offset += page {
		rs, _, err := st.SearchEnterprises(ctx, enterprise.Query{Limit: page, Offset: offset})
		if err != nil {
			return n, err
		}
		for _, r := range rs {
			n++
			fmt.Fprintf(h, "E|%s|%s|%s|%s|%s|%s|%s|%d|%s|%s|%s\n", r.Code, r.NameZH, r.NameEN, r.Division, r.Industry, r.Size, r.Status,
				r.RegisteredCapital, r.FoundedOn.Format(time.DateOnly), r.Address, r.LegalRepMasked)
			fs, err := st.QueryFacts(ctx, facts.Query{EnterpriseID: r.ID, Limit: 100000})
			if err != nil {
				return n, err
			}
			for _, f := range fs {
				fmt.Fprintf(h, "F|%s|%s|%s|%s|%d|%s|%s|%s|%s|%s|%d\n", f.Item, f.Shape, f.Period.Format(time.DateOnly), date(f.EndsOn), f.Num,
					f.Text, f.Ref, f.Detail, f.Source, f.ReceivedAt.UTC().Format(time.RFC3339Nano), f.Version)
			}
			ls, err := st.LoansOf(ctx, r.ID)
			if err != nil {
				return n, err
			}
			for _, l := range ls {
				fmt.Fprintf(h, "L|%s|%s|%d|%d|%d|%s|%s|%s|%s|%d|%s|%s\n", l.Lender, l.ContractNo, l.AmountFen, l.RateBP, l.TermMonths,
					l.Guarantee, date(l.StartOn), date(l.MaturityOn), l.Status, l.MaxDaysOverdue, date(l.DefaultedOn), date(l.RepaidOn))
			}
		}
		if len(rs) < page {
			return n, nil
		}
	}
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}
