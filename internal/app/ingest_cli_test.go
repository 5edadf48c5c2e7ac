package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/app"
)

// TestIngestCommand seeds a small region with its files, then ingests one
// department file through the command line twice: the first run stores
// it and writes the error report, the second changes nothing.
func TestIngestCommand(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data, files := filepath.Join(root, "data"), filepath.Join(root, "files")
	run := func(args ...string) (int, string) {
		var out, errs bytes.Buffer
		code := app.Run(context.Background(), app.Env{Args: args, Stdout: &out, Stderr: &errs})
		return code, out.String() + errs.String()
	}
	if code, out := run("seed", "--enterprises", "200", "--months", "3", "--data-dir", data, "--files", files); code != 0 {
		t.Fatalf("seed: %d %s", code, out)
	}
	matches, _ := filepath.Glob(filepath.Join(files, "tax", "纳税人申报信息_*.xlsx"))
	if len(matches) == 0 {
		t.Fatal("no tax file")
	}
	file := matches[len(matches)-1]
	report := filepath.Join(root, "errors.csv")
	type result struct {
		Result struct {
			Batch   string `json:"batch"`
			Already bool   `json:"already_loaded"`
			Rows    int64  `json:"rows"`
			OK      int64  `json:"ok"`
			Bad     int64  `json:"bad"`
		} `json:"result"`
	}
	var first, second result
	code, out := run("ingest", file, "--data-dir", data, "--errors", report)
	if code != 0 || json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &first) != nil {
		t.Fatalf("ingest: %d %s", code, out)
	}
	if first.Result.Already || first.Result.Rows == 0 || first.Result.OK+first.Result.Bad != first.Result.Rows {
		t.Fatalf("first: %+v", first)
	}
	if first.Result.Bad > 0 {
		b, err := os.ReadFile(report)
		if err != nil || !strings.Contains(string(b), "reason_zh") {
			t.Fatalf("report: %v %q", err, b)
		}
	}
	code, out = run("ingest", file, "--data-dir", data, "--errors", report)
	if code != 0 || json.Unmarshal([]byte(out[strings.Index(out, "{"):]), &second) != nil {
		t.Fatalf("ingest again: %d %s", code, out)
	}
	if !second.Result.Already || second.Result.Batch != first.Result.Batch {
		t.Fatalf("second: %+v", second)
	}
	if code, out := run("ingest", "--data-dir", data); code != 2 || !strings.Contains(out, "file first") {
		t.Fatalf("no file: %d %s", code, out)
	}
}

// TestIngestRegistryFiles loads a region's registration snapshot into an
// empty node through the command line (it registers the enterprises),
// then its shareholders and a lender's loans; a shareholder file cannot
// be told to register enterprises.
func TestIngestRegistryFiles(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	data, files := filepath.Join(root, "data"), filepath.Join(root, "files")
	run := func(args ...string) (int, string) {
		var out, errs bytes.Buffer
		code := app.Run(context.Background(), app.Env{Args: args, Stdout: &out, Stderr: &errs})
		return code, out.String() + errs.String()
	}
	if code, out := run("seed", "--enterprises", "60", "--months", "2", "--no-db", "--files", files); code != 0 {
		t.Fatalf("seed: %d %s", code, out)
	}
	glob := func(pattern string) string {
		m, _ := filepath.Glob(filepath.Join(files, pattern))
		if len(m) == 0 {
			t.Fatalf("no %s", pattern)
		}
		return m[0]
	}
	type result struct {
		Result struct {
			Rows, OK, Bad, Facts, Loans, Registered, Unchanged int64
		} `json:"result"`
	}
	ingest := func(file string, extra ...string) result {
		t.Helper()
		code, out := run(append([]string{"ingest", file, "--data-dir", data, "--errors", filepath.Join(root, "e.csv")}, extra...)...)
		var r result
		if code != 0 || !strings.Contains(out, "{") || json.NewDecoder(strings.NewReader(out[strings.Index(out, "{"):])).Decode(&r) != nil {
			t.Fatalf("ingest %s: %d %s", file, code, out)
		}
		return r
	}
	reg := ingest(glob("samr/市场主体登记信息_*.csv"))
	if reg.Result.Registered == 0 || reg.Result.Registered != reg.Result.OK || reg.Result.OK+reg.Result.Bad != 60 {
		t.Fatalf("registration: %+v", reg)
	}
	// The same snapshot with the default policy of hand-written datasets
	// would refuse unknown enterprises; here they are all known now.
	holders := ingest(glob("samr/股东及出资信息_*.csv"))
	if holders.Result.Facts == 0 || holders.Result.Facts != holders.Result.OK {
		t.Fatalf("shareholders: %+v", holders)
	}
	loans := ingest(glob("fin/*_贷款信息报送_*.csv"))
	if loans.Result.Loans == 0 || loans.Result.Loans != loans.Result.OK {
		t.Fatalf("loans: %+v", loans)
	}
	code, out := run("ingest", glob("samr/股东及出资信息_*.csv"), "--data-dir", data, "--unknown-enterprise", "register")
	if code != 1 || !strings.Contains(out, `unknown_enterprise "register" needs rows that carry a registration`) {
		t.Fatalf("shareholders with register: %d %s", code, out)
	}
}

// TestBenchIngestCommand runs the ingestion benchmark through the command
// line: one JSON object with both rates and their ratio.
func TestBenchIngestCommand(t *testing.T) {
	t.Parallel()
	var out, errs bytes.Buffer
	db := filepath.Join(t.TempDir(), "bench.db")
	code := app.Run(context.Background(), app.Env{Args: []string{"bench", "ingest", "--db", db, "--rows", "400", "--format", "jsonl"},
		Stdout: &out, Stderr: &errs})
	var res struct {
		Rows          int64   `json:"rows"`
		PipelineFacts int64   `json:"pipeline_facts"`
		Ratio         float64 `json:"ratio_facts"`
		RawPerSec     float64 `json:"raw_facts_per_sec"`
	}
	if code != 0 || json.Unmarshal(out.Bytes(), &res) != nil || res.Rows != 400 || res.PipelineFacts == 0 || !(res.Ratio > 0) || !(res.RawPerSec > 0) {
		t.Fatalf("bench ingest: %d %s %s", code, out.String(), errs.String())
	}
	if code := app.Run(context.Background(), app.Env{Args: []string{"bench", "ingest", "--db", db, "--format", "xls"},
		Stdout: &out, Stderr: &errs}); code != 2 {
		t.Fatalf("bad format: exit %d", code)
	}
}
