package app

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/modeltrain"
)

// The registry commands work on a database: they register artefacts,
// train on the platform's own outcomes, list and promote versions. They
// act as the platform itself (access.System), like the other commands
// run by whoever operates the node; every change is recorded as evidence.

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// versionJSON is a version as the commands print it (no artefact).
func versionJSON(v modelreg.Version) map[string]any {
	out := map[string]any{"id": v.ID, "model": v.Label(), "name": v.Name, "number": v.Number, "status": v.Status, "source": v.Source,
		"feature_set": v.FeatureSet, "data_fingerprint": v.DataFingerprint, "created_by": v.CreatedBy, "created_at": v.CreatedAt.Format(time.RFC3339)}
	if !v.PromotedAt.IsZero() {
		out["promoted_by"], out["promoted_at"], out["reason"] = v.PromotedBy, v.PromotedAt.Format(time.RFC3339), v.Reason
	}
	if rep, err := v.Report(); err == nil {
		if h, holdout := rep.Headline(); h.Rows > 0 {
			out["auc"], out["auc_ci"], out["ks"], out["brier"], out["metrics_on"] = h.AUC, []float64{h.AUCLow, h.AUCHigh}, h.KS, h.Brier, map[bool]string{true: "holdout", false: "training"}[holdout]
		}
	}
	return out
}

// runModelRegister: creditbridge model register --db DSN --file model.json [--name N] [--feature-set V]
func runModelRegister(ctx context.Context, e Env, args []string) error {
	var file, name, set string
	cfg, err := parse(e, "model register", args, func(fs *flag.FlagSet) {
		fs.StringVar(&file, "file", "", "the model artefact (JSON written by 'model train')")
		fs.StringVar(&name, "name", modelreg.DefaultName, "model name")
		fs.StringVar(&set, "feature-set", "", "feature-set version the model reads (when trained on platform features)")
	})
	if err != nil {
		return err
	}
	if file == "" {
		return fmt.Errorf("%w: --file is required", errUsage)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	v, err := n.Models.Register(ctx, access.System, modelreg.Registration{Name: name, FeatureSet: set, Artefact: b})
	if err != nil {
		return err
	}
	return printJSON(e.Stdout, versionJSON(v))
}

// runModelTrainPlatform: creditbridge model train-platform --db DSN [--name N] [--promote --reason R]
func runModelTrainPlatform(ctx context.Context, e Env, args []string) error {
	var o modeltrain.RunOptions
	var dates, cutoff string
	cfg, err := parse(e, "model train-platform", args, func(fs *flag.FlagSet) {
		fs.StringVar(&o.Name, "name", modelreg.DefaultName, "model name")
		fs.BoolVar(&o.Promote, "promote", false, "promote the new version to champion (needs --reason)")
		fs.StringVar(&o.Reason, "reason", "", "why the new version becomes the champion (with --promote)")
		fs.StringVar(&dates, "dates", "", "comma-separated observation dates YYYY-MM-DD (default: derived from the loan history)")
		fs.StringVar(&cutoff, "cutoff", "", "outcomes known up to this date (default: the latest loan received)")
		fs.IntVar(&o.StepMonths, "step", 3, "months between derived observation dates")
		fs.IntVar(&o.HorizonMonths, "horizon", 12, "months after each date in which a default makes the row bad")
		fs.IntVar(&o.MaxDates, "max-dates", 6, "most derived observation dates (the latest is the out-of-time holdout)")
		fs.BoolVar(&o.Synthetic, "synthetic", false, "mark the report as trained on a synthetic region")
		d := modeltrain.DefaultFitOptions()
		fs.IntVar(&o.Fit.MaxBins, "max-bins", d.MaxBins, "most value bins per variable")
		fs.Float64Var(&o.Fit.MinShare, "min-share", d.MinShare, "smallest share of rows in a value bin")
		fs.Float64Var(&o.Fit.MinIV, "min-iv", d.MinIV, "drop variables with a lower information value")
		fs.Float64Var(&o.Fit.MaxCorrelation, "max-corr", d.MaxCorrelation, "drop the weaker of two variables whose WOE correlate above this")
		fs.Float64Var(&o.Fit.L2, "l2", d.L2, "ridge penalty of the logistic regression")
	})
	if err != nil {
		return err
	}
	if o.Promote && strings.TrimSpace(o.Reason) == "" {
		return fmt.Errorf("%w: --promote needs --reason", errUsage)
	}
	for _, s := range splitList(dates) {
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			return fmt.Errorf("%w: --dates: %q is not YYYY-MM-DD", errUsage, s)
		}
		o.Dates = append(o.Dates, d)
	}
	if cutoff != "" {
		if o.Cutoff, err = time.Parse(time.DateOnly, cutoff); err != nil {
			return fmt.Errorf("%w: --cutoff: %q is not YYYY-MM-DD", errUsage, cutoff)
		}
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	tr := n.Training.Trainer
	tr.Builder.Progress = func(stage string, done, total int) {
		fmt.Fprintf(e.Stderr, "\r%s %d/%d", stage, done, total)
		if done == total {
			fmt.Fprintln(e.Stderr)
		}
	}
	res, err := tr.Run(ctx, access.System, o)
	if err != nil {
		return err
	}
	return printJSON(e.Stdout, res)
}

// runModelList: creditbridge model list --db DSN [--name N]
func runModelList(ctx context.Context, e Env, args []string) error {
	var name string
	cfg, err := parse(e, "model list", args, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "only this model name")
	})
	if err != nil {
		return err
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	vs, err := n.Models.List(ctx, access.System, modelreg.Filter{Name: name, Limit: 500})
	if err != nil {
		return err
	}
	out := make([]map[string]any, len(vs))
	for i, v := range vs {
		out[i] = versionJSON(v)
	}
	return printJSON(e.Stdout, out)
}

// runModelPromote: creditbridge model promote --db DSN --id N --reason R
func runModelPromote(ctx context.Context, e Env, args []string) error {
	var id int64
	var reason string
	cfg, err := parse(e, "model promote", args, func(fs *flag.FlagSet) {
		fs.Int64Var(&id, "id", 0, "the challenger's version id (model list)")
		fs.StringVar(&reason, "reason", "", "why it becomes the champion")
	})
	if err != nil {
		return err
	}
	if id <= 0 || strings.TrimSpace(reason) == "" {
		return fmt.Errorf("%w: --id and --reason are required", errUsage)
	}
	n, err := openNode(ctx, e, cfg)
	if err != nil {
		return err
	}
	defer n.Close()
	v, err := n.Models.Promote(ctx, access.System, id, reason)
	if err != nil {
		return err
	}
	return printJSON(e.Stdout, versionJSON(v))
}
