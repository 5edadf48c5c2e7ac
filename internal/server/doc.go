// Package server runs the HTTP server: middleware (request ids, recovery,
// structured logs, Prometheus metrics, body limits, language, identity,
// CSRF), the mapping of classified errors to statuses, and graceful
// shutdown. It knows no routes; api and web register theirs on its mux.
//
// It never sends an internal error's text to a client.
package server
