// Package demo prepares a node for a first look: one organisation and one
// account per role, and a few hundred registered enterprises in one
// province, generated deterministically with valid credit codes and identity
// numbers. It works only through the domain services, so every record it
// makes is validated and has its evidence entry like any other.
//
// It never runs against a node that already holds data of its own: Seed is
// a no-op when demo accounts exist.
package demo
