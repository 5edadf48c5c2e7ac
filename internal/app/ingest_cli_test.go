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
