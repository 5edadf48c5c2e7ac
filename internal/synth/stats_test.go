package synth

import (
	"context"
	"encoding/json"
	"os"
	"testing"
)

// The statistical tests check numbers, not concurrency; under the race
// detector they would take minutes, so they skip there.

func summarize(t *testing.T, cfg Config, sample int) Summary {
	t.Helper()
	g := newGen(t, cfg)
	s, err := Summarize(context.Background(), g, sample)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func share(m map[string]int, key string, total int) float64 {
	return float64(m[key]) / float64(total)
}

func TestPopulationStatistics(t *testing.T) {
	if raceEnabled {
		t.Skip("statistical test; skipped under the race detector")
	}
	t.Parallel()
	const n = 20000
	s := summarize(t, Config{Enterprises: n, Seed: 1}, n)
	if _, err := json.Marshal(s); err != nil {
		t.Fatalf("Summary does not marshal: %v", err)
	}
	if os.Getenv("SYNTH_REPORT") != "" {
		b, _ := json.MarshalIndent(s, "", "  ")
		t.Logf("%s", b)
	}
	graded := 0
	for g, c := range s.ByGrade {
		if g != "none" {
			graded += c
		}
	}
	bands := []struct {
		name   string
		got    float64
		lo, hi float64
	}{
		{"micro share", share(s.BySize, "micro", n), 0.80, 0.85},
		{"small share", share(s.BySize, "small", n), 0.12, 0.16},
		{"medium share", share(s.BySize, "medium", n), 0.02, 0.04},
		{"wholesale and retail share", share(s.BySection, "F", n), 0.25, 0.35},
		{"grade A share", share(s.ByGrade, "A", graded), 0.10, 0.20},
		{"grade B share", share(s.ByGrade, "B", graded), 0.40, 0.50},
		{"grade M share", share(s.ByGrade, "M", graded), 0.20, 0.30},
		{"grade C share", share(s.ByGrade, "C", graded), 0.05, 0.10},
		{"grade D share", share(s.ByGrade, "D", graded), 0.02, 0.05},
		{"borrower share", float64(s.Borrowers) / n, 0.30, 0.50},
		{"default rate", s.DefaultRate, 0.02, 0.08},
	}
	for _, b := range bands {
		if b.got < b.lo || b.got > b.hi {
			t.Errorf("%s = %.4f, want %.2f..%.2f", b.name, b.got, b.lo, b.hi)
		}
	}
	for sec, c := range s.BySection {
		if sec != "F" && c >= s.BySection["F"] {
			t.Errorf("section %s (%d) is not smaller than F (%d)", sec, c, s.BySection["F"])
		}
	}
	informative := 0
	for _, sig := range s.Signals {
		if sig.AUC > 0.6 {
			informative++
		}
		if sig.AUC > 0.95 {
			t.Errorf("signal %s has AUC %.3f: information too perfect", sig.Name, sig.AUC)
		}
	}
	if informative < 3 {
		t.Errorf("%d signals with AUC > 0.6, want at least 3: %+v", informative, s.Signals)
	}
}

func TestDefaultRateFollowsConfig(t *testing.T) {
	if raceEnabled {
		t.Skip("statistical test; skipped under the race detector")
	}
	t.Parallel()
	const n = 12000
	low := summarize(t, Config{Enterprises: n, Seed: 5, DefaultRate: 0.03}, n)
	high := summarize(t, Config{Enterprises: n, Seed: 5, DefaultRate: 0.07}, n)
	if low.DefaultRate < 0.015 || low.DefaultRate > 0.045 {
		t.Errorf("configured 0.03, got %.4f", low.DefaultRate)
	}
	if high.DefaultRate < 0.05 || high.DefaultRate > 0.09 {
		t.Errorf("configured 0.07, got %.4f", high.DefaultRate)
	}
	if high.DefaultRate-low.DefaultRate < 0.025 {
		t.Errorf("default rates %.4f (0.03) and %.4f (0.07) do not follow the configuration", low.DefaultRate, high.DefaultRate)
	}
}
