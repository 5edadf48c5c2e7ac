package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// defaultsJSON is the default catalogue loaded on first start: every
// category of DOMAIN.md §5 and every item the synthetic departments emit.
// It is data, not code; operators change the catalogue afterwards through
// the UI or the API.
//
//go:embed defaults.json
var defaultsJSON []byte

// Defaults returns the default catalogue, validated.
func Defaults() ([]Item, error) {
	var items []Item
	if err := json.Unmarshal(defaultsJSON, &items); err != nil {
		return nil, fmt.Errorf("catalog: defaults.json: %w", err)
	}
	out, err := validateAll(items, func(i int) string { return fmt.Sprintf("defaults[%d].", i) })
	if err != nil {
		var fe *fault.FieldsError
		if asFields(err, &fe) {
			return nil, fmt.Errorf("catalog: defaults.json: %v", fe.Fields)
		}
		return nil, fmt.Errorf("catalog: defaults.json: %w", err)
	}
	return out, nil
}
