package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// drain reads every row; it checks what every reader promises: row
// numbers increase, and every cell returned is clean UTF-8.
func drain(t *testing.T, r RowReader) {
	last := 0
	for i := 0; i < 100000; i++ {
		row, err := r.Next()
		if err != nil {
			if err != io.EOF {
				if _, ok := faultAs(err); !ok {
					t.Fatalf("error without a fault code: %v", err)
				}
			}
			return
		}
		if row.Num <= last {
			t.Fatalf("row %d after row %d", row.Num, last)
		}
		last = row.Num
		for _, c := range row.Cells {
			if !utf8.ValidString(c) || bytes.ContainsRune([]byte(c), utf8.RuneError) {
				t.Fatalf("row %d: unclean cell %q", row.Num, c)
			}
		}
	}
}

func gb(s string) []byte {
	b, _ := simplifiedchinese.GB18030.NewEncoder().Bytes([]byte(s))
	return b
}

func FuzzCSVReader(f *testing.F) {
	f.Add([]byte("统一社会信用代码,单位名称\r\n91320505MA1ABCDE0X,某公司\r\n"), "utf-8")
	f.Add(append([]byte("\uFEFF"), "a,b\n1,\"x\ny\"\n"...), "utf-8")
	f.Add(gb("统一社会信用代码,单位名称\r\n91320505MA1ABCDE0X,苏州某某科技有限公司\r\n"), "gb18030")
	f.Add(gb("单位名称\r\n某公司\r\n"), "utf-8")
	f.Add([]byte("a,\"b\n"), "gbk")
	f.Fuzz(func(t *testing.T, data []byte, enc string) {
		r, err := NewCSVReader(bytes.NewReader(data), enc, 2)
		if err != nil {
			return // unknown encoding
		}
		drain(t, r)
	})
}

func FuzzJSONLReader(f *testing.F) {
	f.Add([]byte(`{"credit_code":"91320505MA1ABCDE0X","kwh":12,"extra":{"a":1}}` + "\n\n" + `{"kwh":"x"}`))
	f.Add([]byte("{\"kwh\":1}\r\n[1,2]\n{\"other\":1}\n\xff\n"))
	f.Add([]byte(`{"kwh":1} {"kwh":2}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := NewJSONLReader(bytes.NewReader(data), []string{"credit_code", "kwh", "extra"})
		if err != nil {
			t.Fatal(err)
		}
		drain(t, r)
	})
}

// FuzzUnscale checks the number reader never panics and is exact: what
// it accepts, written back with the scale's decimals, reads the same.
func FuzzUnscale(f *testing.F) {
	for _, s := range []string{"0", "12.34", "-0.5", "1.234567", "9223372036854775807", ".5", "5.", "1e3", "+1", "--1"} {
		f.Add(s, int64(100))
		f.Add(s, int64(1000000))
	}
	f.Fuzz(func(t *testing.T, s string, scale int64) {
		if scale <= 0 || scale > 1e9 {
			return
		}
		v, err := unscale(s, scale)
		if err != nil {
			return
		}
		if v > MaxAbsNum || v < -MaxAbsNum {
			t.Fatalf("unscale(%q, %d) = %d beyond the bound", s, scale, v)
		}
		if scale == 100 {
			neg := v < 0
			u := v
			if neg {
				u = -v
			}
			back := strconv.FormatInt(u/100, 10) + "." + strconv.FormatInt(100+u%100, 10)[1:]
			if neg {
				back = "-" + back
			}
			if w, err := unscale(back, 100); err != nil || w != v {
				t.Fatalf("unscale(%q) = %d, but %q reads %d, %v", s, v, back, w, err)
			}
		}
	})
}

// fuzzDatasets are the datasets of every kind of file of a small
// generated region (registrations, shareholders, measures, events, loans,
// corrections) and real rows of each, the seeds of FuzzMapRow.
var fuzzDatasets = sync.OnceValues(func() ([]Dataset, [][]string) {
	g, err := synth.New(synth.Config{Enterprises: 12, Seed: 3, Months: 3})
	if err != nil {
		panic(err)
	}
	dir, err := os.MkdirTemp("", "ingest-fuzz-")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)
	w, err := deptfiles.NewWriter(deptfiles.Options{Dir: filepath.Join(dir, "files"), Seed: 1, DirtyRate: 0.2})
	if err != nil {
		panic(err)
	}
	if err := g.Each(context.Background(), func(b synth.Bundle) error { return w.Add(b) }); err != nil {
		panic(err)
	}
	m, err := w.Close()
	if err != nil {
		panic(err)
	}
	var dss []Dataset
	var seeds [][]string
	seen := map[string]bool{}
	for _, mf := range m.Files {
		if seen[mf.Dataset] {
			continue
		}
		seen[mf.Dataset] = true
		ds, err := FromManifest(mf)
		if err != nil {
			panic(err)
		}
		dss = append(dss, ds)
		fh, err := os.Open(filepath.Join(dir, "files", mf.Path))
		if err != nil {
			panic(err)
		}
		rr, closeFn, err := open(&ds, fh)
		if err != nil {
			panic(err)
		}
		var perm []int
		for n := 0; n < 40; n++ {
			row, err := rr.Next()
			if err != nil {
				break
			}
			if ds.Format != "jsonl" && row.Num <= ds.HeaderRow {
				if row.Num == ds.HeaderRow {
					perm, _ = columnOrder(&ds, row.Num, row.Cells)
				}
				continue
			}
			cells := make([]string, len(ds.Columns))
			for i := range cells {
				p := i
				if perm != nil {
					p = perm[i]
				}
				if p < len(row.Cells) {
					cells[i] = row.Cells[p]
				}
			}
			seeds = append(seeds, append([]string{strconv.Itoa(len(dss) - 1)}, cells...))
		}
		closeFn()
		fh.Close()
	}
	return dss, seeds
})

// FuzzMapRow puts arbitrary cells through the column mapping and
// validation of every kind of dataset (measure, fact, profile,
// shareholder, loan). It must never panic, must be deterministic, must
// explain every refusal in both languages, and what it accepts must hold
// what the store requires.
func FuzzMapRow(f *testing.F) {
	dss, seeds := fuzzDatasets()
	for _, s := range seeds {
		k, _ := strconv.Atoi(s[0])
		f.Add(uint8(k), strings.Join(s[1:], "\x1f"))
	}
	f.Add(uint8(0), "\x1f\x1f\x1f")
	f.Fuzz(func(t *testing.T, k uint8, joined string) {
		ds := dss[int(k)%len(dss)]
		cells := strings.Split(joined, "\x1f")
		cells = append(cells, make([]string, max(0, len(ds.Columns)-len(cells)))...)[:len(ds.Columns)]
		m := newMapper(&ds)
		pr, p := m.mapRow(cells)
		pr2, p2 := newMapper(&ds).mapRow(cells)
		if !reflect.DeepEqual(pr, pr2) || !reflect.DeepEqual(p, p2) {
			t.Fatalf("%s: mapRow is not deterministic", ds.Name)
		}
		if p != nil {
			if en, zh := p.Reason(); en == p.Code || zh == p.Code || en == "" || zh == "" {
				t.Fatalf("%s: problem %s has no reason", ds.Name, p.Code)
			}
			return
		}
		if !creditcode.Valid(pr.code) || pr.code != cells[m.key] {
			t.Fatalf("%s: accepted key %q", ds.Name, pr.code)
		}
		switch ds.RowKind {
		case KindMeasure, KindFact:
			if len(pr.facts) == 0 && ds.RowKind == KindFact {
				t.Fatalf("%s: a fact row without its fact", ds.Name)
			}
			for _, f := range pr.facts {
				if f.Item == "" || f.Period.IsZero() || f.Num > MaxAbsNum || f.Num < -MaxAbsNum || f.Version < 1 || f.Source != ds.Department {
					t.Fatalf("%s: accepted %+v", ds.Name, f)
				}
				switch f.Shape {
				case facts.Measure, facts.Attribute, facts.Event:
				default:
					t.Fatalf("%s: shape %q", ds.Name, f.Shape)
				}
				if f.Detail != "" {
					var obj map[string]any
					if err := json.Unmarshal([]byte(f.Detail), &obj); err != nil || obj == nil {
						t.Fatalf("%s: detail %q is not an object", ds.Name, f.Detail)
					}
				}
			}
		case KindProfile:
			if pr.profile == nil || pr.profile.in.Code != pr.code || pr.profile.in.NameZH == "" || pr.profile.in.LegalRep.Name == "" {
				t.Fatalf("%s: accepted profile %+v", ds.Name, pr.profile)
			}
		case KindShareholder:
			if h := pr.holder; h == nil || h.name == "" || h.shareBP < 0 || h.shareBP > 10000 || h.capital < 0 {
				t.Fatalf("%s: accepted shareholder %+v", ds.Name, pr.holder)
			}
		case KindLoan:
			l := pr.loan
			if l == nil || l.ContractNo == "" || l.Lender == "" || l.AmountFen <= 0 || l.StartOn.IsZero() || l.MaturityOn.Before(l.StartOn) && !l.MaturityOn.IsZero() {
				t.Fatalf("%s: accepted loan %+v", ds.Name, l)
			}
			switch l.Status {
			case facts.LoanCurrent, facts.LoanRepaid, facts.LoanOverdue, facts.LoanDefaulted:
			default:
				t.Fatalf("%s: loan status %q", ds.Name, l.Status)
			}
		}
	})
}

// FuzzDatasetValidate reads arbitrary dataset definitions: Validate must
// never panic, and a dataset it accepts must map a row of blank cells
// without panicking.
func FuzzDatasetValidate(f *testing.F) {
	dss, _ := fuzzDatasets()
	for _, ds := range dss {
		b, _ := json.Marshal(ds)
		f.Add(b)
	}
	f.Add([]byte(`{"format":"csv","row_kind":"holder","department":"samr","header_row":1,"key_column":"k","unknown_enterprise":"register","columns":[{"name":"k","field":"enterprise.code","type":"code"},{"name":"n","field":"shareholder.name","type":"text"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var ds Dataset
		if json.Unmarshal(data, &ds) != nil {
			return
		}
		if err := ds.Validate(); err != nil {
			if _, ok := fault.As(err); !ok {
				t.Fatalf("Validate error without a code: %v", err)
			}
			return
		}
		_, _ = newMapper(&ds).mapRow(make([]string, len(ds.Columns)))
	})
}

// FuzzRatioCheck: the unit ratio rules never panic or divide by zero.
func FuzzRatioCheck(f *testing.F) {
	f.Add(int64(123456), int64(2000), int64(0))
	f.Add(int64(-1), int64(0), int64(1<<62))
	f.Fuzz(func(t *testing.T, bill, kwh, contrib int64) {
		fs := []facts.Fact{{Item: "util.electricity_bill", Num: bill}, {Item: "util.electricity_kwh", Num: kwh},
			{Item: "si.contributions", Num: contrib}, {Item: "si.insured_headcount", Num: kwh}}
		if i, detail := ratioCheck(fs); i >= 0 && detail == "" {
			t.Fatal("a refusal without a detail")
		}
	})
}
