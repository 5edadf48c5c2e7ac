// Package enterprise is the registry of enterprises: identity (the unified
// social credit code), region, industry, size, status, legal representative
// and the history of attribute changes.
//
// Personal data (the legal representative's name and identity number) is
// sealed before it reaches the Store and shown masked; this package never
// returns it in the clear to anyone but the caller that sealed it. Every read
// goes through the access decision point and leaves an evidence entry; the
// Service enforces that, the Store does not.
package enterprise
