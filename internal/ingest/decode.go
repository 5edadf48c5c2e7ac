package ingest

import (
	"context"
	"io"
	"os"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Decoded is one data row of a file as DecodeFile reads it: its physical
// row number and credit code, and either its facts (without enterprise id
// or provenance; none for profile and loan rows, whose Loan is set for
// loan rows; shareholder rows give only the code, their identity numbers
// are sealed by File, never handed out here) or the Problem that makes it a bad row.
type Decoded struct {
	Row     int
	Code    string
	Facts   []facts.Fact
	Loan    *facts.Loan
	Problem *Problem
}

// DecodeFile streams the data rows of a file of dataset ds through the
// same readers and row mapping as File, without a store: no enterprise is
// looked up, nothing is stored, no history is read (so the unit check,
// which compares with stored history, does not run) and duplicates are
// not detected. It is for tools that serve a department's own files (the
// department simulator). row is called once per data row, in file order;
// the Facts slice is only valid during the call. A header that does not
// match the dataset, a text that does not decode and a damaged file end
// the read with an error, as they end a batch.
func DecodeFile(ctx context.Context, ds Dataset, path string, row func(Decoded) error) error {
	if err := ds.Validate(); err != nil {
		return err
	}
	fh, err := os.Open(path)
	if err != nil {
		return err
	}
	defer fh.Close()
	rr, closeFn, err := open(&ds, fh)
	if err != nil {
		return err
	}
	defer closeFn()
	m := newMapper(&ds)
	var perm []int
	if ds.Format == "jsonl" {
		perm = make([]int, len(ds.Columns))
		for i := range perm {
			perm[i] = i
		}
	}
	cells := make([]string, len(ds.Columns))
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		r, err := rr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if ds.Format != "jsonl" && r.Num <= ds.HeaderRow {
			if r.Num == ds.HeaderRow {
				if perm, err = columnOrder(&ds, r.Num, r.Cells); err != nil {
					return err
				}
			}
			continue
		}
		if perm == nil {
			return headerErr(ds.HeaderRow, "the file ends before its header")
		}
		if blank(r.Cells) && r.Problem == nil {
			continue
		}
		d := Decoded{Row: r.Num}
		switch {
		case r.Problem != nil:
			p := *r.Problem
			p.Row = r.Num
			d.Problem = &p
		case ds.Format != "jsonl" && len(r.Cells) > len(ds.Columns) && !blank(r.Cells[len(ds.Columns):]):
			d.Problem = &Problem{Row: r.Num, Code: "ingest.columns", Value: strconv.Itoa(len(r.Cells)), Detail: strconv.Itoa(len(ds.Columns))}
		default:
			for i, p := range perm {
				cells[i] = ""
				if p < len(r.Cells) {
					cells[i] = r.Cells[p]
				}
			}
			pr, p := m.mapRow(cells)
			if p != nil {
				p.Row = r.Num
				d.Problem = p
			} else {
				d.Code, d.Facts, d.Loan = pr.code, pr.facts, pr.loan
			}
		}
		if err := row(d); err != nil {
			return err
		}
	}
}
