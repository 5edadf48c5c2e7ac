// Package ingestqueue is physical aggregation over the network: it keeps
// the dataset definitions operators register, takes department files
// submitted through the API or the web UI, spools each upload to the data
// directory (streamed, size-limited, hashed on the way: never held in
// memory), records the batch as queued, and runs ingest.File on it in the
// background, one batch at a time, with live progress. A batch's end
// state and its error report are written in the batch's own transaction,
// so both survive restarts exactly when its data does; a node that stops
// mid-batch runs queued and running batches again when it starts (the
// interrupted run stored nothing).
//
// It must never let a principal submit or see another department's
// batches (see ingestjob's rules), nor keep an upload it did not record.
package ingestqueue
