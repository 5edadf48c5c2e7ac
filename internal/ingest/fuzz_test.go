package ingest

import (
	"bytes"
	"io"
	"strconv"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
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
