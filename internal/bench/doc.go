// Package bench measures the store against the raw database it runs on:
// how many enterprises per second the platform's storage path registers
// and looks up, next to what the same backend does with plain SQL and its
// bulk fast path. The ratio is the price of the store (transactions, the
// audit chain, indexes, the adapter); a change that moves it should be
// deliberate.
//
// Bench never touches existing data: it refuses a SQLite file that holds
// enterprises, and on PostgreSQL it works in a fresh schema it drops at the
// end.
package bench
