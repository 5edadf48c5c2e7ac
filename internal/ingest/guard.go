package ingest

import (
	"context"
	"slices"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/store"
)

// A batch reads enterprise data while it checks rows: the registry (to
// turn credit codes into enterprises, and registration rows compare with
// the record), the enterprises' earlier values of the batch's items (the
// unit check), their shareholders and loans (re-sent rows). Like every
// read it asks the access decision point first and leaves an evidence
// entry, "ingest.read", in the batch's transaction. The reads are the
// platform's own (platform_operation): ingestion processes a submission
// the sender was allowed to make (internal/ingestjob decides who may
// send what), and a department's values are compared with other
// departments' (utility arrears come from the grid, water and gas
// companies alike). A batch that maps to an item the catalogue does not
// know is refused, on record, before anything is read.

// readItems are the catalogue items a batch of ds reads.
func readItems(ds *Dataset) []string {
	items := []string{access.ItemRegistration}
	add := func(it string) {
		if it != "" && !slices.Contains(items, it) {
			items = append(items, it)
		}
	}
	add(ds.Item)
	for _, c := range ds.Columns {
		add(c.Item)
	}
	switch ds.RowKind {
	case KindProfile:
		add(access.ItemLegalRep)
	case KindShareholder:
		add("registration.shareholders")
	case KindLoan:
		add("financing.loan")
	}
	return items
}

// readRequest is the decision point's request for a batch of ds.
func readRequest(ctx context.Context, st store.Store, ds *Dataset) (access.Request, error) {
	items := readItems(ds)
	cur, err := st.CurrentItems(ctx)
	if err != nil {
		return access.Request{}, err
	}
	pols := make([]access.ItemPolicy, len(items))
	for i, it := range items {
		pols[i] = access.ItemPolicy{Code: it}
		for _, v := range cur {
			if v.Code == it {
				pols[i] = v.Policy()
				break
			}
		}
	}
	return access.Request{Principal: access.System, Action: "ingest.read", Items: items, Policies: pols}, nil
}
