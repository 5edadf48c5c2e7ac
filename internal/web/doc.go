// Package web is the server-rendered workbench: HTML pages for signing in,
// searching the enterprise registry, reading one record and its history,
// listing organisations and users, reading the evidence log, and an
// enterprise's view of its own record and of who read it.
//
// Every page works without JavaScript. Templates and the stylesheet are
// embedded (go:embed) and parsed once, one template set per language, so
// {{t "ui.nav.audit"}} in a template always translates into the request's
// language; every visible string comes from the i18n catalogue.
//
// Handlers hold only the services they call; reads of enterprise data go
// through the services (and so through the access decision point and the
// evidence log), never to the store. The package must never show an
// internal error's text, never redirect to another site, and never put
// inline scripts or styles in a page (the Content-Security-Policy forbids
// them).
package web
