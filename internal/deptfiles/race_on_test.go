//go:build race

package deptfiles

// raceEnabled shrinks the largest region under the race detector, which
// slows writing about tenfold; the race-free run keeps the full size.
const raceEnabled = true
