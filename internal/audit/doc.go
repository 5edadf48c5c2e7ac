// Package audit is the evidence log: an append-only, hash-chained record of
// every sign-in, administrative change and read of enterprise data, with
// checkpoints signed by the node's Ed25519 key.
//
// An auditor holding the node's public key can verify the whole log without
// trusting the operator: an edited, deleted or reordered entry breaks the
// chain, and a truncated tail is caught by the last signed checkpoint. This
// package never updates or deletes an entry.
package audit
