// Package region holds the GB/T 2260 administrative divisions (行政区划) that
// CreditBridge uses to place an enterprise in its home province, city and
// county: the division code inside a unified social credit code, the address
// code of an identity number, and the routing key of the national network.
//
// The table is embedded data (divisions.csv; README.md says which edition it
// follows and what it covers) and is read-only at run time. The package never
// fetches division data from the network, never guesses a name for a code
// that is not in the table, and never treats a well-formed but unlisted
// county code as an error: Resolve fills a Path as far as the table knows.
package region
