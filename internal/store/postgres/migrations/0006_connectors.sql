-- Connectors to departments' HTTP interfaces, PostgreSQL dialect. Kept in
-- step with internal/store/sqlite/migrations/0006_connectors.sql;
-- conventions as in 0001_init.sql.
--
-- Versioned like the catalogue: every change is a new row, (name, version)
-- is the key, the highest version of a name is the current connector, and
-- two writers that both write version n+1 collide ("connector.stale").
-- config is the connector's JSON without its secret; secret_sealed is the
-- secret sealed with the node's data key (AES-256-GCM, bound to the name).
-- name is COLLATE "C" so both backends order connectors identically.

CREATE TABLE connector_versions (
	name           TEXT COLLATE "C" NOT NULL,
	version        BIGINT NOT NULL CHECK (version >= 1),
	department     TEXT NOT NULL,
	enabled        INTEGER NOT NULL CHECK (enabled IN (0, 1)),
	config         TEXT NOT NULL,
	secret_sealed  BYTEA NOT NULL DEFAULT '\x',
	author_user_id BIGINT NOT NULL DEFAULT 0,   -- 0: the system
	author_name    TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (name, version)
);
