-- Connectors to departments' HTTP interfaces, SQLite dialect. Kept in step
-- with internal/store/postgres/migrations/0006_connectors.sql; conventions
-- as in 0001_init.sql.
--
-- Versioned like the catalogue: every change is a new row, (name, version)
-- is the key, the highest version of a name is the current connector, and
-- two writers that both write version n+1 collide ("connector.stale").
-- config is the connector's JSON without its secret; secret_sealed is the
-- secret sealed with the node's data key (AES-256-GCM, bound to the name).

CREATE TABLE connector_versions (
	name           TEXT NOT NULL,
	version        INTEGER NOT NULL CHECK (version >= 1),
	department     TEXT NOT NULL,
	enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
	config         TEXT NOT NULL,
	secret_sealed  BLOB NOT NULL DEFAULT x'',
	author_user_id INTEGER NOT NULL DEFAULT 0, -- 0: the system
	author_name    TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL,
	created_at     TEXT NOT NULL,
	PRIMARY KEY (name, version)
) STRICT;
