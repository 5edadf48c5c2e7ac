package quality

import (
	_ "embed"
)

//go:embed defaults.json
var defaultsJSON []byte

// Defaults returns the default rule set: rules on the items the
// synthetic region's departments send (internal/synth), with thresholds
// set from what that region's data looks like when nothing is wrong.
func Defaults() (RuleSet, error) { return ParseRules(defaultsJSON) }
