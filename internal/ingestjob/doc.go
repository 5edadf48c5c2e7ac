// Package ingestjob holds what the platform keeps about physical
// aggregation over the network: dataset definitions registered on the
// server (the ingest.Dataset JSON, as data) and submitted batches (jobs)
// with their state, counts and error reports, plus the rules saying who
// may define, submit and read them. It is a leaf: storage implements its
// Store, and internal/ingestqueue runs the jobs.
//
// It must never decide anything from a file's content (that is
// internal/ingest's work) nor import the storage adapters.
package ingestjob
