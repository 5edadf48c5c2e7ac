package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/creditbridge/creditbridge/internal/bench"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

// runIngest loads one department file: creditbridge ingest FILE
// [--manifest manifest.json] [--dataset NAME|dataset.json] [--errors
// FILE.csv] [--batch ID] [--unknown-enterprise reject|register]. It prints
// the batch's result as JSON and writes the error report (CSV) when there
// are bad rows.
func runIngest(ctx context.Context, e Env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprint(e.Stdout, "usage: creditbridge ingest FILE [--manifest manifest.json] [--dataset NAME|dataset.json] [--errors FILE.csv] [--batch ID] [--unknown-enterprise reject|register]\n")
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: ingest needs the file first: creditbridge ingest FILE [flags]", errUsage)
	}
	file, args := args[0], args[1:]
	var manifest, dataset, errorsPath, batch, unknown string
	var noUnitCheck bool
	cfg, err := parse(e, "ingest", args, func(fs *flag.FlagSet) {
		fs.StringVar(&manifest, "manifest", "", "manifest.json describing the file (default: found next to the file or one directory up)")
		fs.StringVar(&dataset, "dataset", "", "dataset name in the manifest, or a dataset definition (.json)")
		fs.StringVar(&errorsPath, "errors", "", "where to write the error report CSV (default: FILE.errors.csv, when there are bad rows)")
		fs.StringVar(&batch, "batch", "", "batch id (default: department and file digest)")
		fs.BoolVar(&noUnitCheck, "no-unit-check", false, "do not compare money values with the enterprise's recent values (faster)")
		fs.StringVar(&unknown, "unknown-enterprise", "", "rows of unregistered enterprises: reject (error report) or register (registration files only); default: the dataset's")
	})
	if err != nil {
		return err
	}
	ds, err := ingestDataset(file, manifest, dataset)
	if err != nil {
		return err
	}
	if unknown != "" {
		ds.UnknownEnterprise = unknown
		if err := ds.Validate(); err != nil {
			return err
		}
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	o := ingest.Options{BatchID: batch, NoUnitCheck: noUnitCheck, Enterprises: n.Enterprises}
	if w := terminal(e.Stderr); w != nil {
		o.Progress = func(p ingest.Progress) {
			fmt.Fprintf(w, "\ringest: %d rows, %d ok, %d bad, %d warnings (%.0f rows/s)   ", p.Rows, p.OK, p.Bad, p.Warnings,
				float64(p.Rows)/max(p.Elapsed.Seconds(), 1e-9))
			if p.Done {
				fmt.Fprintln(w)
			}
		}
	}
	res, err := ingest.File(ctx, n.Store, ds, file, o)
	if err != nil {
		return err
	}
	out := map[string]any{"result": res}
	if res.Seconds > 0 && !res.AlreadyLoaded {
		out["rows_per_sec"] = float64(res.Rows) / res.Seconds
	}
	if !res.AlreadyLoaded {
		// The batch is stored whatever the rules find; a failed run is
		// reported, not the batch.
		if qr, err := n.Quality.AfterBatch(ctx, ds.Name, ds.Department); err != nil {
			fmt.Fprintf(e.Stderr, "ingest: data-quality run after the batch failed: %v\n", err)
		} else if qr.ID != 0 {
			out["quality"] = map[string]any{"run": qr.ID, "rules": qr.Rules, "failing": qr.Failing}
		}
	}
	if len(res.Problems) > 0 {
		if errorsPath == "" {
			errorsPath = file + ".errors.csv"
		}
		f, err := os.Create(errorsPath)
		if err != nil {
			return err
		}
		if err := ingest.WriteReport(f, res.Problems); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		out["errors_report"] = errorsPath
	}
	enc := json.NewEncoder(e.Stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(out)
}

// ingestDataset finds the dataset of a file: a definition file given with
// --dataset x.json, or the manifest entry of the file (by path, or by
// --dataset name).
func ingestDataset(file, manifest, dataset string) (ingest.Dataset, error) {
	var ds ingest.Dataset
	if strings.HasSuffix(dataset, ".json") {
		b, err := os.ReadFile(dataset)
		if err != nil {
			return ds, err
		}
		if err := json.Unmarshal(b, &ds); err != nil {
			return ds, fmt.Errorf("dataset %s: %w", dataset, err)
		}
		return ds, ds.Validate()
	}
	if manifest == "" {
		dir := filepath.Dir(file)
		for _, d := range []string{dir, filepath.Dir(dir)} {
			p := filepath.Join(d, deptfiles.ManifestName)
			if _, err := os.Stat(p); err == nil {
				manifest = p
				break
			}
		}
		if manifest == "" {
			return ds, fmt.Errorf("%w: no manifest.json next to %s; give --manifest or --dataset FILE.json", errUsage, file)
		}
	}
	b, err := os.ReadFile(manifest)
	if err != nil {
		return ds, err
	}
	var m deptfiles.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return ds, fmt.Errorf("manifest %s: %w", manifest, err)
	}
	abs, _ := filepath.Abs(file)
	f, err := ingest.FindInManifest(m, filepath.ToSlash(abs), dataset)
	if err != nil {
		return ds, err
	}
	return ingest.FromManifest(f)
}

// runBenchIngest is `creditbridge bench ingest --db DSN --rows N --format
// csv|xlsx|jsonl`: see bench.Ingest.
func runBenchIngest(ctx context.Context, e Env, args []string) error {
	var rows int64
	var format string
	var enterprises int
	cfg, err := parse(e, "bench ingest", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&rows, "rows", 100_000, "rows of the generated department file")
		fs.IntVar(&enterprises, "enterprises", 0, "enterprises of the file, held fixed as --rows grows (0: rows/24, two years of monthly returns)")
		fs.StringVar(&format, "format", "csv", "file format: csv, xlsx or jsonl")
	})
	if err != nil {
		return err
	}
	if rows <= 0 {
		return fmt.Errorf("%w: --rows must be positive", errUsage)
	}
	if format != "csv" && format != "xlsx" && format != "jsonl" {
		return fmt.Errorf("%w: --format must be csv, xlsx or jsonl", errUsage)
	}
	if enterprises < 0 {
		return fmt.Errorf("%w: --enterprises must not be negative", errUsage)
	}
	return bench.Ingest(ctx, cfg.DSN(), rows, enterprises, format, e.Stdout)
}
