package deptfiles

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/creditbridge/creditbridge/internal/synth"
)

// checkInterfaceTables reads every interface table back and compares it,
// row by row, with the records derived from the bundles.
func checkInterfaceTables(t *testing.T, dir string, m Manifest, bundles []synth.Bundle) {
	t.Helper()
	if len(bundles) > 0 && len(m.Interface) != len(InterfaceItems()) {
		t.Fatalf("%d interface tables in the manifest, want %d", len(m.Interface), len(InterfaceItems()))
	}
	for i, tb := range m.Interface {
		it := InterfaceItems()[i]
		if tb.Item != it.Code || tb.Department != it.Department || tb.Path != InterfaceDir+"/"+it.Department+"/"+it.Code+".jsonl" {
			t.Errorf("interface table %d is %+v, want %+v", i, tb, it)
		}
		b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(tb.Path)))
		if err != nil {
			t.Fatal(err)
		}
		if int64(len(b)) != tb.Bytes || fmt.Sprintf("%x", sha256.Sum256(b)) != tb.SHA256 {
			t.Errorf("%s: size or digest differ from the manifest", tb.Path)
		}
		var want bytes.Buffer
		for bi := range bundles {
			for _, f := range InterfaceFacts(&bundles[bi], it.Code) {
				line, _ := json.Marshal(InterfaceRecord(bundles[bi].Profile.Code, f, it.Unit))
				want.Write(line)
				want.WriteByte('\n')
			}
		}
		sc := bufio.NewScanner(bytes.NewReader(b))
		sc.Buffer(nil, 1<<20)
		rows := 0
		for sc.Scan() {
			var r InterfaceRow
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil || r.CreditCode == "" || r.Period == "" {
				t.Fatalf("%s row %d: %v %+v", tb.Path, rows+1, err, r)
			}
			rows++
		}
		if rows != tb.Rows {
			t.Errorf("%s: %d rows, manifest says %d", tb.Path, rows, tb.Rows)
		}
		// json.Marshal escapes HTML characters the writer keeps; compare
		// decoded rows.
		if !sameJSONLines(t, b, want.Bytes()) {
			t.Errorf("%s: rows differ from the records derived from the region", tb.Path)
		}
	}
}

func sameJSONLines(t *testing.T, a, b []byte) bool {
	t.Helper()
	la, lb := bytes.Split(bytes.TrimSpace(a), []byte("\n")), bytes.Split(bytes.TrimSpace(b), []byte("\n"))
	if len(la) != len(lb) {
		t.Logf("%d lines, want %d", len(la), len(lb))
		return false
	}
	for i := range la {
		var x, y any
		if json.Unmarshal(la[i], &x) != nil || json.Unmarshal(lb[i], &y) != nil {
			return len(la[i]) == 0 && len(lb[i]) == 0
		}
		xa, _ := json.Marshal(x)
		ya, _ := json.Marshal(y)
		if !bytes.Equal(xa, ya) {
			t.Logf("line %d: %s, want %s", i+1, la[i], lb[i])
			return false
		}
	}
	return true
}

func TestInterfaceTablesCoverEveryItem(t *testing.T) {
	t.Parallel()
	bundles := generated(t, 300, 2021)
	dir := t.TempDir()
	writeRegion(t, dir, Options{Province: "32", Seed: 1}, bundles)
	m := readManifest(t, dir)
	checkInterfaceTables(t, dir, m, bundles)
	for _, tb := range m.Interface {
		if tb.Rows == 0 {
			t.Errorf("%s has no rows in a region of %d enterprises", tb.Path, len(bundles))
		}
	}
}
