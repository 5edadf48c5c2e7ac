// Package quality holds the data-quality rules of the department data
// (completeness, freshness against the catalogue's declared frequency,
// ranges, cross-field consistency), evaluates them and keeps each run's
// results with a few example enterprises per failing rule.
//
// Rules are data (a versioned JSON rule set, with a default set for the
// synthetic region's items), never code. Every rule is evaluated by the
// store as one set-based aggregate over the facts of one or two items in a
// window of recent periods, so a run never loads the facts into memory and
// stays in seconds on a region of 100,000 enterprises.
//
// A run is started after a batch (AfterBatch, for the batch's department),
// daily (Scheduler) or by an operator administrator; each run leaves one
// evidence entry in the same transaction as its results. This package must
// never change a fact: it only reads and reports.
package quality
