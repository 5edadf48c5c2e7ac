-- Versions of the expert indicator system (internal/indicator), SQLite
-- dialect. Kept in step with
-- internal/store/postgres/migrations/0014_indicator_systems.sql;
-- conventions as in 0001_init.sql.
--
-- One row per stored version: its label (unique), its canonical JSON and
-- that JSON's SHA-256, who stored it and why. Rows are never changed
-- except for the active flag, of which at most one row carries 1 (partial
-- unique index); activated_at/activated_by say when a row last became
-- active. The history of activations is in the evidence log.

CREATE TABLE indicator_systems (
	id             INTEGER PRIMARY KEY AUTOINCREMENT,
	version        TEXT NOT NULL UNIQUE,
	body           TEXT NOT NULL,
	digest         TEXT NOT NULL,
	author_user_id INTEGER NOT NULL DEFAULT 0, -- 0: the system
	author_name    TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	active         INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
	activated_at   TEXT,
	activated_by   TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE UNIQUE INDEX indicator_systems_active ON indicator_systems (active) WHERE active = 1;
