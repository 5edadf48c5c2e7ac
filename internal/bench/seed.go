package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// SeedResult is the JSON object `bench seed` prints.
type SeedResult struct {
	Backend     string `json:"backend"`
	Enterprises int    `json:"enterprises"`
	Months      int    `json:"months"`
	Facts       int64  `json:"facts"`
	Loans       int64  `json:"loans"`
	Records     int64  `json:"records"`
	// GeneratePerSec is records/s of generation alone (no writing).
	GeneratePerSec float64 `json:"generate_records_per_sec"`
	// Store*: the seed through the services and store (registry with
	// sealing and evidence, facts and loans in bulk), generation included.
	StoreSeconds           float64 `json:"store_seconds"`
	StoreEnterprisesPerSec float64 `json:"store_enterprises_per_sec"`
	StoreRecordsPerSec     float64 `json:"store_records_per_sec"`
	// Baseline*: the same fact rows, generated again, bulk-loaded with raw
	// SQL into a plain table without keys or indexes (PostgreSQL COPY;
	// SQLite one prepared INSERT in transactions of 50,000 rows).
	BaselineRecordsPerSec float64 `json:"baseline_records_per_sec"`
	RatioRecords          float64 `json:"ratio_records"`
	PeakRSSBytes          int64   `json:"peak_rss_bytes"`
	GoVersion             string  `json:"go_version"`
	CPUs                  int     `json:"cpus"`
	StartedAt             string  `json:"started_at"`
}

// Seed benchmarks seeding a synthetic region of n enterprises and months
// of data into the backend dsn names (a fresh area, as Store does) and
// writes one JSON SeedResult to w.
func Seed(ctx context.Context, dsn string, n, months int, w io.Writer) (err error) {
	g, err := synth.New(synth.Config{Enterprises: n, Seed: 7, Months: months})
	if err != nil {
		return err
	}
	res := SeedResult{Enterprises: n, Months: g.Config().Months, GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		StartedAt: time.Now().UTC().Format(time.RFC3339)}
	start := time.Now()
	var genRecords int64
	if err := g.Each(ctx, func(b synth.Bundle) error {
		genRecords += 1 + int64(len(b.Facts)+len(b.Loans))
		return nil
	}); err != nil {
		return err
	}
	res.GeneratePerSec = float64(genRecords) / time.Since(start).Seconds()

	s, base, cleanup, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	res.Backend = s.Backend()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	sealer, err := keys.NewSealer(key)
	if err != nil {
		return err
	}
	svc := &enterprise.Service{Repo: s, Seal: sealer}
	sr, err := seed.Run(ctx, g, seed.Options{Store: s, Enterprises: svc, BatchSize: 1000})
	if err != nil {
		return err
	}
	res.Facts, res.Loans, res.Records = sr.Facts, sr.Loans, sr.Records()
	res.StoreSeconds = sr.Seconds
	res.StoreEnterprisesPerSec = float64(sr.Enterprises) / sr.Seconds
	res.StoreRecordsPerSec = float64(sr.Records()) / sr.Seconds

	start = time.Now()
	loaded, err := base.loadFacts(ctx, g)
	if err != nil {
		return fmt.Errorf("bench: raw load: %w", err)
	}
	res.BaselineRecordsPerSec = float64(loaded) / time.Since(start).Seconds()
	res.RatioRecords = res.StoreRecordsPerSec / res.BaselineRecordsPerSec
	res.PeakRSSBytes = peakRSS()
	return json.NewEncoder(w).Encode(res)
}

// peakRSS reads the process's high-water resident set size (Linux), or 0.
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err == nil {
				return kb * 1024
			}
		}
	}
	return 0
}

// rawFactCols are the fact columns of the raw baseline table (no keys).
const rawFactCols = `enterprise_index, item, shape, period, ends_on, num, text, ref, detail, source, received_at, version`

// eachFact streams every generated record as one raw row: enterprises and
// loans count as rows too, written into the same plain table shape so the
// baseline moves the same number of records.
func eachFact(ctx context.Context, g *synth.Generator, fn func(i int, f facts.Fact) error) (int64, error) {
	var n int64
	err := g.Each(ctx, func(b synth.Bundle) error {
		if err := fn(b.Profile.Index, facts.Fact{Item: "registration", Shape: facts.Attribute, Period: b.Profile.FoundedOn,
			Text: b.Profile.NameZH, Ref: b.Profile.Code, Source: synth.DeptSAMR}); err != nil {
			return err
		}
		n++
		for _, f := range b.Facts {
			if err := fn(b.Profile.Index, f); err != nil {
				return err
			}
			n++
		}
		for _, l := range b.Loans {
			if err := fn(b.Profile.Index, facts.Fact{Item: "loan", Shape: facts.Event, Period: l.StartOn, Num: l.AmountFen,
				Text: string(l.Status), Ref: l.ContractNo, Source: synth.DeptFinance}); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	return n, err
}

func nullDate(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t
}

func (b *sqliteBaseline) loadFacts(ctx context.Context, g *synth.Generator) (int64, error) {
	if _, err := b.w.ExecContext(ctx, `CREATE TABLE bench_raw_facts (enterprise_index INTEGER NOT NULL, item TEXT NOT NULL,
		shape TEXT NOT NULL, period TEXT NOT NULL, ends_on TEXT, num INTEGER NOT NULL, text TEXT NOT NULL, ref TEXT NOT NULL,
		detail TEXT NOT NULL, source TEXT NOT NULL, received_at TEXT NOT NULL, version INTEGER NOT NULL) STRICT`); err != nil {
		return 0, err
	}
	const batch = 50_000
	var (
		tx   *sql.Tx
		stmt *sql.Stmt
		rows int
	)
	begin := func() error {
		var err error
		if tx, err = b.w.BeginTx(ctx, nil); err != nil {
			return err
		}
		stmt, err = tx.PrepareContext(ctx, `INSERT INTO bench_raw_facts (`+rawFactCols+`) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)`)
		return err
	}
	if err := begin(); err != nil {
		return 0, err
	}
	n, err := eachFact(ctx, g, func(i int, f facts.Fact) error {
		var ends any
		if !f.EndsOn.IsZero() {
			ends = f.EndsOn.Format(time.DateOnly)
		}
		if _, err := stmt.ExecContext(ctx, i, f.Item, string(f.Shape), f.Period.Format(time.DateOnly), ends, f.Num, f.Text, f.Ref,
			f.Detail, f.Source, f.ReceivedAt.UTC().Format("2006-01-02T15:04:05.000000Z"), f.Version); err != nil {
			return err
		}
		if rows++; rows == batch {
			rows = 0
			if err := tx.Commit(); err != nil {
				return err
			}
			return begin()
		}
		return nil
	})
	if err != nil {
		tx.Rollback()
		return n, err
	}
	if err := tx.Commit(); err != nil {
		return n, err
	}
	_, err = b.w.ExecContext(ctx, `DROP TABLE bench_raw_facts`)
	return n, err
}

// loadFacts on PostgreSQL streams the generator straight into COPY.
func (b *pgBaseline) loadFacts(ctx context.Context, g *synth.Generator) (int64, error) {
	if _, err := b.pool.Exec(ctx, `CREATE TABLE bench_raw_facts (enterprise_index BIGINT NOT NULL, item TEXT NOT NULL,
		shape TEXT NOT NULL, period DATE NOT NULL, ends_on DATE, num BIGINT NOT NULL, text TEXT NOT NULL, ref TEXT NOT NULL,
		detail TEXT NOT NULL, source TEXT NOT NULL, received_at TIMESTAMPTZ NOT NULL, version INT NOT NULL)`); err != nil {
		return 0, err
	}
	rows := make(chan []any, 4096)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var genN int64
	genErr := make(chan error, 1)
	go func() {
		defer close(rows)
		var err error
		genN, err = eachFact(gctx, g, func(i int, f facts.Fact) error {
			select {
			case rows <- []any{int64(i), f.Item, string(f.Shape), f.Period, nullDate(f.EndsOn), f.Num, f.Text, f.Ref, f.Detail, f.Source, f.ReceivedAt, int32(f.Version)}:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
		genErr <- err
	}()
	src := &chanSource{ch: rows}
	_, err := b.pool.CopyFrom(ctx, pgx.Identifier{"bench_raw_facts"}, strings.Split(strings.ReplaceAll(rawFactCols, " ", ""), ","), src)
	cancel()
	for range rows { // drain so the generator can stop
	}
	if gerr := <-genErr; err == nil && gerr != nil && !errors.Is(gerr, context.Canceled) {
		err = gerr
	}
	if err != nil {
		return genN, err
	}
	_, err = b.pool.Exec(ctx, `DROP TABLE bench_raw_facts`)
	return genN, err
}

// chanSource adapts a channel of rows to pgx.CopyFromSource.
type chanSource struct {
	ch  chan []any
	row []any
}

func (c *chanSource) Next() bool {
	r, ok := <-c.ch
	c.row = r
	return ok
}
func (c *chanSource) Values() ([]any, error) { return c.row, nil }
func (c *chanSource) Err() error             { return nil }
