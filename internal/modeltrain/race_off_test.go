//go:build !race

package modeltrain_test

const raceEnabled = false
