// Package creditcode parses and validates unified social credit codes
// (统一社会信用代码, GB 32100-2015), the 18-character identifier of every
// enterprise and organisation in China, and computes their check character.
//
// A code is 1 registration-authority character, 1 entity-type character, the
// 6-digit administrative division (GB/T 2260) of the registering authority,
// the 9-character organisation code and 1 check character, all drawn from
// "0123456789ABCDEFGHJKLMNPQRTUWXY" (no I, O, Z, S or V).
//
// The package is pure computation over the standard: it never looks a code up
// in a register, never decides that a code belongs to a real enterprise (a
// well-formed code may be unassigned or revoked), and never rejects a code for
// its registration-authority or entity-type characters, which are allocated by
// the authorities over time. Errors are fault.Invalid values whose codes are
// listed in Messages.
package creditcode
