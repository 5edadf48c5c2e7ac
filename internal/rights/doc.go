// Package rights is the data subject's rights over its records (DOMAIN.md
// §6): objections (异议) and credit repair (信用修复).
//
// An enterprise disputes a stored record (a fact: item, period, ref) with a
// reason and attachments; the objection goes to the queue of the item's
// source department, which confirms the record, corrects it (a new version
// of the fact whose provenance names the objection) or rejects the
// objection with a reason, within a deadline; an objection still open at its
// deadline is escalated to the operator. While an objection is pending the
// record carries an "under objection" mark wherever internal/sharing shows
// or shares it.
//
// For penalties and list entries (catalogue categories "penalty" and
// "list") the enterprise applies for credit repair with evidence; the
// operator approves or rejects. A repaired record is no longer shown or
// shared to institutions, nor to departments other than its source (the
// subject itself, operators and auditors still see it, marked repaired), and
// its enterprise is queued for recomputation of anything derived from it.
//
// Every transition is an evidence entry written in the transaction that
// makes it, and the enterprise is notified of every outcome. The package
// never deletes or edits a fact: a correction is a new version, and the
// repaired record stays stored.
package rights
