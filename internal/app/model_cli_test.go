package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/app"
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

func runModelCLI(args ...string) (int, string, string) {
	var out, errs bytes.Buffer
	code := app.Run(context.Background(), app.Env{Args: args, Stdout: &out, Stderr: &errs})
	return code, out.String(), errs.String()
}

// writeApplicants writes a deterministic applicant file with a numeric
// variable (age), one with missing and special values (income: "" and
// -999) and a categorical one (region); bad outcomes follow age, income
// and region.
func writeApplicants(t *testing.T, path string, n int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(42, 0))
	var b strings.Builder
	b.WriteString("id,age,income,region,outcome\n")
	for i := range n {
		age := 20 + rng.IntN(45)
		income := fmt.Sprint(2000 + rng.IntN(8000))
		region := []string{"north", "south", "east", "west"}[rng.IntN(4)]
		z := -1.0 + 0.05*float64(40-age)
		switch {
		case i%17 == 0:
			income, z = "", z+1
		case i%13 == 0:
			income, z = "-999", z+0.5
		default:
			var inc int
			fmt.Sscan(income, &inc)
			z -= float64(inc-6000) / 3000
		}
		if region == "north" {
			z += 0.8
		}
		outcome := "good"
		if rng.Float64() < 1/(1+math.Exp(-z)) {
			outcome = "bad"
		}
		fmt.Fprintf(&b, "A%04d,%d,%s,%s,%s\n", i, age, income, region, outcome)
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestModelCLI trains, scores, validates and cross-validates through the
// command line as a user would.
func TestModelCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "applicants.csv")
	writeApplicants(t, data, 600)
	model := filepath.Join(dir, "model.json")
	code, out, errs := runModelCLI("model", "train", "--data", data, "--target", "outcome", "--bad", "bad", "--exclude", "id",
		"--specials", "-999", "--out", model)
	if code != 0 {
		t.Fatalf("train: %d %s %s", code, out, errs)
	}
	if !strings.Contains(out, "model written to") || !strings.Contains(out, "age") {
		t.Errorf("train output: %s", out)
	}
	m, err := scorecard.LoadFile(model)
	if err != nil {
		t.Fatal(err)
	}
	var income *scorecard.Variable
	for i := range m.Variables {
		if m.Variables[i].Name == "income" {
			income = &m.Variables[i]
		}
	}
	if income == nil || len(m.Variables) < 2 {
		t.Fatalf("variables: %+v", m.Candidates)
	}
	var sawMissing, sawSpecial bool
	for _, b := range income.Bins {
		sawMissing = sawMissing || b.Kind == scorecard.BinMissing && b.Count > 0
		sawSpecial = sawSpecial || b.Kind == scorecard.BinSpecial && b.Special == "-999" && b.Count > 0
	}
	if !sawMissing || !sawSpecial {
		t.Errorf("income bins: %+v", income.Bins)
	}

	scores := filepath.Join(dir, "scores.csv")
	if code, out, errs := runModelCLI("model", "score", "--model", model, "--data", data, "--id", "id", "--out", scores); code != 0 {
		t.Fatalf("score: %d %s %s", code, out, errs)
	}
	f, err := os.Open(scores)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(f).ReadAll()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 601 || !slices.Equal(recs[0][:5], []string{"row", "id", "score", "grade", "pd"}) || recs[0][5] != "reason_1" || recs[1][1] != "A0000" {
		t.Fatalf("scores file: %d rows, header %v, first %v", len(recs), recs[0], recs[1])
	}
	code, out, _ = runModelCLI("model", "score", "--model", model, "--data", data, "--format", "jsonl", "--reasons", "1")
	if code != 0 || strings.Count(out, "\n") != 600 || !strings.Contains(out, `"contributions"`) {
		t.Fatalf("jsonl: %d %.300s", code, out)
	}

	code, out, _ = runModelCLI("model", "validate", "--model", model, "--data", data)
	var v scorecard.Validation
	if code != 0 || json.Unmarshal([]byte(out), &v) != nil || v.Performance == nil || v.ScorePSI != 0 {
		t.Fatalf("validate: %d %s", code, out)
	}

	cv := func(seed string) scorecard.CVResult {
		t.Helper()
		code, out, errs := runModelCLI("model", "cv", "--data", data, "--target", "outcome", "--bad", "bad", "--exclude", "id",
			"--folds", "5", "--seed", seed, "--json")
		var r scorecard.CVResult
		if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
			t.Fatalf("cv: %d %s %s", code, out, errs)
		}
		return r
	}
	a, b, c := cv("7"), cv("7"), cv("8")
	aucs := func(r scorecard.CVResult) []float64 {
		var x []float64
		for _, f := range r.PerFold {
			x = append(x, f.AUC)
		}
		return x
	}
	if len(a.PerFold) != 5 || a.AUC.Mean < 0.65 || a.AUC.Std <= 0 || a.Brier.Mean <= 0 || a.KS.Mean <= 0 {
		t.Errorf("cv: %+v", a)
	}
	if !slices.Equal(aucs(a), aucs(b)) || a.AUC != b.AUC || a.Gini != b.Gini {
		t.Error("the same seed must give the same folds and figures")
	}
	if slices.Equal(aucs(a), aucs(c)) {
		t.Error("another seed should give other folds")
	}
	code, out, _ = runModelCLI("model", "cv", "--data", data, "--target", "outcome", "--bad", "bad", "--exclude", "id", "--folds", "5")
	if code != 0 || !strings.Contains(out, "AUC    mean") || !strings.Contains(out, "DeLong") {
		t.Errorf("cv text: %d %s", code, out)
	}
}

func TestModelCLIErrors(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	data := filepath.Join(dir, "applicants.csv")
	writeApplicants(t, data, 100)
	out := filepath.Join(dir, "model.json")
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no target", []string{"model", "train", "--data", data, "--bad", "bad", "--out", out}, 2, "--target"},
		{"no out", []string{"model", "train", "--data", data, "--target", "outcome", "--bad", "bad"}, 2, "--out"},
		{"unknown target", []string{"model", "train", "--data", data, "--target", "nope", "--bad", "bad", "--out", out}, 1, `"nope"`},
		{"one class", []string{"model", "train", "--data", data, "--target", "outcome", "--bad", "BAD", "--out", out}, 1, "both classes"},
		{"bad trend", []string{"model", "train", "--data", data, "--target", "outcome", "--bad", "bad", "--trend", "up", "--out", out}, 1, "trend"},
		{"missing file", []string{"model", "train", "--data", filepath.Join(dir, "none.csv"), "--target", "outcome", "--bad", "bad", "--out", out}, 1, "none.csv"},
		{"too many folds", []string{"model", "cv", "--data", data, "--target", "outcome", "--bad", "bad", "--folds", "1"}, 2, "folds"},
		{"score without model", []string{"model", "score", "--data", data}, 2, "--model"},
		{"unknown subcommand", []string{"model", "explode"}, 2, "unknown command"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runModelCLI(tc.args...)
			if code != tc.code || !strings.Contains(stdout+stderr, tc.want) {
				t.Errorf("exit %d (want %d), output %q (want %q)", code, tc.code, stdout+stderr, tc.want)
			}
		})
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("a failed train left %s behind", out)
	}
	if m, _ := filepath.Glob(filepath.Join(dir, ".creditbridge-*")); len(m) > 0 {
		t.Errorf("temporary files left: %v", m)
	}
}

// TestBenchModel runs the benchmark command on the German credit file;
// without scikit-learn the peer says why it did not run.
func TestBenchModel(t *testing.T) {
	t.Parallel()
	ds := filepath.Join("..", "..", "..", "shared", "datasets")
	if _, err := os.Stat(filepath.Join(ds, "german-credit", "germancredit.csv")); err != nil {
		t.Skipf("SKIPPED: the shared datasets are not at %s (%v); bench model did not run", ds, err)
	}
	folds := filepath.Join(t.TempDir(), "folds.json")
	code, out, errs := runModelCLI("bench", "model", "--dataset", "german", "--datasets", ds, "--folds", "5", "--folds-out", folds)
	var r struct {
		Rows      int `json:"rows"`
		Bad       int `json:"bad"`
		Scorecard struct {
			AUC struct{ Mean float64 } `json:"auc"`
		} `json:"scorecard"`
		Peer any `json:"peer"`
	}
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil {
		t.Fatalf("bench model: %d %s %s", code, out, errs)
	}
	if r.Rows != 1000 || r.Bad != 300 || r.Scorecard.AUC.Mean < 0.75 || r.Peer == nil {
		t.Errorf("bench model: %s", out)
	}
	var meta struct {
		Folds [][]int `json:"folds"`
	}
	b, err := os.ReadFile(folds)
	if err != nil || json.Unmarshal(b, &meta) != nil || len(meta.Folds) != 1 || len(meta.Folds[0]) != 1000 {
		t.Errorf("folds file: %v %.200s", err, b)
	}
	if code, _, errs := runModelCLI("bench", "model", "--dataset", "french", "--datasets", ds); code == 0 || !strings.Contains(errs, "german, australian or cumcm") {
		t.Errorf("unknown dataset: %d %s", code, errs)
	}
}
