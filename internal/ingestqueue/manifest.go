package ingestqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"

	"github.com/creditbridge/creditbridge/internal/deptfiles"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/ingest"
)

// ManifestDatasets derives one dataset definition per kind of file a
// deptfiles manifest lists (ingest.FromManifest), named
// "<department>/<dataset>" and, for correction files, "…/v<version>".
// Files whose rows ingest cannot store are skipped; the first file of a
// name defines it.
func ManifestDatasets(m deptfiles.Manifest) []ingest.Dataset {
	var out []ingest.Dataset
	seen := map[string]bool{}
	for _, f := range m.Files {
		ds, err := ingest.FromManifest(f)
		if err != nil {
			continue
		}
		if ds.Version > 1 {
			ds.Name += "/v" + strconv.Itoa(ds.Version)
		}
		if seen[ds.Name] || !ValidName(ds.Name) {
			continue
		}
		seen[ds.Name] = true
		out = append(out, ds)
	}
	return out
}

// RegisterManifest registers the datasets of the manifest at path that
// are not registered yet or whose definition changed, and returns how
// many it saved.
func (s *Service) RegisterManifest(ctx context.Context, path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var m deptfiles.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return 0, fmt.Errorf("manifest %s: %w", path, err)
	}
	n := 0
	for _, ds := range ManifestDatasets(m) {
		spec, err := json.Marshal(ds)
		if err != nil {
			return n, err
		}
		have, err := s.Store.DatasetByName(ctx, ds.Name)
		switch {
		case err == nil && have.Spec == string(spec):
			continue
		case err != nil && !fault.Is(err, fault.NotFound):
			return n, err
		}
		if _, err := s.RegisterDataset(ctx, ds); err != nil {
			return n, errors.Join(fmt.Errorf("dataset %s", ds.Name), err)
		}
		n++
	}
	return n, nil
}
