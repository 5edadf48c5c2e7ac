// Package mask hides personal information (names, resident identity
// numbers, phone numbers) inside enterprise data before it leaves the
// platform (脱敏). Which fields of which catalogue items are masked, and
// how, is data: a rule list per item code (Rules), with a conservative
// default for every item the catalogue flags as personal. The platform's
// rules (rules.json) are loaded once by the application's wiring
// (Platform) and passed as a *Rules to whatever shares values; the
// package keeps no mutable state of its own.
//
// The package only transforms values; it never decides who may see the
// clear form. That is the access decision point's job (internal/access:
// Decision.Mask.PersonalData), and callers apply the rules exactly when it
// says so. Amounts, dates and periods are not personal and are never
// touched.
package mask
