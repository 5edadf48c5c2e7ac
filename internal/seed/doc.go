// Package seed loads a synthetic region (internal/synth) into a node: the
// enterprises into the registry and the departments' facts and loans into
// the fact store, in batches through the domain services and the store's
// bulk paths, each batch one transaction with its evidence entries; and,
// optionally, writes the same region as department files (internal/deptfiles).
//
// It spans domains (registry, facts, evidence), so it lives above them. It
// never writes into a database that already holds enterprises of the same
// codes: a duplicate fails the batch and nothing of it remains.
package seed
