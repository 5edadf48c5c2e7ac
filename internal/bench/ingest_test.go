package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/ingest"
	"github.com/creditbridge/creditbridge/internal/keys"
)

// TestIngestPrintsOneJSONObject runs the ingestion benchmark on every
// backend in each format with a small file and checks its report: every
// row stored, the raw load wrote as many facts as the pipeline, every
// rate positive.
func TestIngestPrintsOneJSONObject(t *testing.T) {
	dsns := map[string]string{"sqlite": ""}
	if u := os.Getenv("CREDITBRIDGE_TEST_POSTGRES_URL"); u != "" {
		dsns["postgres"] = u
	} else {
		t.Log("CREDITBRIDGE_TEST_POSTGRES_URL not set: bench ingest on PostgreSQL SKIPPED")
	}
	for name, dsn := range dsns {
		for _, format := range []string{"csv", "xlsx", "jsonl"} {
			t.Run(name+"/"+format, func(t *testing.T) {
				dsn := dsn
				if dsn == "" {
					dsn = filepath.Join(t.TempDir(), "bench.db")
				}
				var out bytes.Buffer
				// 960 rows: 40 enterprises' two years of monthly returns,
				// enough to exercise every format's decoder end to end; the
				// benchmark's size is the command line's business.
				if err := Ingest(t.Context(), dsn, 960, 40, format, &out); err != nil {
					t.Fatal(err)
				}
				if n := strings.Count(strings.TrimSpace(out.String()), "\n"); n != 0 {
					t.Fatalf("%d lines, want one JSON object:\n%s", n+1, out.String())
				}
				t.Log(strings.TrimSpace(out.String()))
				var res IngestResult
				dec := json.NewDecoder(&out)
				dec.DisallowUnknownFields()
				if err := dec.Decode(&res); err != nil {
					t.Fatal(err)
				}
				if res.Backend != name || res.Format != format || res.Rows != 960 || res.Enterprises != 40 || res.Months != 24 {
					t.Fatalf("result %+v", res)
				}
				// 960 rows of 4 or 5 facts (corporate income tax one month
				// in three).
				if res.PipelineFacts < 3840 || res.PipelineFacts > 4800 {
					t.Fatalf("%d facts", res.PipelineFacts)
				}
				for k, v := range map[string]float64{"pipeline_rows_per_sec": res.PipelineRowsPerSec, "pipeline_facts_per_sec": res.PipelineFactsPerSec,
					"raw_facts_per_sec": res.RawFactsPerSec, "ratio_facts": res.RatioFacts, "peak_rss": float64(res.PeakRSSBytes)} {
					if !(v > 0) {
						t.Errorf("%s = %v", k, v)
					}
				}
			})
		}
	}
}

// TestIngestFixtureIsWhatTheRawLoadWrites checks the fixture file and the
// raw load's facts agree: ingesting the file stores exactly the facts
// eachTaxFact generates.
func TestIngestFixtureIsWhatTheRawLoadWrites(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	fx, err := WriteIngestFixture(dir, 500, "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	s, _, cleanup, err := open(ctx, filepath.Join(dir, "x.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	if err := loadCatalogue(ctx, s); err != nil {
		t.Fatal(err)
	}
	sealer, err := keys.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	svc := &enterprise.Service{Repo: s, Seal: sealer}
	if _, err := ingest.File(ctx, s, fx.Profile, fx.ProfilePath, ingest.Options{Enterprises: svc}); err != nil {
		t.Fatal(err)
	}
	res, err := ingest.File(ctx, s, fx.Data, fx.DataPath, ingest.Options{})
	if err != nil || res.OK != 500 {
		t.Fatalf("%+v %v", res, err)
	}
	want := map[string]int{}
	var n int64
	if err := eachTaxFact(500, 0, func(i int, f facts.Fact) error {
		want[fixtureCode(i)+"|"+f.Item+"|"+f.Period.Format("2006-01")+"|"+strconv.FormatInt(f.Num, 10)]++
		n++
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != res.Facts {
		t.Fatalf("generated %d facts, ingested %d", n, res.Facts)
	}
	for i := 0; i < fx.Enterprises; i++ {
		e, err := s.EnterpriseByCode(ctx, fixtureCode(i))
		if err != nil {
			t.Fatal(err)
		}
		fs, err := s.QueryFacts(ctx, facts.Query{EnterpriseID: e.ID, Limit: 10000})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fs {
			k := fixtureCode(i) + "|" + f.Item + "|" + f.Period.Format("2006-01") + "|" + strconv.FormatInt(f.Num, 10)
			if want[k] == 0 {
				t.Fatalf("stored fact not generated: %s", k)
			}
			want[k]--
		}
	}
}
