package scorecard

import (
	"os"
	"path/filepath"
	"testing"
)

// sharedDatasets finds ../shared/datasets next to the repository root
// (the directory holding go.mod), or skips loudly.
func sharedDatasets(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("SKIPPED: no go.mod above the test directory, so no ../shared/datasets")
		}
		dir = parent
	}
	ds := filepath.Join(dir, "..", "shared", "datasets")
	if _, err := os.Stat(ds); err != nil {
		t.Skipf("SKIPPED: the shared benchmark datasets are not at %s (%v); the published-data checks did not run", ds, err)
	}
	return ds
}

// The targets, with the default options and the whole pipeline
// fitted inside each training fold: German credit CV AUC >= 0.78,
// Australian >= 0.92.
func TestPublicDatasetsCV(t *testing.T) {
	ds := sharedDatasets(t)
	tests := []struct {
		name, file, target, bad string
		categorical             []string
		minAUC                  float64
	}{
		{"german", "german-credit/germancredit.csv", "creditability", "bad", nil, 0.78},
		{"australian", "australian-credit/australian.dat", "A15", "0", AustralianCategorical, 0.92},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tb, err := ReadFile(filepath.Join(ds, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			d, err := NewDataset(tb, Spec{Target: tc.target, Bad: tc.bad, Categorical: tc.categorical})
			if err != nil {
				t.Fatal(err)
			}
			folds, err := StratifiedFolds(d.Y, 10, 1)
			if err != nil {
				t.Fatal(err)
			}
			r, err := CrossValidate(d, Options{}, folds, 10, 1)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s: CV AUC %.4f (sd %.4f), KS %.4f, Gini %.4f, Brier %.4f; pooled AUC %.4f [%.4f, %.4f]",
				tc.name, r.AUC.Mean, r.AUC.Std, r.KS.Mean, r.Gini.Mean, r.Brier.Mean, r.Pooled.AUC, r.Pooled.AUCLow, r.Pooled.AUCHigh)
			if r.AUC.Mean < tc.minAUC {
				t.Errorf("%s: CV AUC %.4f below the target %.2f", tc.name, r.AUC.Mean, tc.minAUC)
			}
		})
	}
}
