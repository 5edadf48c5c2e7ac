// Package sharing reads catalogue items of one enterprise for a caller:
// the one path by which shared data leaves the platform (the data API,
// verification answers, and later reports and monitoring).
//
// Each item is read the way the catalogue says it is shared: items
// copied in (物理归集, mode physical) come from the facts store, with
// their provenance and, for a point-in-time read, as they were known on a
// date; items shared by interface call (接口调用) are fetched live from the
// department through a Live implementation (internal/connector), and each
// call is recorded in the evidence log. Every read passes the access
// decision point first (access.Guard.Read): a denial is an evidence entry
// and a fault.Forbidden with a reason the caller can act on.
package sharing
