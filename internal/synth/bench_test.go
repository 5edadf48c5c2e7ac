package synth

import "testing"

func BenchmarkEnterprise(b *testing.B) {
	g, err := New(Config{Enterprises: 1_000_000, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	facts := 0
	i := 0
	for b.Loop() {
		facts += len(g.Enterprise(i % 1_000_000).Facts)
		i++
	}
	b.ReportMetric(float64(facts)/float64(b.N), "facts/op")
}
