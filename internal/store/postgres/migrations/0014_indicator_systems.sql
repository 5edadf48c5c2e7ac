-- Versions of the expert indicator system (internal/indicator), PostgreSQL
-- dialect. Kept in step with
-- internal/store/sqlite/migrations/0014_indicator_systems.sql;
-- conventions as in 0001_init.sql.
--
-- One row per stored version: its label (unique), its canonical JSON and
-- that JSON's SHA-256, who stored it and why. Rows are never changed
-- except for the active flag, of which at most one row carries 1 (partial
-- unique index); activated_at/activated_by say when a row last became
-- active. The history of activations is in the evidence log.

CREATE TABLE indicator_systems (
	id             BIGSERIAL PRIMARY KEY,
	version        TEXT COLLATE "C" NOT NULL UNIQUE,
	body           TEXT NOT NULL,
	digest         TEXT NOT NULL,
	author_user_id BIGINT NOT NULL DEFAULT 0, -- 0: the system
	author_name    TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL,
	active         INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1)),
	activated_at   TIMESTAMPTZ,
	activated_by   TEXT NOT NULL DEFAULT ''
);

CREATE UNIQUE INDEX indicator_systems_active ON indicator_systems (active) WHERE active = 1;
