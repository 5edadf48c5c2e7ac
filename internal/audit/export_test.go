package audit

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"
)

var exportT0 = time.Date(2026, 11, 27, 8, 0, 0, 0, time.UTC)

// exportLog has 40 entries by organisations 1..4 in turn about
// enterprises 100..104, one a minute, signed at 10, 20, 30 and 35: entries
// 36..40 are not signed yet.
func exportLog(t *testing.T, key ed25519.PrivateKey) *memLog {
	t.Helper()
	m := &memLog{}
	var head Head
	for i := 1; i <= 40; i++ {
		e := Entry{Time: exportT0.Add(time.Duration(i) * time.Minute), ActorName: fmt.Sprintf("user%d", i%4+1), OrgID: int64(i%4 + 1),
			Action: "data.read", EnterpriseID: int64(100 + i%5), Items: []string{"tax.paid_total"}, Purpose: "loan_application",
			Detail: fmt.Sprintf(`{"n":%d}`, i), RemoteAddr: "127.0.0.1"}
		Seal(&e, head)
		head = Head{Seq: e.Seq, Hash: e.Hash}
		m.entries = append(m.entries, e)
		if i == 10 || i == 20 || i == 30 || i == 35 {
			m.cps = append(m.cps, SignCheckpoint(key, head, e.Time))
		}
	}
	return m
}

func export(t *testing.T, m *memLog, pub ed25519.PublicKey, f ExportFilter) ([]byte, ExportSummary) {
	t.Helper()
	var buf bytes.Buffer
	sum, err := WriteExport(context.Background(), m, []ed25519.PublicKey{pub}, f, ExportMeta{At: exportT0.Add(time.Hour), By: "auditor"}, &buf)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), sum
}

func TestExportRoundTrip(t *testing.T) {
	t.Parallel()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	m := exportLog(t, key)
	cases := []struct {
		name                 string
		f                    ExportFilter
		first, last          int64
		selected, unsigned   int64
		checkpoints, entries int
	}{
		// org 2: entries 1, 5, 9, ..., 33 signed; 37 unsigned. The range
		// runs from 1 to the checkpoint at 35.
		{"institution", ExportFilter{OrgID: 2}, 1, 35, 9, 1, 4, 35},
		// enterprise 103 and org 4: i%5==3 and i%4==3 → 3, 23; 43 does not exist.
		{"institution and enterprise", ExportFilter{OrgID: 4, EnterpriseID: 103}, 3, 30, 2, 0, 3, 28},
		// minutes 12..17 inclusive: the range starts one entry early (11)
		// and ends on the checkpoint at 20.
		{"time range", ExportFilter{From: exportT0.Add(12 * time.Minute), To: exportT0.Add(18 * time.Minute)}, 11, 20, 6, 0, 1, 10},
		{"nothing signed matches", ExportFilter{From: exportT0.Add(36 * time.Minute)}, 0, 0, 0, 5, 0, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			b, sum := export(t, m, pub, tc.f)
			if sum.FirstSeq != tc.first || sum.LastSeq != tc.last || sum.Selected != tc.selected || sum.UnsignedMatching != tc.unsigned ||
				sum.Checkpoints != tc.checkpoints || sum.Entries != int64(tc.entries) {
				t.Fatalf("summary %+v, want first %d last %d selected %d unsigned %d checkpoints %d entries %d",
					sum, tc.first, tc.last, tc.selected, tc.unsigned, tc.checkpoints, tc.entries)
			}
			for _, keys := range [][]ed25519.PublicKey{{pub}, nil} {
				rep, err := VerifyExport(bytes.NewReader(b), keys)
				if err != nil {
					t.Fatal(err)
				}
				if !rep.OK() {
					t.Fatalf("intact export failed: %v\n%s", rep.Problem, b)
				}
				if rep.Selected != tc.selected || rep.Entries != int64(tc.entries) || rep.KeysFromFile != (keys == nil) {
					t.Fatalf("report %+v", rep)
				}
			}
		})
	}
}

// lines splits an export into its lines; join puts them back, recomputing
// the end line's digest as a forger would.
func lines(b []byte) []string { return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") }

func join(ls []string, redigest bool) []byte {
	body := ls[:len(ls)-1]
	endLine := ls[len(ls)-1]
	if redigest {
		h := sha256.New()
		for _, l := range body {
			h.Write([]byte(l + "\n"))
		}
		b, _ := json.Marshal(exportEnd{Kind: "end", Lines: int64(len(body)), SHA256: hex.EncodeToString(h.Sum(nil))})
		endLine = string(b)
	}
	return []byte(strings.Join(append(append([]string{}, body...), endLine), "\n") + "\n")
}

func edit(t *testing.T, line string, fn func(map[string]any)) string {
	t.Helper()
	var v map[string]any
	d := json.NewDecoder(strings.NewReader(line))
	d.UseNumber()
	if err := d.Decode(&v); err != nil {
		t.Fatal(err)
	}
	fn(v)
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lineOf returns the index of the entry line with seq.
func lineOf(t *testing.T, ls []string, kind string, seq int) int {
	t.Helper()
	for i, l := range ls {
		if strings.HasPrefix(l, `{"kind":"`+kind+`"`) && strings.Contains(l, fmt.Sprintf(`"seq":%d,`, seq)) {
			return i
		}
	}
	t.Fatalf("no %s line for %d", kind, seq)
	return 0
}

func TestExportTamperingIsDetected(t *testing.T) {
	t.Parallel()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	forgerPub, forgerKey, _ := ed25519.GenerateKey(rand.Reader)
	m := exportLog(t, key)
	orig, _ := export(t, m, pub, ExportFilter{OrgID: 2}) // entries 1..35, selected 1, 5, 9, ...
	cases := []struct {
		name   string
		tamper func(ls []string) []byte
		keys   []ed25519.PublicKey
		want   string
	}{
		{"a byte flipped in an entry", func(ls []string) []byte {
			i := lineOf(t, ls, "entry", 9)
			ls[i] = strings.Replace(ls[i], `"user2"`, `"user3"`, 1)
			return join(ls, false)
		}, nil, "entry 9: entry content does not match its hash"},
		{"a byte flipped in the header", func(ls []string) []byte {
			ls[0] = strings.Replace(ls[0], `"exported_by":"auditor"`, `"exported_by":"auditos"`, 1)
			return join(ls, false)
		}, nil, "digest does not match"},
		{"a byte flipped in an entry, digest recomputed", func(ls []string) []byte {
			i := lineOf(t, ls, "entry", 9)
			ls[i] = strings.Replace(ls[i], `{\"n\":9}`, `{\"n\":8}`, 1)
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "entry 9: entry content does not match its hash"},
		{"an entry edited and rehashed", func(ls []string) []byte {
			i := lineOf(t, ls, "entry", 9)
			ls[i] = edit(t, ls[i], func(v map[string]any) { v["purpose"] = "audit" })
			var x exportEntry
			_ = json.Unmarshal([]byte(ls[i]), &x)
			e, _ := x.entry()
			ls[i] = edit(t, ls[i], func(v map[string]any) { v["hash"] = ComputeHash(e) })
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "entry 10: entry does not link"},
		{"a selected entry dropped", func(ls []string) []byte {
			i := lineOf(t, ls, "entry", 13)
			ls = append(ls[:i], ls[i+1:]...)
			ls[0] = edit(t, ls[0], func(v map[string]any) { v["selected"] = 8 })
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "entry 13 is missing"},
		{"a selected entry hidden as unselected", func(ls []string) []byte {
			i := lineOf(t, ls, "entry", 13)
			ls[i] = strings.Replace(ls[i], `"selected":true`, `"selected":false`, 1)
			ls[0] = edit(t, ls[0], func(v map[string]any) { v["selected"] = 8 })
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "entry 13: entry's selected flag disagrees"},
		{"two entries swapped", func(ls []string) []byte {
			i, j := lineOf(t, ls, "entry", 4), lineOf(t, ls, "entry", 5)
			ls[i], ls[j] = ls[j], ls[i]
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "entry 4 is missing (next present is 5)"},
		{"the first entries cut and the header adjusted", func(ls []string) []byte {
			ls = append(ls[:1], ls[3:]...)
			ls[0] = edit(t, ls[0], func(v map[string]any) { v["first_seq"] = 3; v["selected"] = 8 })
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, ""}, // a shorter, still true proof: must verify
		{"the end cut off", func(ls []string) []byte {
			return []byte(strings.Join(ls[:len(ls)-1], "\n") + "\n")
		}, []ed25519.PublicKey{pub}, "end line is missing"},
		{"the last checkpoint dropped", func(ls []string) []byte {
			i := lineOf(t, ls, "checkpoint", 35)
			ls = append(ls[:i], ls[i+1:]...)
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "does not end on a signed checkpoint"},
		{"a checkpoint's hash forged", func(ls []string) []byte {
			i := lineOf(t, ls, "checkpoint", 20)
			ls[i] = edit(t, ls[i], func(v map[string]any) { v["hash"] = strings.Repeat("0", 64) })
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "entry 20: checkpoint at entry 20 has an invalid signature"},
		{"a checkpoint re-signed by a forger's key", func(ls []string) []byte {
			i := lineOf(t, ls, "checkpoint", 20)
			var c exportCheckpoint
			_ = json.Unmarshal([]byte(ls[i]), &c)
			ts, _ := time.Parse(time.RFC3339Nano, c.Time)
			forged := SignCheckpoint(forgerKey, Head{Seq: c.Seq, Hash: c.Hash}, ts)
			ls[i] = edit(t, ls[i], func(v map[string]any) { v["key_id"] = forged.KeyID; v["signature"] = forged.Signature })
			ls[0] = edit(t, ls[0], func(v map[string]any) {
				v["keys"] = []any{map[string]any{"key_id": KeyID(forgerPub), "public_key": base64.StdEncoding.EncodeToString(forgerPub)},
					v["keys"].([]any)[0]}
			})
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "signed by untrusted key"},
		{"a checkpoint moved to another entry", func(ls []string) []byte {
			i := lineOf(t, ls, "checkpoint", 20)
			c := ls[i]
			ls = append(ls[:i], ls[i+1:]...)
			j := lineOf(t, ls, "entry", 21)
			ls = append(ls[:j+1], append([]string{c}, ls[j+1:]...)...)
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "does not match the entry it follows"},
		{"an unknown line added", func(ls []string) []byte {
			ls = append(ls[:2], append([]string{`{"kind":"note","text":"trust me"}`}, ls[2:]...)...)
			return join(ls, true)
		}, []ed25519.PublicKey{pub}, "not an export line"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ls := lines(orig)
			b := tc.tamper(append([]string{}, ls...))
			rep, err := VerifyExport(bytes.NewReader(b), tc.keys)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if !rep.OK() {
					t.Fatalf("should verify: %v", rep.Problem)
				}
				return
			}
			if rep.OK() {
				t.Fatalf("tampered export verified: %+v", rep)
			}
			if !strings.Contains(rep.Problem.Error(), tc.want) {
				t.Fatalf("problem %q should contain %q", rep.Problem.Error(), tc.want)
			}
		})
	}
}

// TestExportWindowStartIsProven: a time-window export cannot start later
// than the window does without the verifier noticing.
func TestExportWindowStartIsProven(t *testing.T) {
	t.Parallel()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	m := exportLog(t, key)
	b, _ := export(t, m, pub, ExportFilter{From: exportT0.Add(12 * time.Minute), To: exportT0.Add(18 * time.Minute)})
	ls := lines(b)
	// Drop entries 11 and 12 (12 is in the window) and claim the range starts at 13.
	ls = append(ls[:1], ls[3:]...)
	ls[0] = edit(t, ls[0], func(v map[string]any) { v["first_seq"] = 13; v["selected"] = 5 })
	rep, err := VerifyExport(bytes.NewReader(join(ls, true)), []ed25519.PublicKey{pub})
	if err != nil {
		t.Fatal(err)
	}
	if rep.OK() || !strings.Contains(rep.Problem.Error(), "starts inside the time window") {
		t.Fatalf("late start not caught: %+v %v", rep, rep.Problem)
	}
}
