package app_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/deptsim"
)

// simAnswer is the simulator's answer envelope.
type simAnswer struct {
	Code int `json:"code"`
	Data struct {
		Records []deptsim.Record `json:"records"`
	} `json:"data"`
}

func simGet(t *testing.T, url, key string) simAnswer {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-API-Key", key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var a simAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return a
}

// TestSimulatorServesDepartmentFiles writes a region's department files
// with `creditbridge seed --files`, runs `creditbridge sim department
// --data` on them as a real process, and compares its answers with rows of
// the files: a measure of the grid's JSON-lines file and a row of an
// interface table. The dirty rows are skipped and counted.
func TestSimulatorServesDepartmentFiles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a simulator process")
	}
	dir := filepath.Join(t.TempDir(), "files")
	if code, out := runCLI("seed", "--enterprises", "60", "--months", "12", "--seed", "7", "--no-db", "--files", dir); code != 0 {
		t.Fatalf("seed: %d %s", code, out)
	}
	raw, err := os.ReadFile(filepath.Join(dir, deptfiles.ManifestName))
	if err != nil {
		t.Fatal(err)
	}
	var m deptfiles.Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	p := startSim(t, "--data", dir, "--api-key", "k")

	// A clean row of the grid's JSON lines: its kWh is what the simulator
	// answers for that enterprise and month.
	var grid *deptfiles.File
	for i := range m.Files {
		if m.Files[i].Department == "grid" && m.Files[i].Format == "jsonl" && m.Files[i].Rows > 0 {
			grid = &m.Files[i]
			break
		}
	}
	if grid == nil {
		t.Fatal("no grid file in the manifest")
	}
	var codeCol, periodCol, kwhCol, kwhItem string
	for _, c := range grid.Columns {
		switch {
		case c.Field == "enterprise.code":
			codeCol = c.Name
		case c.Field == "fact.period":
			periodCol = c.Name
		case c.Item != "" && c.Unit == "千瓦时":
			kwhCol, kwhItem = c.Name, c.Item
		}
	}
	if codeCol == "" || periodCol == "" || kwhItem == "" {
		t.Fatalf("grid columns %+v", grid.Columns)
	}
	dirty := map[int]bool{}
	for _, d := range grid.Dirty {
		dirty[d.Row] = true
		dirty[d.Row-1] = true // the original of a duplicate is clean, but skip it too
	}
	fh, err := os.Open(filepath.Join(dir, filepath.FromSlash(grid.Path)))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	checked := 0
	for line := 1; sc.Scan() && checked < 3; line++ {
		if dirty[line] {
			continue
		}
		var row map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			t.Fatal(err)
		}
		var code, period string
		_ = json.Unmarshal(row[codeCol], &code)
		_ = json.Unmarshal(row[periodCol], &period)
		kwh := strings.Trim(string(row[kwhCol]), `"`)
		if kwh == "" || kwh == "null" {
			continue
		}
		day := period + "-01"
		a := simGet(t, p.url+"/api/grid/v1/enterprises/"+code+"/items/"+kwhItem+"?from="+day+"&to="+day, "k")
		if len(a.Data.Records) != 1 || a.Data.Records[0].Period != day || a.Data.Records[0].Value.String() != kwh {
			t.Fatalf("%s line %d (%s %s: %s kWh): simulator answered %+v", grid.Path, line, code, period, kwh, a.Data.Records)
		}
		checked++
	}
	if checked == 0 {
		t.Fatal("no grid row compared")
	}

	// The first row of the legal representatives' table.
	var legal deptfiles.InterfaceTable
	for _, tb := range m.Interface {
		if tb.Item == deptsim.ItemLegalRep {
			legal = tb
		}
	}
	b, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(legal.Path)))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := bytes.Cut(b, []byte("\n"))
	var want deptfiles.InterfaceRow
	if err := json.Unmarshal(first, &want); err != nil {
		t.Fatal(err)
	}
	a := simGet(t, p.url+"/api/samr/v1/enterprises/"+want.CreditCode+"/items/legal_representative", "k")
	if len(a.Data.Records) != 1 {
		t.Fatalf("legal representative of %s: %+v", want.CreditCode, a.Data.Records)
	}
	got := a.Data.Records[0]
	if got.Period != want.Period || got.Text != want.Text || !jsonEqual(got.Detail, want.Detail) {
		t.Fatalf("legal representative: %+v, the table says %+v", got, want)
	}

	st := p.stats(t)
	if st.SkippedRows != int64(m.DirtyRows) || st.DataRows == 0 || st.Served < 4 {
		t.Fatalf("stats %+v, the manifest lists %d dirty rows", st, m.DirtyRows)
	}
}

func jsonEqual(a, b json.RawMessage) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xa, _ := json.Marshal(x)
	ya, _ := json.Marshal(y)
	return bytes.Equal(xa, ya)
}

// Errors about --data are plain and name the problem.
func TestSimulatorDataErrors(t *testing.T) {
	empty := t.TempDir()
	for _, c := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing", []string{"--data", filepath.Join(empty, "nope"), "--api-key", "k"}, 1, "does not exist"},
		{"no manifest", []string{"--data", empty, "--api-key", "k"}, 1, "has no manifest.json"},
		{"with a generator flag", []string{"--data", empty, "--enterprises", "5", "--api-key", "k"}, 2, "--enterprises generate one"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, out := runCLI("sim", append([]string{"department", "--addr", "127.0.0.1:0"}, c.args...)...)
			if code != c.code || !strings.Contains(out, c.want) {
				t.Fatalf("exit %d, output %q; want %d and %q", code, out, c.code, c.want)
			}
		})
	}
}
