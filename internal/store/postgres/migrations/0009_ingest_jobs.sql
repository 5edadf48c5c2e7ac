-- Ingestion over the network, PostgreSQL dialect. Kept in step with
-- internal/store/sqlite/migrations/0009_ingest_jobs.sql; conventions as
-- in 0001_init.sql.
--
-- ingest_datasets are the dataset definitions operators register (the
-- ingest.Dataset JSON, validated before it is stored). ingest_jobs are the
-- batches submitted through the API or the web UI: queued and running
-- ones are run again from their spooled file when the node starts; a
-- final state is written in the batch's own transaction, together with
-- its facts and its error report (ingest_problems), so the report
-- survives restarts and is there exactly when the data is.

CREATE TABLE ingest_datasets (
	name       TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	department TEXT NOT NULL,
	spec       TEXT NOT NULL,
	version    BIGINT NOT NULL CHECK (version >= 1),
	updated_by TEXT NOT NULL DEFAULT '',
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX ingest_datasets_department ON ingest_datasets (department, name);

CREATE TABLE ingest_jobs (
	id               TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	batch            TEXT NOT NULL,
	dataset          TEXT NOT NULL,
	department       TEXT NOT NULL,
	spec             TEXT NOT NULL,
	file_name        TEXT NOT NULL DEFAULT '',
	size             BIGINT NOT NULL DEFAULT 0 CHECK (size >= 0),
	sha256           TEXT NOT NULL,
	state            TEXT NOT NULL CHECK (state IN ('queued', 'running', 'loaded', 'failed', 'already_loaded')),
	rows             BIGINT NOT NULL DEFAULT 0 CHECK (rows >= 0),
	rows_ok          BIGINT NOT NULL DEFAULT 0 CHECK (rows_ok >= 0),
	rows_bad         BIGINT NOT NULL DEFAULT 0 CHECK (rows_bad >= 0),
	facts            BIGINT NOT NULL DEFAULT 0 CHECK (facts >= 0),
	problems_dropped BIGINT NOT NULL DEFAULT 0 CHECK (problems_dropped >= 0),
	error_code       TEXT NOT NULL DEFAULT '',
	error_params     TEXT NOT NULL DEFAULT '{}',
	submitted_by     TEXT NOT NULL DEFAULT '',
	org_id           BIGINT NOT NULL DEFAULT 0,
	user_id          BIGINT NOT NULL DEFAULT 0,
	submitted_at     TIMESTAMPTZ NOT NULL,
	started_at       TIMESTAMPTZ,
	finished_at      TIMESTAMPTZ,
	attempts         BIGINT NOT NULL DEFAULT 0 CHECK (attempts >= 0)
);
CREATE INDEX ingest_jobs_submitted ON ingest_jobs (submitted_at, id);
CREATE INDEX ingest_jobs_department ON ingest_jobs (department, submitted_at, id);
CREATE INDEX ingest_jobs_state ON ingest_jobs (state, submitted_at, id);

CREATE TABLE ingest_problems (
	job_id  TEXT COLLATE "C" NOT NULL REFERENCES ingest_jobs (id),
	seq     BIGINT NOT NULL CHECK (seq >= 1),
	row_num BIGINT NOT NULL DEFAULT 0,
	col     TEXT NOT NULL DEFAULT '',
	value   TEXT NOT NULL DEFAULT '',
	code    TEXT NOT NULL,
	detail  TEXT NOT NULL DEFAULT '',
	format  TEXT NOT NULL DEFAULT '',
	of_row  BIGINT NOT NULL DEFAULT 0,
	params  TEXT NOT NULL DEFAULT '{}',
	PRIMARY KEY (job_id, seq)
);
