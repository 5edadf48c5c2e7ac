// Package api is the JSON API under /api/v1, described by the OpenAPI 3.1
// document it serves at /api/v1/openapi.json. Errors are RFC 9457 problem
// documents with a stable code and a message in the caller's language.
//
// Handlers hold only the services they call; they never touch the store
// directly and never put an internal error's text in a response.
package api
