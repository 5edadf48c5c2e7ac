package bench

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/store"
)

// IngestResult is the JSON object `bench ingest` prints.
type IngestResult struct {
	Backend     string `json:"backend"`
	Format      string `json:"format"`
	Rows        int64  `json:"rows"`
	Enterprises int    `json:"enterprises"`
	Months      int    `json:"months"`
	FileBytes   int64  `json:"file_bytes"`
	// Pipeline*: ingest.File of the department file: decode, map,
	// validate (codes, registry, dates, numbers, unit plausibility,
	// duplicates), store the facts with provenance, the batch record and
	// its evidence entry, one transaction.
	PipelineSeconds     float64 `json:"pipeline_seconds"`
	PipelineRowsPerSec  float64 `json:"pipeline_rows_per_sec"`
	PipelineFacts       int64   `json:"pipeline_facts"`
	PipelineFactsPerSec float64 `json:"pipeline_facts_per_sec"`
	// Raw*: the same facts, generated again (no file), bulk-loaded with
	// raw SQL into a scratch table of the facts table's shape (its
	// columns, index and reference to enterprises), empty at the start:
	// PostgreSQL one COPY, SQLite one prepared INSERT in one transaction.
	RawSeconds     float64 `json:"raw_seconds"`
	RawFactsPerSec float64 `json:"raw_facts_per_sec"`
	// RatioFacts is pipeline facts/s over raw facts/s (goal ≥ 0.5).
	RatioFacts float64 `json:"ratio_facts"`
	// PeakRSSBytes is the process's high-water resident set (VmHWM),
	// generation and registration included.
	PeakRSSBytes int64 `json:"peak_rss_bytes"`
	// PipelinePeakRSSBytes is the high-water resident set of the measured
	// batch alone (VmHWM reset after the setup, through
	// /proc/self/clear_refs; 0 where that is not possible).
	PipelinePeakRSSBytes int64   `json:"pipeline_peak_rss_bytes"`
	GenSeconds           float64 `json:"generate_seconds"`
	SetupSeconds         float64 `json:"setup_seconds"` // registration and the year of history
	GoVersion            string  `json:"go_version"`
	// GCCycles is the number of garbage collections during the pipeline.
	GCCycles  uint64 `json:"gc_cycles"`
	CPUs      int    `json:"cpus"`
	StartedAt string `json:"started_at"`
}

// IngestFixture is a generated department file, the registration
// snapshot of its enterprises and the year of returns before it (the
// history the unit check compares with), with their datasets.
type IngestFixture struct {
	ProfilePath, HistoryPath, DataPath string
	Profile, History, Data             ingest.Dataset
	Enterprises, Months                int
	Rows                               int64
	Bytes                              int64
}

// historyMonths is the history before the measured file: what the unit
// check reads for every row.
const historyMonths = 12

// fixtureMonths is how many months a fixture spans when it has enough
// rows: a tax bureau's two years of monthly returns.
const fixtureMonths = 24

// taxColumns are the monthly tax returns' columns (as in the synthetic
// region's 纳税人申报信息: 元 with two decimals, the period YYYY-MM).
var taxColumns = []ingest.Column{
	{Name: "统一社会信用代码", Field: "enterprise.code", Type: "code", Required: true},
	{Name: "纳税人名称", Field: "enterprise.name", Type: "text"},
	{Name: "所属期", Field: "fact.period", Type: "month", Format: "YYYY-MM", Required: true},
	{Name: "增值税销售额(元)", Field: "fact.num", Item: "tax.vat_sales", Type: "money", Unit: "元", Scale: 100},
	{Name: "实缴税款合计(元)", Field: "fact.num", Item: "tax.paid_total", Type: "money", Unit: "元", Scale: 100},
	{Name: "增值税(元)", Field: "fact.num", Item: "tax.vat_paid", Type: "money", Unit: "元", Scale: 100},
	{Name: "企业所得税(元)", Field: "fact.num", Item: "tax.cit_paid", Type: "money", Unit: "元", Scale: 100},
	{Name: "欠税余额(元)", Field: "fact.num", Item: "tax.arrears", Type: "money", Unit: "元", Scale: 100},
}

var profileColumns = []ingest.Column{
	{Name: "统一社会信用代码", Field: "profile.code", Type: "code", Required: true},
	{Name: "企业名称", Field: "profile.name_zh", Type: "text", Required: true},
	{Name: "法定代表人", Field: "profile.legal_rep_name", Type: "text", Required: true},
	{Name: "法定代表人身份证号", Field: "profile.legal_rep_id", Type: "text"},
	{Name: "成立日期", Field: "profile.founded_on", Type: "date", Format: "YYYY-MM-DD", Required: true},
	{Name: "注册资本(万元)", Field: "profile.registered_capital", Type: "money", Unit: "万元", Scale: 1000000},
	{Name: "登记状态", Field: "profile.status", Type: "enum", Values: map[string]string{"存续": "operating"}, Required: true},
	{Name: "行业门类", Field: "profile.industry", Type: "text"},
}

// fixtureCode is the credit code of fixture enterprise i (Suzhou
// Huqiu district, organisation code MA and seven hex digits).
func fixtureCode(i int) string {
	c, err := creditcode.Complete(fmt.Sprintf("91320505MA%07X", i))
	if err != nil {
		panic(err) // the alphabet holds every hex digit
	}
	return string(c)
}

// mix is splitmix64: deterministic values from (enterprise, month).
func mix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// taxRow fills one month's tax return of enterprise i: sales of 30,000
// to 30 million 元 a month (log-uniform per enterprise, ±25 % a month),
// VAT 2–4 % of sales, corporate income tax in the quarter's first month,
// arrears mostly nil. Amounts in fen; cit < 0 means no value reported.
func taxRow(i, month int) (sales, paid, vat, cit, arrears int64) {
	h := mix(uint64(i))
	base := 3e6 * pow10(float64(h%3000)/1000) // fen: 30,000 元 × 10^0..3
	m := mix(h ^ uint64(month+1))
	sales = int64(base * (0.75 + float64(m%5000)/10000))
	vat = sales * int64(2+m%3) / 100
	cit = -1
	if month%3 == 0 {
		cit = sales * int64(1+m>>20%3) / 100
	}
	paid = vat + vat*12/100
	if cit > 0 {
		paid += cit
	}
	if m>>40%20 == 0 {
		arrears = vat / 2
	}
	return
}

func pow10(x float64) float64 {
	r := 1.0
	for ; x >= 1; x-- {
		r *= 10
	}
	// 10^frac by its series around 1: enough for test data.
	f := 1.0
	term := 1.0
	ln10 := 2.302585092994046
	for k := 1; k < 12; k++ {
		term *= x * ln10 / float64(k)
		f += term
	}
	return r * f
}

// fixtureShape chooses enterprises and months for rows rows: enterprises
// of them when it is positive (at most rows), else the number that gives
// fixtureMonths months (at least 100 enterprises, or rows when fewer).
// Holding enterprises fixed while rows grow lengthens the series (more
// months) instead of widening it: what the batch keeps per enterprise
// then stays the same, and only per-row costs grow.
func fixtureShape(rows int64, enterprises int) (e, months int) {
	n := max(rows/fixtureMonths, min(rows, 100))
	if enterprises > 0 {
		n = min(int64(enterprises), rows)
	}
	return int(n), int((rows + n - 1) / n)
}

// eachTaxFact calls fn with every fact of the fixture's data file of
// rows rows over enterprises enterprises (see fixtureShape), in file
// order: what ingesting it stores (without provenance).
func eachTaxFact(rows int64, enterprises int, fn func(i int, f facts.Fact) error) error {
	e, _ := fixtureShape(rows, enterprises)
	items := []string{"tax.vat_sales", "tax.paid_total", "tax.vat_paid", "tax.cit_paid", "tax.arrears"}
	for r := int64(0); r < rows; r++ {
		i, month := int(r%int64(e)), historyMonths+int(r/int64(e))
		period := time.Date(2024, time.Month(1+month), 1, 0, 0, 0, 0, time.UTC)
		sales, paid, vat, cit, arrears := taxRow(i, month)
		for k, v := range []int64{sales, paid, vat, cit, arrears} {
			if v < 0 {
				continue
			}
			if err := fn(i, facts.Fact{Item: items[k], Shape: facts.Measure, Period: period, Num: v, Source: "tax", Version: 1}); err != nil {
				return err
			}
		}
	}
	return nil
}

// WriteIngestFixture writes into dir a registration snapshot (CSV) of the
// enterprises and a department file of rows monthly tax returns in format
// (csv, xlsx or jsonl), streaming: memory does not grow with rows. XLSX
// holds at most 1,048,573 data rows (the sheet limit). The enterprises
// are as many as give two years of returns (see fixtureShape).
func WriteIngestFixture(dir string, rows int64, format string) (IngestFixture, error) {
	return WriteIngestFixtureOf(dir, rows, 0, format)
}

// WriteIngestFixtureOf is WriteIngestFixture with the number of
// enterprises given (0: the default shape).
func WriteIngestFixtureOf(dir string, rows int64, enterprises int, format string) (IngestFixture, error) {
	if rows <= 0 {
		return IngestFixture{}, fmt.Errorf("bench: rows must be positive")
	}
	if format == "xlsx" && rows > 1_048_576-3 {
		return IngestFixture{}, fmt.Errorf("bench: an XLSX sheet holds at most 1,048,573 data rows")
	}
	if enterprises < 0 {
		return IngestFixture{}, fmt.Errorf("bench: enterprises must not be negative")
	}
	e, months := fixtureShape(rows, enterprises)
	fx := IngestFixture{Enterprises: e, Months: months, Rows: rows, ProfilePath: filepath.Join(dir, "registrations.csv"),
		HistoryPath: filepath.Join(dir, "tax-history.csv"), DataPath: filepath.Join(dir, "tax."+format)}
	fx.Profile = ingest.Dataset{Name: "bench/registrations", Department: "samr", Format: "csv", Encoding: "utf-8", HeaderRow: 1,
		RowKind: ingest.KindProfile, KeyColumn: "统一社会信用代码", Columns: profileColumns, UnknownEnterprise: ingest.PolicyRegister}
	fx.Data = ingest.Dataset{Name: "bench/tax.returns", Department: "tax", Format: format, Encoding: "utf-8", HeaderRow: 1,
		RowKind: ingest.KindMeasure, Shape: "measure", Version: 1, KeyColumn: "统一社会信用代码", Columns: taxColumns}
	fx.History = fx.Data
	fx.History.Name, fx.History.Format = "bench/tax.returns.history", "csv"
	if format == "xlsx" {
		fx.Data.HeaderRow, fx.Data.Sheet = 3, "纳税人申报信息"
	}
	if format == "jsonl" {
		fx.Data.HeaderRow = 0
	}
	if err := fx.Profile.Validate(); err != nil {
		return fx, err
	}
	if err := fx.Data.Validate(); err != nil {
		return fx, err
	}
	rep, err := personid.Complete("32050519800101999")
	if err != nil {
		return fx, err
	}
	if err := writeCSV(fx.ProfilePath, profileColumns, int64(e), func(n int64, cells []string) {
		i := int(n)
		cells[0], cells[1], cells[2], cells[3] = fixtureCode(i), "基准测试企业"+strconv.Itoa(i)+"（模拟）", "张三", rep
		cells[4], cells[5], cells[6], cells[7] = "2015-06-30", strconv.Itoa(100+i%900), "存续", "C"
	}); err != nil {
		return fx, err
	}
	names := make([]string, e)
	for i := range names {
		names[i] = "基准测试企业" + strconv.Itoa(i) + "（模拟）"
	}
	fillFrom := func(first int) func(n int64, cells []string) {
		return func(n int64, cells []string) {
			taxCells(first, e, names, n, cells)
		}
	}
	if err := writeCSV(fx.HistoryPath, taxColumns, int64(e)*historyMonths, fillFrom(0)); err != nil {
		return fx, err
	}
	fill := fillFrom(historyMonths)
	switch format {
	case "csv":
		err = writeCSV(fx.DataPath, taxColumns, rows, fill)
	case "jsonl":
		err = writeJSONL(fx.DataPath, taxColumns, rows, fill)
	case "xlsx":
		err = writeXLSX(fx.DataPath, dir, taxColumns, rows, fill)
	default:
		err = fmt.Errorf("bench: format %q (want csv, xlsx or jsonl)", format)
	}
	if err != nil {
		return fx, err
	}
	st, err := os.Stat(fx.DataPath)
	if err != nil {
		return fx, err
	}
	fx.Bytes = st.Size()
	return fx, nil
}

// taxCells writes row n of a file of monthly returns whose first month
// is first (0: January 2024).
func taxCells(first, e int, names []string, n int64, cells []string) {
	i, month := int(n%int64(e)), first+int(n/int64(e))
	sales, paid, vat, cit, arrears := taxRow(i, month)
	cells[0], cells[1] = fixtureCode(i), names[i]
	cells[2] = time.Date(2024, time.Month(1+month), 1, 0, 0, 0, 0, time.UTC).Format("2006-01")
	cells[3], cells[4], cells[5], cells[7] = yuan(sales), yuan(paid), yuan(vat), yuan(arrears)
	cells[6] = ""
	if cit >= 0 {
		cells[6] = yuan(cit)
	}
}

func yuan(fen int64) string {
	return strconv.FormatInt(fen/100, 10) + "." + strconv.FormatInt(100+fen%100, 10)[1:]
}

func writeCSV(path string, cols []ingest.Column, rows int64, fill func(int64, []string)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	cells := make([]string, len(cols))
	for i, c := range cols {
		cells[i] = c.Name
	}
	_ = w.Write(cells)
	for n := int64(0); n < rows; n++ {
		fill(n, cells)
		if err := w.Write(cells); err != nil {
			f.Close()
			return err
		}
	}
	w.Flush()
	if err := errors.Join(w.Error(), bw.Flush()); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func writeJSONL(path string, cols []ingest.Column, rows int64, fill func(int64, []string)) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	cells := make([]string, len(cols))
	var line []byte
	for n := int64(0); n < rows; n++ {
		fill(n, cells)
		line = append(line[:0], '{')
		first := true
		for i, c := range cols {
			if cells[i] == "" {
				continue
			}
			if !first {
				line = append(line, ',')
			}
			first = false
			line = strconv.AppendQuote(line, c.Name)
			line = append(line, ':')
			if c.Type == "money" {
				line = append(line, cells[i]...) // a JSON number
			} else {
				line = strconv.AppendQuote(line, cells[i])
			}
		}
		line = append(line, '}', '\n')
		if _, err := bw.Write(line); err != nil {
			f.Close()
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeXLSX writes a workbook as a tax bureau does: a title row, a
// generated-on row, the header on row 3; 元 as numeric cells.
func writeXLSX(path, tmp string, cols []ingest.Column, rows int64, fill func(int64, []string)) (err error) {
	x := excelize.NewFile(excelize.Options{TmpDir: tmp})
	defer func() { err = errors.Join(err, x.Close()) }()
	const sheet = "纳税人申报信息"
	if err := x.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetRow("A1", []any{"国家税务总局江苏省税务局 纳税人申报信息（基准测试数据，模拟）"}); err != nil {
		return err
	}
	if err := sw.SetRow("A2", []any{"金额单位：元"}); err != nil {
		return err
	}
	vals := make([]any, len(cols))
	for i, c := range cols {
		vals[i] = c.Name
	}
	if err := sw.SetRow("A3", vals); err != nil {
		return err
	}
	cells := make([]string, len(cols))
	for n := int64(0); n < rows; n++ {
		fill(n, cells)
		for i, c := range cols {
			vals[i] = cells[i]
			if c.Type == "money" && cells[i] != "" {
				v, _ := strconv.ParseFloat(cells[i], 64)
				vals[i] = v
			} else if cells[i] == "" {
				vals[i] = nil
			}
		}
		if err := sw.SetRow("A"+strconv.FormatInt(n+4, 10), vals); err != nil {
			return err
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	return x.SaveAs(path)
}

// Ingest benchmarks ingesting a generated department file of rows rows in
// format into the backend dsn names (a fresh area, as Store does) and
// writes one JSON IngestResult to w. The fixture has enterprises
// enterprises (0: the default shape, see fixtureShape) and goes to a
// temporary directory that is removed afterwards.
func Ingest(ctx context.Context, dsn string, rows int64, enterprises int, format string, w io.Writer) (err error) {
	res := IngestResult{Format: format, Rows: rows, GoVersion: runtime.Version(), CPUs: runtime.NumCPU(),
		StartedAt: time.Now().UTC().Format(time.RFC3339)}
	dir, err := os.MkdirTemp("", "creditbridge-bench-ingest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	fx, err := WriteIngestFixtureOf(dir, rows, enterprises, format)
	if err != nil {
		return err
	}
	res.GenSeconds = time.Since(start).Seconds()
	res.Enterprises, res.Months, res.FileBytes = fx.Enterprises, fx.Months, fx.Bytes

	s, base, cleanup, err := open(ctx, dsn)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, cleanup()) }()
	res.Backend = s.Backend()
	if err := loadCatalogue(ctx, s); err != nil {
		return err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return err
	}
	sealer, err := keys.NewSealer(key)
	if err != nil {
		return err
	}
	svc := &enterprise.Service{Repo: s, Seal: sealer}
	start = time.Now()
	reg, err := ingest.File(ctx, s, fx.Profile, fx.ProfilePath, ingest.Options{Enterprises: svc, ChunkRows: 10000})
	if err != nil {
		return fmt.Errorf("bench: register: %w", err)
	}
	if reg.Registered != int64(fx.Enterprises) {
		return fmt.Errorf("bench: %d of %d enterprises registered: %+v", reg.Registered, fx.Enterprises, reg.Problems[:min(3, len(reg.Problems))])
	}
	if _, err := ingest.File(ctx, s, fx.History, fx.HistoryPath, ingest.Options{NoUnitCheck: true}); err != nil {
		return fmt.Errorf("bench: history: %w", err)
	}
	if pb, ok := base.(*pgBaseline); ok {
		// What autovacuum does after a year of returns arrives: without
		// statistics the planner takes the facts table for a small one.
		if _, err := pb.pool.Exec(ctx, `ANALYZE facts`); err != nil {
			return err
		}
	}
	res.SetupSeconds = time.Since(start).Seconds()

	runtime.GC()
	hwmReset := resetPeakRSS()
	gc0 := gcCycles()
	pr, err := ingest.File(ctx, s, fx.Data, fx.DataPath, ingest.Options{Enterprises: svc})
	res.GCCycles = gcCycles() - gc0
	if err != nil {
		return fmt.Errorf("bench: ingest: %w", err)
	}
	if pr.OK != rows || pr.Bad != 0 {
		return fmt.Errorf("bench: %d of %d rows stored, %d bad: %+v", pr.OK, rows, pr.Bad, pr.Problems[:min(3, len(pr.Problems))])
	}
	if hwmReset {
		res.PipelinePeakRSSBytes = peakRSS()
	}
	res.PipelineSeconds = pr.Seconds
	res.PipelineRowsPerSec = float64(pr.Rows) / pr.Seconds
	res.PipelineFacts = pr.Facts
	res.PipelineFactsPerSec = float64(pr.Facts) / pr.Seconds

	ids := make([]int64, fx.Enterprises)
	for i := range ids {
		r, err := s.EnterpriseByCode(ctx, fixtureCode(i))
		if err != nil {
			return err
		}
		ids[i] = r.ID
	}
	raw, ok := base.(rawFactsLoader)
	if !ok {
		return fmt.Errorf("bench: no raw load for %s", res.Backend)
	}
	start = time.Now()
	n, err := raw.loadRawFacts(ctx, rows, fx.Enterprises, ids, pr.Batch)
	if err != nil {
		return fmt.Errorf("bench: raw load: %w", err)
	}
	res.RawSeconds = time.Since(start).Seconds()
	if n != pr.Facts {
		return fmt.Errorf("bench: the raw load wrote %d facts, the pipeline %d", n, pr.Facts)
	}
	res.RawFactsPerSec = float64(n) / res.RawSeconds
	res.RatioFacts = res.PipelineFactsPerSec / res.RawFactsPerSec
	res.PeakRSSBytes = peakRSS()
	return json.NewEncoder(w).Encode(res)
}

// rawFactsLoader bulk-loads the fixture's facts with raw SQL into
// bench_raw_facts, a scratch table of the facts table's shape (its
// columns, its index and its reference to enterprises, which both
// engines check row by row), and drops it.
type rawFactsLoader interface {
	loadRawFacts(ctx context.Context, rows int64, enterprises int, ids []int64, batch string) (int64, error)
}

// rawIndexes creates on bench_raw_facts every index the facts table has
// (its definitions, renamed), so that the scratch table keeps the shape
// as migrations change it.
func rawIndexes(defs []string, exec func(string) error) error {
	if len(defs) == 0 {
		return fmt.Errorf("bench: the facts table has no index: wrong schema?")
	}
	for _, d := range defs {
		on := strings.Index(d, " ON ")
		if on < 0 {
			return fmt.Errorf("bench: index definition %q", d)
		}
		head, tail := d[:on], d[on+len(" ON "):]
		tail = strings.TrimPrefix(tail, "ONLY ")
		tail = strings.TrimPrefix(tail, "public.")
		if i := strings.Index(tail, "."); i >= 0 && i < strings.Index(tail, " ") {
			tail = tail[i+1:] // schema-qualified (pg_indexes)
		}
		if !strings.HasPrefix(tail, "facts ") && !strings.HasPrefix(tail, "facts(") {
			return fmt.Errorf("bench: index definition %q", d)
		}
		name := head[strings.LastIndexByte(head, ' ')+1:]
		sql := strings.Replace(head, name, "bench_raw_"+strings.Trim(name, `"`), 1) + " ON bench_raw_facts" + strings.TrimPrefix(tail, "facts")
		if err := exec(sql); err != nil {
			return fmt.Errorf("bench: %s: %w", sql, err)
		}
	}
	return nil
}

func (b *sqliteBaseline) loadRawFacts(ctx context.Context, rows int64, enterprises int, ids []int64, batch string) (int64, error) {
	if _, err := b.w.ExecContext(ctx, `CREATE TABLE bench_raw_facts (id INTEGER PRIMARY KEY, enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
		num INTEGER NOT NULL DEFAULT 0, source_row INTEGER NOT NULL DEFAULT 0, received_at TEXT NOT NULL, period TEXT NOT NULL,
		ends_on TEXT, version INTEGER NOT NULL DEFAULT 1, shape TEXT NOT NULL, item TEXT NOT NULL, text TEXT NOT NULL DEFAULT '',
		ref TEXT NOT NULL DEFAULT '', detail TEXT NOT NULL DEFAULT '', source TEXT NOT NULL, batch TEXT NOT NULL DEFAULT '') STRICT`); err != nil {
		return 0, err
	}
	defer b.w.ExecContext(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_raw_facts`)
	q, err := b.w.QueryContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'facts' AND sql IS NOT NULL`)
	if err != nil {
		return 0, err
	}
	var defs []string
	for q.Next() {
		var d string
		if err := q.Scan(&d); err != nil {
			q.Close()
			return 0, err
		}
		defs = append(defs, d)
	}
	q.Close()
	if err := rawIndexes(defs, func(sql string) error { _, err := b.w.ExecContext(ctx, sql); return err }); err != nil {
		return 0, err
	}
	tx, err := b.w.BeginTx(ctx, nil)
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	stmt, err := tx.PrepareContext(ctx, `INSERT INTO bench_raw_facts (enterprise_id, num, source_row, received_at, period,
		ends_on, version, shape, item, text, ref, detail, source, batch) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)`)
	if err != nil {
		return 0, err
	}
	received := time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
	var n int64
	err = eachTaxFact(rows, enterprises, func(i int, f facts.Fact) error {
		row := n/5 + 2 // about the source row: the raw load has no file
		n++
		_, err := stmt.ExecContext(ctx, ids[i], f.Num, row, received, f.Period.Format(time.DateOnly), nil, f.Version, string(f.Shape),
			f.Item, f.Text, f.Ref, f.Detail, f.Source, batch)
		return err
	})
	if err != nil {
		return n, err
	}
	return n, tx.Commit()
}

func (b *pgBaseline) loadRawFacts(ctx context.Context, rows int64, enterprises int, ids []int64, batch string) (int64, error) {
	if _, err := b.pool.Exec(ctx, `CREATE TABLE bench_raw_facts (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		enterprise_id BIGINT NOT NULL REFERENCES enterprises (id), num BIGINT NOT NULL DEFAULT 0, source_row BIGINT NOT NULL DEFAULT 0,
		received_at TIMESTAMPTZ NOT NULL, period DATE NOT NULL, ends_on DATE, version INT NOT NULL DEFAULT 1,
		shape TEXT NOT NULL, item TEXT COLLATE "C" NOT NULL, text TEXT NOT NULL DEFAULT '', ref TEXT COLLATE "C" NOT NULL DEFAULT '',
		detail TEXT NOT NULL DEFAULT '', source TEXT NOT NULL, batch TEXT NOT NULL DEFAULT '')`); err != nil {
		return 0, err
	}
	defer b.pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_raw_facts`)
	q, err := b.pool.Query(ctx, `SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'facts'
		AND indexname <> 'facts_pkey'`)
	if err != nil {
		return 0, err
	}
	defs, err := pgx.CollectRows(q, pgx.RowTo[string])
	if err != nil {
		return 0, err
	}
	if err := rawIndexes(defs, func(sql string) error { _, err := b.pool.Exec(ctx, sql); return err }); err != nil {
		return 0, err
	}
	received := time.Now().UTC()
	src := make(chan []any, 4096)
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var n int64
	genErr := make(chan error, 1)
	go func() {
		defer close(src)
		genErr <- eachTaxFact(rows, enterprises, func(i int, f facts.Fact) error {
			n++
			select {
			case src <- []any{ids[i], f.Num, n/5 + 2, received, f.Period, nil, int32(f.Version), string(f.Shape), f.Item, f.Text, f.Ref,
				f.Detail, f.Source, batch}:
				return nil
			case <-gctx.Done():
				return gctx.Err()
			}
		})
	}()
	cols := []string{"enterprise_id", "num", "source_row", "received_at", "period", "ends_on", "version", "shape", "item", "text",
		"ref", "detail", "source", "batch"}
	copied, err := b.pool.CopyFrom(ctx, pgx.Identifier{"bench_raw_facts"}, cols, &chanSource{ch: src})
	cancel()
	for range src {
	}
	if gerr := <-genErr; err == nil && gerr != nil && !errors.Is(gerr, context.Canceled) {
		err = gerr
	}
	return copied, err
}

// loadCatalogue loads the default catalogue into a fresh store, as a node
// does on its first start: a batch's reads pass the access decision
// point, which knows items from it.
func loadCatalogue(ctx context.Context, s store.Store) error {
	items := &catalog.Service{Repo: s, InTx: func(ctx context.Context, fn func(catalog.Repo) error) error {
		return s.InTx(ctx, func(tx store.Store) error { return fn(tx) })
	}}
	if _, err := items.LoadDefaults(ctx); err != nil {
		return fmt.Errorf("bench: load the default catalogue: %w", err)
	}
	return nil
}

// resetPeakRSS resets the process's high-water resident set (VmHWM) to
// its current resident set (Linux: "5" to /proc/self/clear_refs) and
// reports whether it could.
func resetPeakRSS() bool {
	return os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
}
