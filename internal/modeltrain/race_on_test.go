//go:build race

package modeltrain_test

// raceEnabled shrinks the synthetic region under the race detector, which
// slows SQLite (modernc) and the generator about tenfold; the shrunk run
// keeps every check except the AUC bound, which needs the full region.
const raceEnabled = true
