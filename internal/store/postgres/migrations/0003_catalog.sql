-- The catalogue of shared information, PostgreSQL dialect. Kept in step with
-- internal/store/sqlite/migrations/0003_catalog.sql; conventions as in
-- 0001_init.sql.
--
-- Every change to an item is a new row: (code, version) is the key and the
-- highest version of a code is the current item. Nothing is updated or
-- deleted, so the history is the table itself. The primary key also makes
-- two writers that both read version n and both write n+1 collide, which
-- the store reports as "catalog.stale". code is COLLATE "C" so both backends
-- order items identically.

CREATE TABLE catalog_item_versions (
	code           TEXT COLLATE "C" NOT NULL,
	version        BIGINT NOT NULL CHECK (version >= 1),
	name_zh        TEXT NOT NULL,
	name_en        TEXT NOT NULL,
	category       TEXT NOT NULL,
	department     TEXT NOT NULL,
	shape          TEXT NOT NULL CHECK (shape IN ('attribute', 'measure', 'event')),
	unit           TEXT NOT NULL DEFAULT '',
	frequency      TEXT NOT NULL,
	modes          TEXT NOT NULL DEFAULT '[]', -- JSON list of physical, interface, verification
	sharing        TEXT NOT NULL CHECK (sharing IN ('unconditional', 'conditional', 'not_shared')),
	disclosure     TEXT NOT NULL CHECK (disclosure IN ('public', 'on_application', 'not_public')),
	grade          INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
	personal       INTEGER NOT NULL DEFAULT 0 CHECK (personal IN (0, 1)),
	legal_basis    TEXT NOT NULL,
	effective_from DATE NOT NULL,
	effective_to   DATE,                        -- NULL: in force
	note           TEXT NOT NULL DEFAULT '',
	author_user_id BIGINT NOT NULL DEFAULT 0,   -- 0: the system; kept even if the user goes
	author_name    TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL,
	created_at     TIMESTAMPTZ NOT NULL,
	PRIMARY KEY (code, version)
);
