// Package ingest is physical aggregation (物理归集): it reads a
// department's file (CSV, XLSX or JSON lines; UTF-8, UTF-8 with BOM or
// GB18030), maps its columns to catalogue items as a Dataset says, checks
// every row, and stores the good rows as facts with their provenance
// (department, batch, physical row, received time) in one transaction with
// the batch record and one evidence entry ("ingest.batch").
//
// A Dataset is data, not code: it can be written by hand as JSON or
// derived from a deptfiles manifest entry (FromManifest). Rows are measures
// and facts, or registry rows: a registration snapshot (profile rows:
// enterprises registered or updated through internal/enterprise, the legal
// representative's identity sealed as for any registration), shareholders
// (registration.shareholders attribute facts, a natural person's identity
// sealed and shown masked) and institutions' loans (appended; a re-sent
// contract with the same terms is counted unchanged, with other terms it
// is a bad row).
//
// Contracts:
//   - rows are streamed; memory does not grow with the file except for
//     the within-batch duplicate set (a 64-bit hash and a row number per
//     distinct row: about 20 bytes), the credit code → id cache (one
//     entry per enterprise; registry rows also keep one key per row) and
//     the error report, which is capped (Options.MaxErrors);
//   - text that does not decode cleanly in the file's encoding is an error
//     naming the row, and nothing of the batch is stored: it is never
//     stored as mojibake;
//   - a bad row never stops the batch: it goes to the error report with
//     its physical row number, column, value and reason (zh and en);
//   - the same batch id or the same file content (SHA-256) a second time
//     changes nothing;
//   - a batch is visible entirely or not at all: a process killed mid-batch
//     leaves nothing, and the same file loads again after restart;
//   - money is checked for unit errors (see plausible.go for what can and
//     cannot be caught).
//
// This package must never store a row it could not fully validate, nor
// register an enterprise unless the dataset's unknown_enterprise policy is
// "register" (registration rows only).
package ingest
