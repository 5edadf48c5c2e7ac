// Package monitor is the platform's security monitoring (DOMAIN.md §6): rate
// limits per institution, user and API key; a detector that reads the
// evidence log incrementally and raises alerts on misuse (reads of many
// enterprises without an application behind them, volume far above an
// institution's own baseline, bursts of denied reads, sequential scanning
// of credit codes, bulk reads at night, exports above normal); and the
// suspension of users, API keys and institutions, which refuses their next
// request.
//
// It never reads enterprise data itself: it sees only evidence entries
// (who, which enterprise, which items, outcome, time) and request
// outcomes, and it never lifts a suspension on its own.
package monitor
