-- Ingestion batches, PostgreSQL dialect. Kept in step with
-- internal/store/sqlite/migrations/0004_ingest_batches.sql; conventions as
-- in 0001_init.sql.
--
-- One row per batch that loaded, written in the batch's own transaction
-- with its facts: a batch is visible with all its rows or not at all. The
-- primary key and the unique sha256 make the same batch id or the same
-- file content a second time collide, which is how ingestion stays
-- idempotent.

CREATE TABLE ingest_batches (
	id          TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	dataset     TEXT NOT NULL,
	source      TEXT NOT NULL,
	file_name   TEXT NOT NULL DEFAULT '',
	sha256      TEXT COLLATE "C" NOT NULL UNIQUE,
	rows        BIGINT NOT NULL DEFAULT 0 CHECK (rows >= 0),
	rows_ok     BIGINT NOT NULL DEFAULT 0 CHECK (rows_ok >= 0),
	rows_bad    BIGINT NOT NULL DEFAULT 0 CHECK (rows_bad >= 0),
	facts       BIGINT NOT NULL DEFAULT 0 CHECK (facts >= 0),
	status      TEXT NOT NULL CHECK (status IN ('loaded')),
	started_at  TIMESTAMPTZ NOT NULL,
	finished_at TIMESTAMPTZ NOT NULL
);
