package mask

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// Rule masks one field of an item's values.
type Rule struct {
	// Field is "text", "ref", "detail.KEY" (a top-level key of the JSON
	// object in Detail) or "detail.*" (every key of Detail no other rule
	// names).
	Field string `json:"field"`
	Kind  Kind   `json:"kind"`
	// When, if set ("KEY=VALUE"), applies the rule only to values whose
	// Detail has that top-level string; the first rule for a field whose
	// condition holds wins.
	When string `json:"when,omitempty"`
}

// Rules are the masking rules per catalogue item code. A value is loaded
// once (Platform or Parse) by the application's wiring and handed to
// whatever shares values; it is never changed afterwards, so it is safe
// for concurrent use. A nil *Rules has no rules of its own: every item the
// catalogue flags personal is masked by the fallback, which is the safe
// side (就高从严).
type Rules struct {
	items map[string][]Rule
}

// platformRules are the platform's rules for the items of the default
// catalogue that carry personal information. Read only by Platform.
//
//go:embed rules.json
var platformRules []byte

// Platform parses the platform's rules (rules.json).
func Platform() (*Rules, error) { return Parse(platformRules) }

// fallback masks a personal item that has no rules of its own: the text is
// treated as a name (the strictest form that keeps a hint), identity and
// mobile numbers are masked in the reference, and the detail is dropped.
// "When in doubt, grade higher" (就高从严).
func fallback() []Rule {
	return []Rule{{Field: "text", Kind: KindName}, {Field: "ref", Kind: KindText}, {Field: "detail.*", Kind: KindDrop}}
}

// Parse reads rules from JSON ({"item": [{"field":..., "kind":...}]}) and
// validates them.
func Parse(b []byte) (*Rules, error) {
	var items map[string][]Rule
	if err := json.Unmarshal(b, &items); err != nil {
		return nil, fmt.Errorf("mask: rules: %w", err)
	}
	rs := &Rules{items: items}
	if err := rs.validate(); err != nil {
		return nil, err
	}
	return rs, nil
}

// validate checks every rule's field, kind and condition.
func (rs *Rules) validate() error {
	for item, rules := range rs.items {
		for i, r := range rules {
			switch {
			case r.Field != "text" && r.Field != "ref" && (!strings.HasPrefix(r.Field, "detail.") || r.Field == "detail."):
				return fmt.Errorf("mask: rule %d of %s: unknown field %q", i+1, item, r.Field)
			case !slices.Contains(Kinds(), r.Kind):
				return fmt.Errorf("mask: rule %d of %s: unknown kind %q", i+1, item, r.Kind)
			case r.When != "" && !strings.Contains(r.When, "="):
				return fmt.Errorf("mask: rule %d of %s: condition %q is not KEY=VALUE", i+1, item, r.When)
			}
		}
	}
	return nil
}

// Items lists the item codes that have rules of their own, sorted.
func (rs *Rules) Items() []string {
	if rs == nil {
		return nil
	}
	out := make([]string, 0, len(rs.items))
	for item := range rs.items {
		out = append(out, item)
	}
	slices.Sort(out)
	return out
}

// For returns (a copy of) the rules of item: its own, else the fallback
// when the catalogue flags it personal, else none.
func (rs *Rules) For(item string, personal bool) []Rule {
	if rs != nil {
		if r, ok := rs.items[item]; ok {
			return slices.Clone(r)
		}
	}
	if personal {
		return fallback()
	}
	return nil
}

// Fields are the parts of one shared value that may carry personal
// information. Numbers, periods and dates are never personal.
type Fields struct {
	Text   string
	Ref    string
	Detail json.RawMessage
}

// Apply masks f by the rules of item. hide is the access decision's
// Mask.PersonalData: when false only KindSecret rules apply. masked
// reports that rules applied with hide set (the value is shown in masked
// form). A Detail that is not a JSON object is dropped when any detail
// rule would apply to it: what cannot be inspected is not shown.
func (rs *Rules) Apply(item string, personal, hide bool, f Fields) (out Fields, masked bool) {
	rules := rs.For(item, personal)
	if len(rules) == 0 {
		return f, false
	}
	var detail map[string]json.RawMessage
	if len(f.Detail) > 0 {
		if err := json.Unmarshal(f.Detail, &detail); err != nil || detail == nil {
			detail = nil
		}
	}
	cond := func(r Rule) bool {
		if r.When == "" {
			return true
		}
		k, v, _ := strings.Cut(r.When, "=")
		var s string
		return detail != nil && json.Unmarshal(detail[k], &s) == nil && s == v
	}
	// pick is the rule that applies to field, or nil.
	pick := func(field string) *Rule {
		for i := range rules {
			if rules[i].Field == field && cond(rules[i]) {
				if !hide && rules[i].Kind != KindSecret {
					return nil
				}
				return &rules[i]
			}
		}
		return nil
	}
	out = f
	if r := pick("text"); r != nil {
		out.Text = Value(r.Kind, f.Text)
	}
	if r := pick("ref"); r != nil {
		out.Ref = Value(r.Kind, f.Ref)
	}
	if len(f.Detail) > 0 {
		out.Detail = rs.detail(f.Detail, detail, pick, hide, rules)
	}
	return out, hide
}

// detail masks a Detail object key by key.
func (rs *Rules) detail(raw json.RawMessage, obj map[string]json.RawMessage, pick func(string) *Rule, hide bool, rules []Rule) json.RawMessage {
	if obj == nil {
		for _, r := range rules {
			if strings.HasPrefix(r.Field, "detail.") && (hide || r.Kind == KindSecret) {
				return nil
			}
		}
		return raw
	}
	changed := false
	for k, v := range obj {
		r := pick("detail." + k)
		if r == nil {
			r = pick("detail.*")
		}
		if r == nil {
			continue
		}
		if r.Kind == KindDrop || r.Kind == KindSecret {
			delete(obj, k)
			changed = true
			continue
		}
		var s string
		if json.Unmarshal(v, &s) != nil {
			continue // numbers and booleans are not personal
		}
		if m := Value(r.Kind, s); m != s {
			b, _ := json.Marshal(m)
			obj[k] = b
			changed = true
		}
	}
	if !changed {
		return raw
	}
	if len(obj) == 0 {
		return nil
	}
	b, err := json.Marshal(obj)
	if err != nil {
		return nil
	}
	return b
}
