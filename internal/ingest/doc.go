// Package ingest is physical aggregation (物理归集): it reads a
// department's file (CSV, XLSX or JSON lines; UTF-8, UTF-8 with BOM or
// GB18030), maps its columns to catalogue items as a Dataset says, checks
// every row, and stores the good rows as facts with their provenance
// (department, batch, physical row, received time) in one transaction with
// the batch record and one evidence entry ("ingest.batch").
//
// A Dataset is data, not code: it can be written by hand as JSON or
// derived from a deptfiles manifest entry (FromManifest).
//
// Contracts:
//   - rows are streamed; memory does not grow with the file except for
//     the within-batch duplicate set (8 bytes per distinct row) and the
//     error report, which is capped (Options.MaxErrors);
//   - text that does not decode cleanly in the file's encoding is an error
//     naming the row, and nothing of the batch is stored: it is never
//     stored as mojibake;
//   - a bad row never stops the batch: it goes to the error report with
//     its physical row number, column, value and reason (zh and en);
//   - the same batch id or the same file content (SHA-256) a second time
//     changes nothing;
//   - a batch is visible entirely or not at all.
//
// This package must never store a row it could not fully validate, nor
// register enterprises (a register-on-ingest policy is not implemented).
package ingest
