// Package indicator is the expert indicator system (专家指标体系) of credit
// evaluation, in the spirit of GB/T 23794-2023: dimensions (identity and
// stability, operating capacity, compliance, innovation and honours,
// financing behaviour), each with a weight, and within each dimension
// indicators that turn one named feature into a 0-100 score through a
// declarative scoring function. The weighted total is graded on the
// GB/T 22116 scale (AAA, AA, A, BBB, BB, B, CCC, CC, C) by cut-offs that
// are part of the data, and every result carries each dimension's and each
// indicator's points, so a bank officer sees why (DOMAIN.md §7).
//
// A System is versioned data, never code: the default
// (systems/default.json) is stored as the first version on the first
// start; operators import new versions and activate one, and every change
// is an evidence entry. The scoring functions are a closed set interpreted
// here (piecewise-linear, steps, categorical, count penalty, boolean), and
// a missing feature follows its indicator's explicit missing policy: a
// stated score, or dropping the indicator with its weight spread over the
// dimension's other indicators. Nothing scores 0 silently.
//
// Who uses it: the scoring job computes a features.Vector per enterprise
// through the access decision point and evaluates it with the active
// system:
//
//	sys, err := node.Indicators.Active(ctx) // or indicator.Active(ctx, store, known)
//	...
//	res := sys.Evaluate(vec) // res.Score, res.Grade, res.Dimensions[i].Points ...
//
// Active reads the active version's row (one query) and reuses the parsed
// system while it is unchanged, so call it once per batch and again
// before the next; Result.SystemVersion names the version a stored
// result came from. This package never reads enterprise data: Evaluate is
// pure and deterministic, and the Service reads and writes only
// indicator-system versions and their evidence entries.
package indicator
