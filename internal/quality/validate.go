package quality

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/fault"
)

var ruleIDRE = regexp.MustCompile(`^[a-z][a-z0-9_.\-]{1,99}$`)

func invalid(code, msg string) *fault.Error { return fault.New(fault.Invalid, code, msg) }

// Validate checks a rule set against the catalogue's item codes (items maps
// a code to its shape) and returns every problem as one fault.Invalid with
// per-field errors named "rules[i].field".
func Validate(rs RuleSet, items map[string]string) (RuleSet, error) {
	var fs fault.Fields
	if rs.WindowMonths == 0 {
		rs.WindowMonths = 3
	}
	if rs.Examples == 0 {
		rs.Examples = 5
	}
	if rs.WindowMonths < 1 || rs.WindowMonths > 36 {
		fs.Add("window_months", invalid("quality.window", "the window must be 1 to 36 months").With("value", strconv.Itoa(rs.WindowMonths)))
	}
	if rs.Examples < 1 || rs.Examples > 20 {
		fs.Add("examples", invalid("quality.examples", "keep 1 to 20 examples per rule").With("value", strconv.Itoa(rs.Examples)))
	}
	if len(rs.Rules) == 0 {
		fs.Add("rules", invalid("quality.rules_empty", "the rule set holds no rules"))
	}
	seen := map[string]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		at := fmt.Sprintf("rules[%d].", i)
		r.ID, r.Kind, r.Item, r.Other, r.Check = strings.TrimSpace(r.ID), strings.TrimSpace(r.Kind), strings.TrimSpace(r.Item),
			strings.TrimSpace(r.Other), strings.TrimSpace(r.Check)
		if !ruleIDRE.MatchString(r.ID) {
			fs.Add(at+"id", invalid("quality.rule_id", "a rule id is 2 to 100 lower-case letters, digits, '.', '_' or '-'").With("value", r.ID))
		} else if seen[r.ID] {
			fs.Add(at+"id", invalid("quality.rule_duplicate", "duplicate rule id").With("value", r.ID))
		}
		seen[r.ID] = true
		if !slices.Contains(Kinds, r.Kind) {
			fs.Add(at+"kind", invalid("quality.kind", "unknown rule kind").With("value", r.Kind))
			continue
		}
		shape, known := items[r.Item]
		if !known {
			fs.Add(at+"item", invalid("quality.item", "no catalogue item has this code").With("value", r.Item))
		}
		switch r.Kind {
		case KindCompleteness:
			if r.MinRate <= 0 || r.MinRate > 1 {
				fs.Add(at+"min_rate", invalid("quality.min_rate", "the minimum collection rate must be above 0 and at most 1").With("value", fmt.Sprint(r.MinRate)))
			}
			if known && shape != "measure" {
				fs.Add(at+"item", invalid("quality.measure_only", "completeness and freshness apply to periodic measures").With("value", r.Item))
			}
		case KindFreshness:
			if known && shape != "measure" {
				fs.Add(at+"item", invalid("quality.measure_only", "completeness and freshness apply to periodic measures").With("value", r.Item))
			}
		case KindRequired:
			if len(r.Fields) == 0 {
				fs.Add(at+"fields", invalid("quality.fields", "name the fields that must be filled (num, text, ref, ends_on, detail)").With("value", ""))
			}
			for _, f := range r.Fields {
				if !slices.Contains(RequiredFields, f) {
					fs.Add(at+"fields", invalid("quality.fields", "name the fields that must be filled (num, text, ref, ends_on, detail)").With("value", f))
				}
			}
		case KindRange:
			switch {
			case r.Min == nil && r.Max == nil:
				fs.Add(at+"min", invalid("quality.range_empty", "a range rule needs a minimum, a maximum or both"))
			case r.Min != nil && r.Max != nil && *r.Min > *r.Max:
				fs.Add(at+"max", invalid("quality.range_order", "the maximum must not be below the minimum"))
			}
		case KindConsistency:
			switch r.Check {
			case CheckLE:
				if _, ok := items[r.Other]; !ok {
					fs.Add(at+"other", invalid("quality.item", "no catalogue item has this code").With("value", r.Other))
				}
			case CheckEndsAfterStart:
			default:
				fs.Add(at+"check", invalid("quality.check", "the consistency check must be le or ends_after_start").With("value", r.Check))
			}
		}
		if r.GraceDays < 0 || r.GraceDays > 366 {
			fs.Add(at+"grace_days", invalid("quality.grace", "the grace period must be 0 to 366 days").With("value", strconv.Itoa(r.GraceDays)))
		}
		if r.MaxFailRate < 0 || r.MaxFailRate > 1 {
			fs.Add(at+"max_fail_rate", invalid("quality.max_fail_rate", "the tolerated failure share must be 0 to 1").With("value", fmt.Sprint(r.MaxFailRate)))
		}
	}
	if err := fs.Err(); err != nil {
		return RuleSet{}, err
	}
	return rs, nil
}
