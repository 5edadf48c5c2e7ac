// Package access is the one access decision point: every read of enterprise
// data asks Decide, and the Guard records the decision (allow or deny) as an
// evidence entry before any data leaves the platform.
//
// It never returns data itself and never lets a caller skip the evidence
// entry: if the entry cannot be written, the read is refused. Later issues
// extend Decide with authorizations, item grades and objections; callers do
// not change.
package access
