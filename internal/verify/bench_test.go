package verify_test

import (
	"context"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/verify"
)

// BenchmarkAsk measures one single-question verification on SQLite
// (the access decision, the read, the limits, the evidence, the signature).
func BenchmarkAsk(b *testing.B) {
	r := newRegion(b, openSQLite(b))
	r.svc.Limits = verify.DefaultLimits()
	r.svc.Limits.PerEnterpriseDay = 1 << 30
	ctx := context.Background()
	qs := []string{"tax_paid_12m >= 1000000", "insured_headcount between 10 and 50", "has_enforcement_case == false", `tax_credit_grade in ["A", "B"]`}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		bu := r.bundles[i%len(r.bundles)]
		if _, err := r.svc.Ask(ctx, r.bankT3, verify.Request{CreditCode: bu.Profile.Code, Purpose: access.PurposeLoan, Questions: []string{qs[i%len(qs)]}}); err != nil {
			b.Fatal(err)
		}
	}
}
