package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"

	"github.com/creditbridge/creditbridge/internal/config"
	"github.com/creditbridge/creditbridge/internal/deptfiles"
)

// demoFilesDir is where the demo writes its region's department files.
func demoFilesDir(cfg config.Config) string { return filepath.Join(cfg.DataDir, "department-files") }

// registerDemoDatasets registers the dataset definitions of the demo
// region's department files (from their manifest), so that department
// officers can submit those files on the data-submission page. A demo
// data directory from before the files were written has no manifest:
// nothing to register then.
func registerDemoDatasets(ctx context.Context, n *Node, cfg config.Config) error {
	k, err := n.Ingest.RegisterManifest(ctx, filepath.Join(demoFilesDir(cfg), deptfiles.ManifestName))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("register the demo datasets: %w", err)
	}
	if k > 0 {
		n.Log.Info("demo dataset definitions registered", "datasets", k, "files", demoFilesDir(cfg))
	}
	return nil
}
