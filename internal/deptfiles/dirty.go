package deptfiles

import (
	"hash/fnv"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/creditcode"
)

// splitmix64 is a good 64-bit mixer (Steele, Lea, Flood 2014): the dirty
// choices are hashes of (seed, file, row), not draws from one stream, so a
// row's fate depends on nothing written before it in other files.
func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

func pathHash(path string) uint64 {
	h := fnv.New64a()
	_, _ = h.Write([]byte(path))
	return h.Sum64()
}

// dirtier spoils a small share of one file's rows.
type dirtier struct {
	rate float64
	base uint64 // hash of seed and path
	cols []Column
}

func newDirtier(seed uint64, rate float64, path string, cols []Column) *dirtier {
	return &dirtier{rate: rate, base: splitmix64(seed ^ splitmix64(pathHash(path))), cols: cols}
}

// candidate is one way to spoil a row.
type candidate struct {
	kind string
	col  int
}

// spoil decides the fate of data row number ordinal (0-based) and returns
// the rows to write in its place (one, or two for a duplicate) and, for a
// spoiled row, its manifest entry without the row number. Dirty rows are
// drawn only where the kind applies: a duplicate anywhere, a bad code only
// where a code is written, a wrong unit only on a non-zero amount.
func (d *dirtier) spoil(ordinal int, cells []string) ([][]string, *DirtyRow) {
	if d.rate <= 0 {
		return [][]string{cells}, nil
	}
	h := splitmix64(d.base ^ uint64(ordinal))
	if float64(h>>11)/(1<<53) >= d.rate {
		return [][]string{cells}, nil
	}
	cands := []candidate{{kind: DirtyDuplicate, col: -1}}
	for i, c := range d.cols {
		v := cells[i]
		if v == "" {
			continue
		}
		if c.Type == "code" && len(v) == creditcode.Length {
			cands = append(cands, candidate{DirtyCheckChar, i})
			if strings.ContainsAny(v[:creditcode.Length-1], "01") {
				cands = append(cands, candidate{DirtyCodeLetter, i})
			}
		}
		if c.Required {
			cands = append(cands, candidate{DirtyMissing, i})
		}
		if c.Type == "money" && (c.Unit == "元" || c.Unit == "万元") && strings.Trim(v, "-0.") != "" {
			cands = append(cands, candidate{DirtyUnit, i})
		}
		if (c.Type == "date" || c.Type == "month") && c.Format != "" {
			cands = append(cands, candidate{DirtyDate, i})
		}
	}
	h2 := splitmix64(h)
	pick := cands[h2%uint64(len(cands))]
	h3 := splitmix64(h2)
	if pick.kind == DirtyDuplicate {
		return [][]string{cells, cells}, &DirtyRow{Kind: DirtyDuplicate}
	}
	col := d.cols[pick.col]
	out := append([]string(nil), cells...)
	was := cells[pick.col]
	entry := &DirtyRow{Kind: pick.kind, Column: col.Name, Was: was}
	switch pick.kind {
	case DirtyCheckChar:
		last := strings.IndexByte(creditcode.Alphabet, was[creditcode.Length-1])
		repl := creditcode.Alphabet[(last+1+int(h3%30))%len(creditcode.Alphabet)]
		out[pick.col] = was[:creditcode.Length-1] + string(repl)
		entry.Note = "check character " + string(was[creditcode.Length-1]) + " replaced by " + string(repl)
	case DirtyCodeLetter:
		var pos []int
		for i := 0; i < creditcode.Length-1; i++ {
			if was[i] == '0' || was[i] == '1' {
				pos = append(pos, i)
			}
		}
		p := pos[h3%uint64(len(pos))]
		b := []byte(was)
		letter := byte('O')
		if b[p] == '1' {
			letter = 'I'
		}
		b[p] = letter
		out[pick.col] = string(b)
		entry.Note = "digit " + string(was[p]) + " at position " + strconv.Itoa(p+1) + " written as letter " + string(letter)
	case DirtyMissing:
		out[pick.col] = ""
		entry.Note = "required value left blank"
	case DirtyUnit:
		v, err := unscale(was, col.Scale)
		if err != nil { // not a value this package wrote; leave the row clean
			return [][]string{cells}, nil
		}
		if col.Unit == "万元" {
			out[pick.col] = scaled(v, 100)
			entry.Note = "written in 元"
		} else if h3%2 == 0 {
			out[pick.col] = scaled(v, 1000000)
			entry.Note = "written in 万元"
		} else {
			out[pick.col] = strconv.FormatInt(v, 10)
			entry.Note = "written in fen (分)"
		}
	case DirtyDate:
		t, err := parseDate(was, col.Format)
		if err != nil {
			return [][]string{cells}, nil
		}
		s, format := wrongDate(t, col.Format, h3)
		out[pick.col] = s
		entry.Note = "written as " + format
	}
	return [][]string{out}, entry
}
