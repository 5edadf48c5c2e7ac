// Package storetest is the conformance suite every store.Store backend must
// pass: one case (at least) per Store method, its error contracts,
// transactions, time round-trips, concurrent audit appends and the four
// ways of tampering with the evidence log that audit.Verify must catch.
//
// A backend's test calls Run with a Harness that opens a fresh, migrated,
// empty store per case. Cases run in parallel, each on its own store, so
// no case depends on another's data. This package is imported only by
// tests.
package storetest
