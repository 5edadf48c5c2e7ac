-- Stored credit scores and the runs that computed them, SQLite
-- dialect. Kept in step with internal/store/postgres/migrations/0016_scores.sql;
-- conventions as in 0001_init.sql.
--
-- A score is never updated: a rescore adds a row, so the history of an
-- enterprise's scores is kept and "latest per enterprise" is the highest
-- id of that enterprise (scores_enterprise, read backwards). The JSON
-- columns hold what explains the score: reasons (the variables that cost
-- the most points, with value and bin), the indicator system's result
-- (dimension contributions), the feature vector and its sources (the data
-- used, grouped by item, version and batch). model_version_id names a
-- model_versions row (0015) without a foreign key: a score outlives the
-- retirement of its model, and NULL says no statistical model was promoted.

CREATE TABLE score_runs (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	status            TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
	as_of             TEXT NOT NULL,
	started_at        TEXT NOT NULL,
	finished_at       TEXT,
	started_by        TEXT NOT NULL DEFAULT '',
	workers           INTEGER NOT NULL DEFAULT 1,
	enterprises       INTEGER NOT NULL DEFAULT 0,
	scored            INTEGER NOT NULL DEFAULT 0,
	failed            INTEGER NOT NULL DEFAULT 0,
	model_version_id  INTEGER,
	model             TEXT NOT NULL DEFAULT '',
	indicator_version TEXT NOT NULL DEFAULT '',
	feature_set       TEXT NOT NULL DEFAULT '',
	errors            TEXT NOT NULL DEFAULT '[]'
) STRICT;

CREATE TABLE scores (
	id                INTEGER PRIMARY KEY,
	enterprise_id     INTEGER NOT NULL REFERENCES enterprises (id),
	run_id            INTEGER REFERENCES score_runs (id),
	model_version_id  INTEGER,
	as_of             TEXT NOT NULL,
	computed_at       TEXT NOT NULL,
	points            REAL NOT NULL,
	pd                REAL,
	indicator_score   REAL NOT NULL DEFAULT 0,
	grade             TEXT NOT NULL,
	indicator_grade   TEXT NOT NULL DEFAULT '',
	model             TEXT NOT NULL DEFAULT '',
	indicator_version TEXT NOT NULL DEFAULT '',
	feature_set       TEXT NOT NULL DEFAULT '',
	cause             TEXT NOT NULL DEFAULT '',
	reasons           TEXT NOT NULL DEFAULT '[]',
	indicator         TEXT NOT NULL DEFAULT '{}',
	features          TEXT NOT NULL DEFAULT '{}',
	sources           TEXT NOT NULL DEFAULT '[]'
) STRICT;
CREATE INDEX scores_enterprise ON scores (enterprise_id, id);
CREATE INDEX scores_run ON scores (run_id) WHERE run_id IS NOT NULL;
