// Package account holds organisations, users, roles, sign-in sessions and API
// keys: who may act on the platform and as whom.
//
// It never stores a password, session token or API key in the clear: only
// argon2id hashes (passwords) and SHA-256 digests (tokens, keys) reach the
// Store. Secrets are shown exactly once, to their creator.
package account
