//go:build race

package synth

// raceEnabled shrinks the heavy tests under the race detector, which
// slows generation about tenfold.
const raceEnabled = true
