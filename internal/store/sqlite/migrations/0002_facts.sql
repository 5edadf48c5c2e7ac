-- Department facts and shared-back loans, SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0002_facts.sql (see its header for why
-- facts is shaped as it is); conventions as in 0001_init.sql.
--
-- SQLite specifics:
--   * facts.id is INTEGER PRIMARY KEY, the rowid itself: no extra index and
--     no extra bytes. No AUTOINCREMENT: facts are never deleted, so an id
--     cannot be reused, and AUTOINCREMENT would update sqlite_sequence on
--     every row of a bulk load;
--   * BINARY (byte-order) comparison is SQLite's default, which is what the
--     PostgreSQL schema asks for with COLLATE "C" on item and ref;
--   * integers take 1 to 8 bytes as their value needs; timestamps are the
--     27-byte fixed-width text of 0001, dates 10 bytes.

CREATE TABLE facts (
	id            INTEGER PRIMARY KEY,
	enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
	num           INTEGER NOT NULL DEFAULT 0,
	source_row    INTEGER NOT NULL DEFAULT 0,
	received_at   TEXT NOT NULL,
	period        TEXT NOT NULL,
	ends_on       TEXT,
	version       INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
	shape         TEXT NOT NULL CHECK (shape IN ('attribute', 'measure', 'event')),
	item          TEXT NOT NULL,
	text          TEXT NOT NULL DEFAULT '',
	ref           TEXT NOT NULL DEFAULT '',
	detail        TEXT NOT NULL DEFAULT '',
	source        TEXT NOT NULL,
	batch         TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX facts_enterprise_item ON facts (enterprise_id, item, period);

CREATE TABLE loans (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id    INTEGER NOT NULL REFERENCES enterprises (id),
	lender_org_id    INTEGER REFERENCES orgs (id),
	amount_fen       INTEGER NOT NULL,
	received_at      TEXT NOT NULL,
	rate_bp          INTEGER NOT NULL DEFAULT 0,
	term_months      INTEGER NOT NULL DEFAULT 0,
	max_days_overdue INTEGER NOT NULL DEFAULT 0,
	start_on         TEXT NOT NULL,
	maturity_on      TEXT,
	defaulted_on     TEXT,
	repaid_on        TEXT,
	status           TEXT NOT NULL CHECK (status IN ('current', 'repaid', 'overdue', 'defaulted')),
	lender           TEXT NOT NULL DEFAULT '',
	contract_no      TEXT NOT NULL DEFAULT '',
	guarantee        TEXT NOT NULL DEFAULT '',
	source           TEXT NOT NULL DEFAULT '',
	batch            TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX loans_enterprise ON loans (enterprise_id, start_on);
