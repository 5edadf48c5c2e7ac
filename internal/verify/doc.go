// Package verify answers verification questions (数据核验): an institution
// asks about one enterprise, in a small expression language over named
// variables derived from catalogue items ("tax_paid_12m >= 1000000"), and
// gets true, false or unknown — never the value — as a signed attestation
// (compact JWS, EdDSA/Ed25519) that anyone can check against the node's
// JWKS.
//
// The language is CEL (cel.dev/cel-go) restricted to comparisons of one
// variable with literals, "in" lists, "between … and …" (rewritten to two
// comparisons), the boolean connectives and legal_rep_id_matches("<sha256
// hex>"); arithmetic, other functions and macros are refused, so a question
// can only ever reveal one bit. Variables are listed in Variables with their
// unit, the catalogue items they read and when they are unknown.
//
// Values are read only through sharing.Service.Read in verify mode, so the
// access decision point decides every verification and the evidence log
// records it; the values themselves never leave this package. Limits per
// institution, enterprise and item (distinct thresholds, narrowing
// sequences) stop a caller from extracting a value by repeated questions;
// a refusal names the limit and when it resets, and is a denied evidence
// entry.
package verify
