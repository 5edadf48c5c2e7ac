// Package demo prepares a node for a first look: the small synthetic region
// (internal/synth: 2,000 enterprises with 36 months of department data,
// loaded by internal/seed through the domain services, so every record is
// validated and has its evidence entry like any other), and one
// organisation and one account per role.
//
// It never runs against a node that already holds data of its own: Seed is
// a no-op when demo accounts exist.
package demo
