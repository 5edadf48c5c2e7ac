package deptsim

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

// dataRegion is a region read from department files (Options.Data): every
// record the simulator can serve, by enterprise and item, in compact form.
type dataRegion struct {
	codes    []string                 // credit codes in order of first appearance
	measures map[dataKey][]measureRec // plain measures: period and number only
	others   map[dataKey][]facts.Fact // events and attributes (latest version)
	iface    map[dataKey][]Record     // rows of the interface tables
	rows     int64                    // data rows read
	skipped  int64                    // dirty rows skipped
}

type dataKey struct{ code, item string }

// measureRec is a measure with nothing but a period and a number (most of
// a region): 16 bytes instead of a whole fact.
type measureRec struct {
	day     int32 // days since 1970-01-01
	version int32
	num     int64
}

// ErrData marks an error about the data directory (Options.Data): it is
// missing, has no manifest or a file that does not read.
var ErrData = errors.New("--data")

// dataErr is an error about the data directory, for the command line.
func dataErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrData}, args...)...)
}

// loadData reads the manifest in dir and every file it lists whose items
// a served department answers for, skipping the rows the manifest lists as
// dirty and the rows the ingest mapping rejects (both counted), then the
// interface tables.
func loadData(ctx context.Context, dir string, served func(item string) bool) (*dataRegion, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, dataErr("directory %s does not exist", dir)
	case err != nil:
		return nil, dataErr("%v", err)
	case !st.IsDir():
		return nil, dataErr("%s is not a directory", dir)
	}
	raw, err := os.ReadFile(filepath.Join(dir, deptfiles.ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, dataErr("%s has no %s; write a region's department files with `creditbridge seed --no-db --files DIR`",
			dir, deptfiles.ManifestName)
	}
	if err != nil {
		return nil, dataErr("%v", err)
	}
	var m deptfiles.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, dataErr("%s in %s is not a department-files manifest: %v", deptfiles.ManifestName, dir, err)
	}
	if !m.Synthetic {
		return nil, dataErr("the manifest in %s does not say the files are synthetic; the simulator serves synthetic regions only", dir)
	}
	if len(m.Files) == 0 {
		return nil, dataErr("the manifest in %s lists no files", dir)
	}
	d := &dataRegion{measures: map[dataKey][]measureRec{}, others: map[dataKey][]facts.Fact{}, iface: map[dataKey][]Record{}}
	seen := map[string]bool{}
	addCode := func(c string) {
		if c != "" && !seen[c] {
			seen[c] = true
			d.codes = append(d.codes, c)
		}
	}
	// The registration snapshot first, so that enterprises are listed in
	// register order.
	files := slices.Clone(m.Files)
	slices.SortStableFunc(files, func(a, b deptfiles.File) int {
		return cmpBool(a.RowKind != "profile", b.RowKind != "profile")
	})
	for _, mf := range files {
		if err := d.loadFile(ctx, dir, mf, served, addCode); err != nil {
			return nil, err
		}
	}
	for _, tb := range m.Interface {
		if err := d.loadTable(dir, tb, served, addCode); err != nil {
			return nil, err
		}
	}
	for k, ms := range d.measures {
		slices.SortFunc(ms, func(a, b measureRec) int { return int(a.day - b.day) })
		d.measures[k] = ms
	}
	for k, fs := range d.others {
		deptfiles.SortFacts(fs)
		d.others[k] = fs
	}
	return d, nil
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case !a:
		return -1
	}
	return 1
}

// path resolves a manifest path inside dir, refusing one that leaves it.
func dataPath(dir, rel string) (string, error) {
	if !filepath.IsLocal(filepath.FromSlash(rel)) {
		return "", dataErr("the manifest lists %q, which is outside the directory", rel)
	}
	return filepath.Join(dir, filepath.FromSlash(rel)), nil
}

func (d *dataRegion) loadFile(ctx context.Context, dir string, mf deptfiles.File, served func(string) bool, addCode func(string)) error {
	path, err := dataPath(dir, mf.Path)
	if err != nil {
		return err
	}
	if st, err := os.Stat(path); err != nil {
		return dataErr("%s is listed in the manifest but cannot be read: %v", mf.Path, err)
	} else if st.Size() != mf.Bytes {
		return dataErr("%s has %d bytes, the manifest says %d: the file was changed after it was written", mf.Path, st.Size(), mf.Bytes)
	}
	ds, err := ingest.FromManifest(mf)
	if err != nil {
		return dataErr("%s: its manifest entry is not a dataset: %v", mf.Path, err)
	}
	dirty := make(map[int]bool, len(mf.Dirty))
	for _, r := range mf.Dirty {
		dirty[r.Row] = true
	}
	err = ingest.DecodeFile(ctx, ds, path, func(r ingest.Decoded) error {
		d.rows++
		if dirty[r.Row] || r.Problem != nil {
			d.skipped++
			return nil
		}
		addCode(r.Code)
		for _, f := range r.Facts {
			if served(f.Item) {
				d.add(r.Code, f)
			}
		}
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return dataErr("%s: %v", mf.Path, err)
	}
	return nil
}

// add keeps f unless a later version of the same period and ref is held.
func (d *dataRegion) add(code string, f facts.Fact) {
	k := dataKey{code, f.Item}
	if f.Shape == facts.Measure && f.Text == "" && f.Ref == "" && f.Detail == "" && f.EndsOn.IsZero() {
		day := int32(f.Period.Unix() / 86400)
		ms := d.measures[k]
		for i := range ms {
			if ms[i].day == day {
				if int32(f.Version) > ms[i].version {
					ms[i].version, ms[i].num = int32(f.Version), f.Num
				}
				return
			}
		}
		d.measures[k] = append(ms, measureRec{day: day, version: int32(f.Version), num: f.Num})
		return
	}
	fs := d.others[k]
	for i := range fs {
		if fs[i].Period.Equal(f.Period) && fs[i].Ref == f.Ref {
			if f.Version > fs[i].Version {
				fs[i] = f
			}
			return
		}
	}
	d.others[k] = append(fs, f)
}

func (d *dataRegion) loadTable(dir string, tb deptfiles.InterfaceTable, served func(string) bool, addCode func(string)) error {
	if !served(tb.Item) {
		return nil
	}
	path, err := dataPath(dir, tb.Path)
	if err != nil {
		return err
	}
	fh, err := os.Open(path)
	if err != nil {
		return dataErr("interface table %s is listed in the manifest but cannot be read: %v", tb.Path, err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue
		}
		d.rows++
		var r deptfiles.InterfaceRow
		if err := json.Unmarshal(line, &r); err != nil || r.CreditCode == "" || !validDay(r.Period) ||
			r.EndsOn != "" && !validDay(r.EndsOn) {
			d.skipped++
			continue
		}
		addCode(r.CreditCode)
		k := dataKey{r.CreditCode, tb.Item}
		d.iface[k] = append(d.iface[k], Record{Period: r.Period, Value: r.Value, Text: r.Text, Ref: r.Ref, EndsOn: r.EndsOn, Detail: r.Detail})
	}
	if err := sc.Err(); err != nil {
		return dataErr("interface table %s: %v", tb.Path, err)
	}
	return nil
}

func validDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// records answers item about code, ordered by period and ref, within
// [from, to] (zero: open).
func (d *dataRegion) records(s *Server, code, item string, from, to time.Time) []Record {
	k := dataKey{code, item}
	in := func(t time.Time) bool {
		return (from.IsZero() || !t.Before(from)) && (to.IsZero() || !t.After(to))
	}
	var out []Record
	var fs []facts.Fact
	for _, m := range d.measures[k] {
		fs = append(fs, facts.Fact{Item: item, Shape: facts.Measure, Period: time.Unix(int64(m.day)*86400, 0).UTC(), Num: m.num})
	}
	fs = append(fs, d.others[k]...)
	if len(d.measures[k]) > 0 && len(d.others[k]) > 0 {
		deptfiles.SortFacts(fs)
	}
	for _, f := range fs {
		if in(f.Period) {
			out = append(out, s.record(f))
		}
	}
	for _, r := range d.iface[k] {
		t, _ := time.Parse(time.DateOnly, r.Period)
		if in(t) {
			out = append(out, r)
		}
	}
	return out
}
