package ingest_test

import (
	"context"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

// TestBatchReadsPassTheDecisionPoint: a batch's reads of enterprise data
// (registry, earlier values) are decided like any read and leave
// evidence; a dataset that maps a column to an item the catalogue does
// not know is refused, on record, with nothing stored.
func TestBatchReadsPassTheDecisionPoint(t *testing.T) {
	ctx := context.Background()
	r := newRegion(t, "sqlite", 40, 0)
	mf := r.file(t, func(f deptfiles.File) bool { return f.Department == "water" && f.Version <= 1 })
	ds, err := ingest.FromManifest(mf)
	if err != nil {
		t.Fatal(err)
	}
	bad := ds
	bad.Columns = append([]ingest.Column(nil), ds.Columns...)
	for i, c := range bad.Columns {
		if c.Item != "" {
			bad.Columns[i].Item = "util.water_secret"
			break
		}
	}
	_, err = ingest.File(ctx, r.st, bad, r.path(mf), ingest.Options{})
	if fe, ok := fault.As(err); !ok || fe.Code != "access.unknown_item" {
		t.Fatalf("a dataset with an item outside the catalogue: %v", err)
	}
	if n, _ := r.st.CountFacts(ctx); n != 0 {
		t.Fatalf("a refused batch stored %d facts", n)
	}
	res, err := ingest.File(ctx, r.st, ds, r.path(mf), ingest.Options{})
	if err != nil || res.Facts == 0 {
		t.Fatalf("the water company's file: %+v %v", res, err)
	}
	es, err := r.st.ListAudit(ctx, audit.Filter{Action: "ingest.read", Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 2 || es[0].Outcome != audit.OK || es[1].Outcome != audit.Denied || es[0].Purpose != access.PurposeOperation ||
		len(es[0].Items) < 2 || es[0].Items[0] != access.ItemRegistration {
		t.Fatalf("evidence: %+v", es)
	}
}
