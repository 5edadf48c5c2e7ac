package scorecard

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParseCSV(t *testing.T) {
	t.Parallel()
	tb, err := ParseCSV([]byte("\xef\xbb\xbfa, b ,c\n1,\"x, y\",3\n2, z ,\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tb.Header, "|") != "a|b|c" || tb.Rows[0][1] != "x, y" || tb.Rows[1][1] != "z" || tb.Rows[1][2] != "" {
		t.Fatalf("parsed %+v", tb)
	}
	for name, in := range map[string]string{
		"empty":          "",
		"ragged":         "a,b\n1\n",
		"duplicate name": "a,a\n1,2\n",
		"unnamed column": "a,,c\n1,2,3\n",
	} {
		if _, err := ParseCSV([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestParseWhitespace(t *testing.T) {
	t.Parallel()
	tb, err := ParseWhitespace([]byte("1 22.08\t11.46 0\n\n0  22.67 7 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(tb.Header, ",") != "A1,A2,A3,A4" || len(tb.Rows) != 2 || tb.Rows[1][1] != "22.67" {
		t.Fatalf("parsed %+v", tb)
	}
	if _, err := ParseWhitespace([]byte("1 2 3\n1 2\n")); err == nil {
		t.Error("ragged .dat accepted")
	}
}

func TestNewDatasetErrors(t *testing.T) {
	t.Parallel()
	tb, _ := ParseCSV([]byte("a,b,y\n1,x,1\n2,y,0\n"))
	for name, s := range map[string]Spec{
		"no target":        {Target: "z", Bad: "1"},
		"one class":        {Target: "y", Bad: "7"},
		"unknown excluded": {Target: "y", Bad: "1", Exclude: []string{"q"}},
		"nothing left":     {Target: "y", Bad: "1", Exclude: []string{"a", "b"}},
	} {
		if _, err := NewDataset(tb, s); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	tb, _ = ParseCSV([]byte("a,y\n1,1\n2,\n"))
	if _, err := NewDataset(tb, Spec{Target: "y", Bad: "1"}); err == nil || !strings.Contains(err.Error(), "row 3") {
		t.Errorf("missing target: %v", err)
	}
	tb, _ = ParseCSV([]byte("a,b,y\n1,5,1\n2,6,0\n"))
	d, err := NewDataset(tb, Spec{Target: "y", Bad: "1", Categorical: []string{"b"}})
	if err != nil || d.col("a").Kind != Numeric || d.col("b").Kind != Categorical {
		t.Errorf("forced categorical: %+v %v", d, err)
	}
}

func TestReadFileGzipAndFingerprint(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "x.csv")
	if err := os.WriteFile(p, []byte("a,y\n1,0\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tb, err := ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if tb.SHA256 != "801071a049102ce3a6255798108ea5bcb0b4ffd9c081b527fcc14abe4169acab" {
		t.Fatalf("fingerprint %s", tb.SHA256)
	}
	gz := filepath.Join(dir, "x.csv.gz")
	var zb bytes.Buffer
	zw := gzip.NewWriter(&zb)
	_, _ = zw.Write([]byte("a,y\n1,0\n"))
	_ = zw.Close()
	if err := os.WriteFile(gz, zb.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	tz, err := ReadFile(gz)
	if err != nil || tz.SHA256 != tb.SHA256 || len(tz.Rows) != 1 {
		t.Errorf("gzip: %+v %v (the fingerprint is of the decompressed bytes)", tz, err)
	}
}

func FuzzParseCSV(f *testing.F) {
	f.Add([]byte(toyCSV))
	f.Add([]byte("a,\"b\nc\",d\n1,2,3\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tb, err := ParseCSV(b)
		if err != nil {
			return
		}
		for _, r := range tb.Rows {
			if len(r) != len(tb.Header) {
				t.Fatalf("ragged row %v under %v", r, tb.Header)
			}
		}
	})
}

// Load never panics, and whatever it accepts scores without panicking.
func FuzzLoad(f *testing.F) {
	var buf bytes.Buffer
	tb, _ := ParseCSV([]byte(toyCSV))
	d, _ := NewDataset(tb, Spec{Target: "status", Bad: "bad", Exclude: []string{"id"}})
	m, err := Fit(d, Options{MinShare: 0.1}, nil)
	if err != nil {
		f.Fatal(err)
	}
	_ = m.Write(&buf)
	f.Add(buf.Bytes())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Load(bytes.NewReader(b))
		if err != nil {
			return
		}
		for _, row := range tb.Rows {
			_, _ = m.Score(func(c string) string {
				if i := tb.Col(c); i >= 0 {
					return row[i]
				}
				return ""
			}, 3)
		}
	})
}
