// Package facts holds what departments and institutions report about
// enterprises: periodic measures (monthly tax paid, insured headcount,
// electricity use), attributes with effective dates (tax credit grade) and
// events (penalties, court cases, list entries, licences), each keyed by a
// catalogue item code and carrying its provenance (source department,
// batch, source row, received time) and version; and the loans that
// institutions share back.
//
// A stored fact is never updated in place: a correction is a new version
// and the old one stays readable, so "what did we know on date D" can be
// answered (received_at ≤ D). This package holds types and the Store
// contract only; reads of facts by users go through the access decision
// point in the services that serve them.
package facts
