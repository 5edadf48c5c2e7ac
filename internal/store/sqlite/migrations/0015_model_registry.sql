-- Model registry (模型库), SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0015_model_registry.sql; conventions
-- as in 0001_init.sql.
--
-- model_versions: every registered scorecard, numbered per model name,
-- with its artefact (scorecard JSON), the feature-set version it was
-- trained on, the SHA-256 of its training table and its validation report
-- (JSON). At most one champion per name (partial unique index); a
-- promotion retires the previous champion in the same transaction and the
-- evidence log records it (action model.promote).

CREATE TABLE model_versions (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	name             TEXT NOT NULL,
	number           INTEGER NOT NULL CHECK (number >= 1),
	status           TEXT NOT NULL CHECK (status IN ('challenger', 'champion', 'retired')),
	source           TEXT NOT NULL DEFAULT 'file' CHECK (source IN ('file', 'platform')),
	feature_set      TEXT NOT NULL DEFAULT '',
	artefact         TEXT NOT NULL,
	data_fingerprint TEXT NOT NULL DEFAULT '',
	validation       TEXT NOT NULL DEFAULT '{}',
	created_by       TEXT NOT NULL,
	created_at       TEXT NOT NULL,
	promoted_by      TEXT NOT NULL DEFAULT '',
	promoted_at      TEXT,
	reason           TEXT NOT NULL DEFAULT '',
	retired_at       TEXT,
	UNIQUE (name, number)
) STRICT;

CREATE UNIQUE INDEX model_versions_one_champion ON model_versions (name) WHERE status = 'champion';
