package bench

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/url"
	"runtime"
	"runtime/metrics"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/backend"
	"github.com/creditbridge/creditbridge/internal/store/postgres"
	"github.com/creditbridge/creditbridge/internal/store/sqlite"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Result is the one JSON object Store prints. Rates are operations per
// second; ratios are store / baseline (1 would mean the store costs
// nothing over raw SQL).
type Result struct {
	Backend              string  `json:"backend"`
	Enterprises          int     `json:"enterprises"`
	StoreRegisterPerSec  float64 `json:"store_register_per_sec"`
	StoreLookupPerSec    float64 `json:"store_lookup_per_sec"`
	BaselineInsertPerSec float64 `json:"baseline_insert_per_sec"`
	BaselineLookupPerSec float64 `json:"baseline_lookup_per_sec"`
	// BaselineInsertTxPerSec commits one raw INSERT per transaction, the
	// durability the store gives each registration; RatioRegisterTx is the
	// store's cost over that (its own overhead: the evidence entry, the
	// chain head, sealing), RatioRegister its cost over a bulk load.
	BaselineInsertTxPerSec float64 `json:"baseline_insert_tx_per_sec"`
	RatioRegister          float64 `json:"ratio_register"`
	RatioRegisterTx        float64 `json:"ratio_register_tx"`
	RatioLookup            float64 `json:"ratio_lookup"`
	GoVersion              string  `json:"go_version"`
	CPUs                   int     `json:"cpus"`
	StartedAt              string  `json:"started_at"`
}

// Store benchmarks the backend dsn names with n enterprises and writes one
// JSON Result (one line) to w.
//
//   - store register: each enterprise through store.InTx with
//     CreateEnterprise and an AppendAudit entry, as the platform registers
//     one (one transaction per enterprise);
//   - store lookup: EnterpriseByCode for every code in a shuffled order;
//   - baseline insert: the same rows into a plain table with the engine's
//     bulk path (SQLite: one prepared INSERT in transactions of 10 000 rows;
//     PostgreSQL: COPY);
//   - baseline lookup: a prepared SELECT by code in the same order.
//
// Data and order are deterministic (fixed seeds), so runs compare.
func Store(ctx context.Context, dsn string, n int, w io.Writer) (err error) {
	if n <= 0 {
		return fmt.Errorf("bench: enterprise count must be positive, got %d", n)
	}
	res := Result{Enterprises: n, GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		StartedAt: time.Now().UTC().Format(time.RFC3339)}
	records, err := generate(n)
	if err != nil {
		return err
	}
	order := mrand.New(mrand.NewPCG(2, 0)).Perm(n)

	s, base, cleanup, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	res.Backend = s.Backend()

	if res.StoreRegisterPerSec, err = rate(n, func() error { return register(ctx, s, records) }); err != nil {
		return err
	}
	if res.StoreLookupPerSec, err = rate(n, func() error { return lookup(ctx, s, records, order) }); err != nil {
		return err
	}
	if err := base.create(ctx); err != nil {
		return fmt.Errorf("bench: create baseline table: %w", err)
	}
	if res.BaselineInsertPerSec, err = rate(n, func() error { return base.insert(ctx, records) }); err != nil {
		return fmt.Errorf("bench: baseline insert: %w", err)
	}
	if res.BaselineLookupPerSec, err = rate(n, func() error { return base.lookup(ctx, records, order) }); err != nil {
		return fmt.Errorf("bench: baseline lookup: %w", err)
	}
	if res.BaselineInsertTxPerSec, err = rate(n, func() error { return base.insertEach(ctx, records) }); err != nil {
		return fmt.Errorf("bench: baseline insert per transaction: %w", err)
	}
	res.RatioRegister = res.StoreRegisterPerSec / res.BaselineInsertPerSec
	res.RatioRegisterTx = res.StoreRegisterPerSec / res.BaselineInsertTxPerSec
	res.RatioLookup = res.StoreLookupPerSec / res.BaselineLookupPerSec
	return json.NewEncoder(w).Encode(res)
}

// rate runs fn once and returns n / its duration in seconds.
func rate(n int, fn func() error) (float64, error) {
	start := time.Now()
	if err := fn(); err != nil {
		return 0, err
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// open opens the store on a fresh area and the raw baseline beside it;
// cleanup closes the store and removes what bench created.
func open(ctx context.Context, dsn string) (store.Store, baseline, func() error, error) {
	if backend.IsPostgres(dsn) {
		return openPostgres(ctx, dsn)
	}
	path := backend.SQLitePath(dsn)
	s, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, nil, nil, err
	}
	if have, err := s.CountEnterprises(ctx); err != nil || have > 0 {
		s.Close()
		if err == nil {
			err = fmt.Errorf("bench: refusing to write into %s: it already holds %d enterprises; give a new file", path, have)
		}
		return nil, nil, nil, err
	}
	wdb, rdb := s.DBs()
	base := &sqliteBaseline{w: wdb, r: rdb}
	cleanup := func() error {
		_, dropErr := wdb.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_baseline`)
		_, dropTxErr := wdb.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_baseline_tx`)
		dropErr = errors.Join(dropErr, dropTxErr)
		return errors.Join(dropErr, s.Close())
	}
	return s, base, cleanup, nil
}

func openPostgres(ctx context.Context, dsn string) (store.Store, baseline, func() error, error) {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, nil, nil, err
	}
	schema := "cbbench_" + hex.EncodeToString(b[:])
	admin := func(ctx context.Context, sql string) error {
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			return fmt.Errorf("bench: connect: %w", err)
		}
		defer c.Close(ctx)
		_, err = c.Exec(ctx, sql)
		return err
	}
	ident := pgx.Identifier{schema}.Sanitize()
	if err := admin(ctx, `CREATE SCHEMA `+ident); err != nil {
		return nil, nil, nil, fmt.Errorf("bench: create schema %s: %w", schema, err)
	}
	drop := func() error { return admin(context.WithoutCancel(ctx), `DROP SCHEMA `+ident+` CASCADE`) }
	u, err := url.Parse(dsn)
	if err != nil {
		return nil, nil, nil, errors.Join(err, drop())
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	st, err := backend.Open(ctx, u.String(), backend.Options{MigratePostgres: true})
	if err != nil {
		return nil, nil, nil, errors.Join(err, drop())
	}
	pool := st.(*postgres.Store).Pool()
	cleanup := func() error { return errors.Join(st.Close(), drop()) }
	return st, &pgBaseline{pool: pool}, cleanup, nil
}

// register stores every record the way the platform registers one.
func register(ctx context.Context, s store.Store, records []enterprise.Record) error {
	for i := range records {
		r := records[i] // a copy: the store sets ID, times and version on it
		err := s.InTx(ctx, func(tx store.Store) error {
			if err := tx.CreateEnterprise(ctx, &r); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, &audit.Entry{ActorName: "bench", Action: "enterprise.register",
				EnterpriseID: r.ID, Items: []string{"registration"}, Detail: r.Code})
		})
		if err != nil {
			return fmt.Errorf("bench: register %s: %w", r.Code, err)
		}
	}
	return nil
}

func lookup(ctx context.Context, s store.Store, records []enterprise.Record, order []int) error {
	for _, i := range order {
		r, err := s.EnterpriseByCode(ctx, records[i].Code)
		if err != nil {
			return fmt.Errorf("bench: look up %s: %w", records[i].Code, err)
		}
		if r.NameZH != records[i].NameZH {
			return fmt.Errorf("bench: look up %s returned %q", records[i].Code, r.NameZH)
		}
	}
	return nil
}

// ---- data

var (
	divisions = []struct{ code, city string }{
		{"320505", "苏州"}, {"320506", "苏州"}, {"440305", "深圳"}, {"110108", "北京"},
		{"310115", "上海"}, {"330106", "杭州"}, {"510107", "成都"}, {"420106", "武汉"},
	}
	words      = []string{"精密", "智能", "恒达", "宏远", "新材料", "环保", "电子", "纺织", "机械", "医药", "食品", "物流"}
	kinds      = []string{"科技", "制造", "贸易", "工程", "服务", "实业"}
	industries = []string{"C", "C", "C", "F", "I", "M", "E", "G"}
	sizes      = []string{"micro", "micro", "small", "small", "medium"}
)

// generate makes n distinct enterprises with valid unified social credit
// codes (GB 32100 check character; GB 11714 organisation code inside).
func generate(n int) ([]enterprise.Record, error) {
	rng := mrand.New(mrand.NewPCG(1, 0))
	first := 10_000_000 + rng.IntN(40_000_000)
	if first+n > 99_999_999 {
		return nil, fmt.Errorf("bench: at most %d enterprises", 99_999_999-first)
	}
	founded := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]enterprise.Record, n)
	for i := range out {
		d := divisions[rng.IntN(len(divisions))]
		body := fmt.Sprintf("%08d", first+i)
		code, err := creditcode.Complete("91" + d.code + body + string(creditcode.OrgCodeCheck(body)))
		if err != nil {
			return nil, fmt.Errorf("bench: generate code: %w", err)
		}
		word, kind := words[rng.IntN(len(words))], kinds[rng.IntN(len(kinds))]
		out[i] = enterprise.Record{
			Code:              code.String(),
			NameZH:            d.city + "某某" + word + kind + "有限公司",
			NameEN:            fmt.Sprintf("Enterprise %d Co., Ltd.", i),
			Division:          d.code,
			Industry:          industries[rng.IntN(len(industries))],
			Size:              sizes[rng.IntN(len(sizes))],
			Status:            enterprise.StatusOperating,
			RegisteredCapital: int64(rng.IntN(100_000)) * 100_000, // up to 100 million yuan, in fen
			FoundedOn:         founded.AddDate(0, 0, rng.IntN(9000)),
			Address:           d.city + "市某某路" + fmt.Sprint(1+rng.IntN(999)) + "号",
			LegalRepMasked:    "张*",
			LegalRepSealed:    make([]byte, 48), // the size of a sealed name + identity number
		}
	}
	return out, nil
}

// ---- raw baselines

// baseline is the same work in plain SQL on the same backend, into a
// plain table with only the unique code index.
type baseline interface {
	create(ctx context.Context) error
	insert(ctx context.Context, records []enterprise.Record) error
	// insertEach inserts into bench_baseline_tx, one transaction per row.
	insertEach(ctx context.Context, records []enterprise.Record) error
	lookup(ctx context.Context, records []enterprise.Record, order []int) error
	// loadFacts bulk-loads a generated region's records into a plain table
	// (see Seed) and returns how many.
	loadFacts(ctx context.Context, g *synth.Generator) (int64, error)
}

const baselineCols = `code, name_zh, name_en, division, industry, size, status, registered_capital,
	founded_on, address, legal_rep_masked, legal_rep_sealed, created_at, updated_at, version`

type sqliteBaseline struct{ w, r *sql.DB }

func (b *sqliteBaseline) create(ctx context.Context) error {
	if _, err := b.w.ExecContext(ctx, `CREATE TABLE bench_baseline_tx (
		id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name_zh TEXT NOT NULL, legal_rep_sealed BLOB NOT NULL,
		created_at TEXT NOT NULL) STRICT`); err != nil {
		return err
	}
	_, err := b.w.ExecContext(ctx, `CREATE TABLE bench_baseline (
		id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, name_zh TEXT NOT NULL, name_en TEXT NOT NULL,
		division TEXT NOT NULL, industry TEXT NOT NULL, size TEXT NOT NULL, status TEXT NOT NULL,
		registered_capital INTEGER NOT NULL, founded_on TEXT, address TEXT NOT NULL,
		legal_rep_masked TEXT NOT NULL, legal_rep_sealed BLOB NOT NULL,
		created_at TEXT NOT NULL, updated_at TEXT NOT NULL, version INTEGER NOT NULL) STRICT`)
	return err
}

// sqliteBatch is the number of rows per baseline transaction.
const sqliteBatch = 10_000

func (b *sqliteBaseline) insert(ctx context.Context, records []enterprise.Record) error {
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	for start := 0; start < len(records); start += sqliteBatch {
		if err := b.insertBatch(ctx, records[start:min(start+sqliteBatch, len(records))], now); err != nil {
			return err
		}
	}
	return nil
}

func (b *sqliteBaseline) insertBatch(ctx context.Context, batch []enterprise.Record, now string) error {
	tx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback() // a no-op after Commit
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO bench_baseline (`+baselineCols+`)
		VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?13, 1)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	for _, r := range batch {
		if _, err := stmt.ExecContext(ctx, r.Code, r.NameZH, r.NameEN, r.Division, r.Industry, r.Size, string(r.Status),
			r.RegisteredCapital, r.FoundedOn.Format("2006-01-02"), r.Address, r.LegalRepMasked, r.LegalRepSealed, now); err != nil {
			return err
		}
	}
	return tx.Commit()
}

func (b *sqliteBaseline) insertEach(ctx context.Context, records []enterprise.Record) error {
	stmt, err := b.w.PrepareContext(ctx, `INSERT INTO bench_baseline_tx (code, name_zh, legal_rep_sealed, created_at) VALUES (?1, ?2, ?3, ?4)`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	now := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	for _, r := range records {
		// Outside an explicit transaction each statement commits on its own.
		if _, err := stmt.ExecContext(ctx, r.Code, r.NameZH, r.LegalRepSealed, now); err != nil {
			return err
		}
	}
	return nil
}

func (b *sqliteBaseline) lookup(ctx context.Context, records []enterprise.Record, order []int) error {
	stmt, err := b.r.PrepareContext(ctx, `SELECT id, `+baselineCols+` FROM bench_baseline WHERE code = ?1`)
	if err != nil {
		return err
	}
	defer stmt.Close()
	var (
		id, capital, version                               int64
		code, zh, en, div, ind, size, status, addr, masked string
		founded, created, updated                          sql.NullString
		sealed                                             []byte
	)
	for _, i := range order {
		if err := stmt.QueryRowContext(ctx, records[i].Code).Scan(&id, &code, &zh, &en, &div, &ind, &size, &status,
			&capital, &founded, &addr, &masked, &sealed, &created, &updated, &version); err != nil {
			return fmt.Errorf("look up %s: %w", records[i].Code, err)
		}
	}
	return nil
}

type pgBaseline struct{ pool *pgxpool.Pool }

func (b *pgBaseline) create(ctx context.Context) error {
	if _, err := b.pool.Exec(ctx, `CREATE TABLE bench_baseline_tx (
		id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, code TEXT NOT NULL UNIQUE, name_zh TEXT NOT NULL,
		legal_rep_sealed BYTEA NOT NULL, created_at TIMESTAMPTZ NOT NULL)`); err != nil {
		return err
	}
	_, err := b.pool.Exec(ctx, `CREATE TABLE bench_baseline (
		id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, code TEXT NOT NULL UNIQUE,
		name_zh TEXT NOT NULL, name_en TEXT NOT NULL, division TEXT NOT NULL, industry TEXT NOT NULL,
		size TEXT NOT NULL, status TEXT NOT NULL, registered_capital BIGINT NOT NULL, founded_on DATE,
		address TEXT NOT NULL, legal_rep_masked TEXT NOT NULL, legal_rep_sealed BYTEA NOT NULL,
		created_at TIMESTAMPTZ NOT NULL, updated_at TIMESTAMPTZ NOT NULL, version BIGINT NOT NULL)`)
	return err
}

func (b *pgBaseline) insert(ctx context.Context, records []enterprise.Record) error {
	now := time.Now().UTC()
	cols := []string{"code", "name_zh", "name_en", "division", "industry", "size", "status", "registered_capital",
		"founded_on", "address", "legal_rep_masked", "legal_rep_sealed", "created_at", "updated_at", "version"}
	_, err := b.pool.CopyFrom(ctx, pgx.Identifier{"bench_baseline"}, cols,
		pgx.CopyFromSlice(len(records), func(i int) ([]any, error) {
			r := &records[i]
			return []any{r.Code, r.NameZH, r.NameEN, r.Division, r.Industry, r.Size, string(r.Status),
				r.RegisteredCapital, r.FoundedOn, r.Address, r.LegalRepMasked, r.LegalRepSealed, now, now, int64(1)}, nil
		}))
	return err
}

func (b *pgBaseline) insertEach(ctx context.Context, records []enterprise.Record) error {
	now := time.Now().UTC()
	for _, r := range records {
		// pgx sends each Exec as its own implicitly committed statement.
		if _, err := b.pool.Exec(ctx, `INSERT INTO bench_baseline_tx (code, name_zh, legal_rep_sealed, created_at) VALUES ($1, $2, $3, $4)`,
			r.Code, r.NameZH, r.LegalRepSealed, now); err != nil {
			return err
		}
	}
	return nil
}

func (b *pgBaseline) lookup(ctx context.Context, records []enterprise.Record, order []int) error {
	c, err := b.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer c.Release()
	if _, err := c.Conn().Prepare(ctx, "bench_lookup", `SELECT id, `+baselineCols+` FROM bench_baseline WHERE code = $1`); err != nil {
		return err
	}
	var (
		id, capital, version                               int64
		code, zh, en, div, ind, size, status, addr, masked string
		founded, created, updated                          time.Time
		sealed                                             []byte
	)
	for _, i := range order {
		if err := c.QueryRow(ctx, "bench_lookup", records[i].Code).Scan(&id, &code, &zh, &en, &div, &ind, &size, &status,
			&capital, &founded, &addr, &masked, &sealed, &created, &updated, &version); err != nil {
			return fmt.Errorf("look up %s: %w", records[i].Code, err)
		}
	}
	return nil
}

// gcCycles is the number of garbage collections the process has
// completed: the benchmarks print how many ran during what they measure,
// since the collector's settings (gc_percent, gc_heap_floor_mib, GOGC)
// move latencies and peak memory.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		return 0
	}
	return s[0].Value.Uint64()
}
