// Package app is the one place that wires configuration, keys, the store,
// the domain services, the HTTP surface and background jobs together, and
// runs the creditbridge command line.
//
// Nothing else constructs services; nothing here holds business rules.
package app
