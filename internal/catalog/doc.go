// Package catalog is the catalogue of shared information (信用信息共享清单):
// what each department provides, in which shape and unit, how often, how it
// may be shared and disclosed, its data grade, whether it holds personal
// information, and on what legal basis (DOMAIN.md §5-§6).
//
// The catalogue is versioned data, never code: every change is a new
// version of the item with its author and reason, recorded in the evidence
// log in the same transaction. The default catalogue (defaults.json) is
// loaded once, on the first start of an empty database. This package never
// reads or returns enterprise data; it only describes it.
package catalog
