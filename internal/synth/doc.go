// Package synth generates a synthetic region: a population of small and
// medium enterprises of one province, with the registration data market
// regulation holds, the monthly data the departments share (tax, social
// insurance, housing fund, electricity, water, gas), the events they report
// (penalties, court cases, list entries, licences, honours, registration
// changes) and the loans institutions share back. It feeds the seed
// loader, the department files, the benchmarks and the demo.
//
// # Model
//
// Each enterprise follows a hidden monthly health path (Hidden.Health): an
// AR(1) deviation around a level that carries its trajectory (stable,
// growth, a decline from a random onset, persistent distress, or a dormant
// shell), a possible one-off shock, its industry's exposure to the business
// cycle and its city's regional factor (one city goes through a downturn
// in the middle third of the window). Staff, revenue, taxes, contributions
// and utility use follow the path with noise and seasonality; arrears build
// up when the firm is short of cash; court cases, penalties and list
// entries are more frequent under stress; firms in persistent distress
// leave the market. Departments deliver late (a department-specific lag),
// miss months (random gaps and whole-department outages, more for small
// departments) and sometimes correct a record (version 2). A loan defaults
// in a month with a hazard that rises when health is low and, above all,
// when it has fallen below the firm's own normal; the hazard's intercept is
// calibrated on a fixed pilot so that Config.DefaultRate of the borrowers
// default within 12 months. Signals computed from data known before a
// loan's start therefore carry real but imperfect information; Summarize
// measures how much.
//
// # Determinism
//
// Enterprise(i) is a pure function of the Config and i: every draw comes
// from streams seeded by (Seed, i, stage), and the region-wide paths and
// the calibration depend on the Config only (not on which enterprises are
// generated, nor on their number). The same Config gives the same region
// on the same architecture; floating-point functions may differ in the last
// bit across architectures, which can move a rare value across a rounding
// boundary.
//
// # Synthetic by construction
//
// Nothing generated describes a real company or person, and every record
// says so where a reader sees it: enterprise and parent-company names end
// in MarkerZH / MarkerEN ("（模拟）", " (synthetic)"); every event's Detail
// carries "synthetic": true; identity numbers use the sequence codes
// 996-999, kept for people aged over 100, with birth dates 25-65 years
// back, so they are valid in form but belong to no one; phone numbers are
// in the 170-0000 block. Lender names follow real institutions' naming
// patterns, since only the borrower needs to be fictitious.
//
// The package never reads files or the network and never writes anything;
// Hidden is the latent truth for tests and summaries and must never be
// written to department files or served as data.
package synth
