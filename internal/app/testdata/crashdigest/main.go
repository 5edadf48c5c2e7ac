// Command crashdigest prints the content digest that
// TestIngestSurvivesSIGKILL compares between a database loaded without
// interruption and one loaded after kills: a SHA-256 over the registry
// (codes and names), every fact of every version (without its received
// time, which is the clock's) by credit code, and the batch record
// (without its times), with the counts. The test builds and runs it
// without the race detector: under -race, reading some 50,000 facts
// through SQLite took minutes, which is time spent on the reading, not on
// what the test checks.
//
// Usage: crashdigest DSN BATCH; prints {"digest": ..., "counts": ...}.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/store/backend"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: crashdigest DSN BATCH")
		os.Exit(2)
	}
	digest, counts, err := run(context.Background(), os.Args[1], os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	_ = json.NewEncoder(os.Stdout).Encode(map[string]string{"digest": digest, "counts": counts})
}

func run(ctx context.Context, dsn, batch string) (string, string, error) {
	st, err := backend.Open(ctx, dsn, backend.Options{})
	if err != nil {
		return "", "", err
	}
	defer st.Close()
	h := sha256.New()
	var ne, nf int
	for offset := 0; ; offset += 500 {
		rs, _, err := st.SearchEnterprises(ctx, enterprise.Query{Limit: 500, Offset: offset})
		if err != nil {
			return "", "", err
		}
		for _, r := range rs {
			ne++
			fmt.Fprintf(h, "E|%s|%s\n", r.Code, r.NameZH)
			fs, err := st.QueryFacts(ctx, facts.Query{EnterpriseID: r.ID, Limit: 100000, AllVersions: true})
			if err != nil {
				return "", "", err
			}
			for _, f := range fs {
				nf++
				fmt.Fprintf(h, "F|%s|%s|%s|%s|%d|%s|%s|%d|%d\n", r.Code, f.Item, f.Shape, f.Period.Format(time.DateOnly), f.Num,
					f.Source, f.Batch, f.SourceRow, f.Version)
			}
		}
		if len(rs) < 500 {
			break
		}
	}
	b, err := st.BatchByID(ctx, batch)
	if err != nil {
		return "", "", err
	}
	fmt.Fprintf(h, "B|%s|%s|%s|%s|%s|%d|%d|%d|%d|%s\n", b.ID, b.Dataset, b.Source, b.FileName, b.SHA256, b.Rows, b.RowsOK, b.RowsBad,
		b.Facts, b.Status)
	all, err := st.CountFacts(ctx)
	if err != nil {
		return "", "", err
	}
	return hex.EncodeToString(h.Sum(nil)), fmt.Sprintf("%d enterprises, %d facts (%d stored in all), batch %d rows", ne, nf, all, b.Rows), nil
}
