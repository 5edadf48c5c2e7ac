// Package features computes an enterprise's credit features as of an
// instant from the data known then (DOMAIN.md §7): declarative, versioned
// definitions (defs/v1.json, the set "features/v1") interpreted by a small
// closed set of operators, and an Engine that reads one enterprise's facts
// and loans once and computes every feature in memory.
//
// Point in time: Compute asks the store for facts received at or before
// the as-of instant, in the version current then, with periods not after
// it, and uses loan rows received by then (knownLoans). A feature computed
// as of D therefore never changes when data received after D arrives —
// TestNoLookAhead checks this on every backend. The registry record is the
// one exception the package cannot version: enterprise.Store keeps only
// the current record, so the set reads from it only what does not change
// (founding date) or hardly does (industry section); registration status
// is read from the dated deregistration and revocation events instead.
//
// What it must never do: decide access. The engine reads through the
// Reader it is given; callers (the scoring job, training, the API) wrap
// the store in the access decision point (access.Guard.Read) so that every
// read leaves an evidence entry. Nor may it read the clock: the as-of
// instant is always the caller's.
//
// Subpackage invoice computes features from invoice records (the CUMCM
// SME invoice data) where the records themselves are at hand.
package features
