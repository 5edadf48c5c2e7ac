// Package audit is the evidence log: an append-only, hash-chained record of
// every sign-in, administrative change and read of enterprise data, with
// checkpoints signed by the node's Ed25519 key.
//
// An auditor holding the node's public key can verify the whole log without
// trusting the operator: an edited, deleted or reordered entry breaks the
// chain, and a truncated tail is caught by the last signed checkpoint. This
// package never updates or deletes an entry.
//
// # Evidence export
//
// An auditor exports the evidence about an institution (the acting
// organisation), an enterprise or a time range with its chain proof
// (WriteExport, Service.Export) and checks it offline (VerifyExport,
// `creditbridge audit verify --export FILE`). The file is JSON lines: a
// header (filter, range, the node's public keys), the entries of one
// contiguous range of the chain in full, each flagged selected or not, a
// checkpoint line after every entry a signed checkpoint covers, and an end
// line with the SHA-256 of every byte before it.
//
// Why the range holds unselected entries in full: an entry's hash is one
// SHA-256 over its content and its predecessor's hash, so entry i links to
// entry i+1 only through i+1's full content; a list of bare hashes between
// the selected entries would prove nothing (any list of hex strings "links").
// The chain's form cannot change without breaking every existing log, so
// the proof carries every entry from the first selected one (or, with a
// start time, from the last entry before the window) up to the first
// signed checkpoint at or after the last selected one. Auditors may read
// the whole log anyway, and the full range buys a second property:
// the verifier re-applies the filter to every entry, so a matching entry
// hidden from the selection, or a non-matching one slipped in, is caught,
// not only an edited one. Entries after the last signed checkpoint cannot
// be proven yet: they are left out and counted (the node signs its head
// every minute; the CLI export signs it first).
//
// Verification checks each entry's hash, the consecutive sequence numbers
// and links, every checkpoint's signature and that it matches the entry it
// follows, that the range ends on a checkpoint, the selected flags, the
// header's counts and the end digest. The digest is unkeyed: it catches
// damage and any edit to informational header fields (who exported, when)
// that a forger did not also redo; everything with evidential weight is
// protected by the chain and the node's signature, provided the verifier
// pins the node's published key (--pubkey) instead of trusting the keys
// the file carries.
package audit
