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
//   - rows are streamed; memory does not grow with the file's rows: the
//     within-batch duplicate check is a fixed-size filter and a window of
//     recent rows (dups.go), history is read and chunks stored a few
//     chunks at a time. What grows is per enterprise (the credit code →
//     id cache; registry rows also keep one key per row, bounded by the
//     registry) and the error report, which is capped (Options.MaxErrors);
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
//     cannot be caught); a plausible but suspect value (VAT payable and
//     VAT sales of a row at a ratio no VAT rate gives) is stored and
//     listed in the report as a warning (Problem.Severity), counted in
//     Result.Warnings, for the department to confirm.
//
// This package must never store a row it could not fully validate, nor
// register an enterprise unless the dataset's unknown_enterprise policy is
// "register" (registration rows only).
package ingest
