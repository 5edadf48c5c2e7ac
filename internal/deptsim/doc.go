// Package deptsim is a department simulator: a real HTTP server that
// answers like a department's interface (税务、人社、市场监管、法院、不动产
// 登记 …) with the values of a synthetic region (internal/synth), so that
// interface calls (internal/connector) can be developed, demonstrated and
// tested end to end on loopback.
//
// What it serves, per department: the facts the generator attributes to
// that department (Source), each in its latest version (a department
// answers with its current record, corrections applied); and items that are
// shared only by interface call, derived from the same enterprise —
// registration.legal_representative and registration.key_personnel (samr,
// from the registration profile: the legal representative as executive
// director and manager, another natural-person shareholder as supervisor),
// judicial.consumption_restriction (court, one per dishonest-debtor entry:
// the law restricts such a debtor's legal representative's consumption),
// property.real_estate and property.real_estate_mortgage (nr: loans
// secured by a mortgage, and the property each one needs) and
// property.movable_mortgage (pbc, loans secured by a pledge, registered in
// the unified movable-collateral registry). Amounts in fen are sent in 元
// with two decimals, as departments do; other numbers as integers.
//
//	GET /api/{department}/v1/enterprises/{credit_code}/items/{item}?from=YYYY-MM-DD&to=YYYY-MM-DD
//	→ {"code":0,"message":"ok","data":{"credit_code":…,"item":…,"records":[{"period","value","text","ref","ends_on","detail"}]}}
//
// {item} is the catalogue code or its part after the first dot
// ("vat_sales"). An enterprise the region does not hold gets an empty
// list, an unknown department or item 404. GET /healthz answers "ok",
// GET /_sim/stats counts the requests served (for tests) and
// GET /_sim/enterprises?limit=N lists the region's credit codes.
//
// The region is generated in memory (Options.Region), or read from a
// directory of department files (Options.Data: what internal/deptfiles
// writes, `creditbridge seed --no-db --files DIR`): the files are decoded
// with the ingest readers and mapping (ingest.DecodeFile), rows the
// manifest lists as dirty or the mapping rejects are skipped and counted in
// /_sim/stats (data_rows, skipped_rows), corrections replace the version
// they correct, and the interface-only items come from the directory's
// interface tables (interface/<department>/<item>.jsonl), which hold what
// those departments would query. A clean region's files give the same
// answers as generating it.
//
// It authenticates like the connector: an API key header, or an
// HMAC-SHA256 signature checked with connector.Verifier (±5 min, no
// replays). It can be made slow (latency plus uniform jitter) and
// unreliable (a share of requests fails with 500 or hangs until the caller
// gives up). Everything it serves is synthetic and marked so; it never
// serves Hidden, and it must never be pointed at real data.
package deptsim
