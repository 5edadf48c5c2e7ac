// Package store composes the domains' narrow storage interfaces into one
// Store. Backends live in store/sqlite and store/postgres and share the
// query code in store/sqldb; store/backend opens the right one for a DSN;
// store/storetest is the conformance suite every backend must pass.
//
// This package holds interfaces only: no SQL and no backend imports.
package store
