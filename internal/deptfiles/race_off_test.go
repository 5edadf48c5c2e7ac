//go:build !race

package deptfiles

const raceEnabled = false
