package connector

import (
	"fmt"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// BenchmarkMapResponse maps a department answer of 36 monthly records
// (three years of one measure), the common size of an interface call.
func BenchmarkMapResponse(b *testing.B) {
	var sb strings.Builder
	sb.WriteString(`{"code":0,"data":{"records":[`)
	for i := range 36 {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, `{"period":"%d-%02d-01","value":%d.%02d}`, 2024+i/12, i%12+1, 100000+i*37, i)
	}
	sb.WriteString(`]}}`)
	body := []byte(sb.String())
	p := Proto{Item: "tax.vat_sales", Shape: facts.Measure, Source: "tax", Batch: "live:tax"}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := MapResponse(body, testMapping, 100, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkFetch measures a whole call on loopback (template, HMAC
// signature, HTTP, mapping) against a cache hit, the baseline.
func BenchmarkFetch(b *testing.B) {
	for _, cached := range []bool{false, true} {
		b.Run(fmt.Sprintf("cached=%t", cached), func(b *testing.B) {
			d := newDepartment(b, 200)
			r := registryFor(b, d, func(c *Config) {
				if !cached {
					c.CacheTTL = 0
				}
			})
			b.ReportAllocs()
			for b.Loop() {
				if _, err := fetch(r, 3); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
