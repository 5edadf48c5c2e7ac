-- CreditBridge schema, SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0001_init.sql: same tables, columns,
-- constraints and indexes; only the types differ.
--
-- Conventions (see internal/store/sqldb):
--   * timestamps are TEXT 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (UTC, microseconds,
--     fixed width so that text order is time order); dates 'YYYY-MM-DD';
--   * NULL only where Go's zero value means "absent": optional times and
--     optional foreign keys; everything else is NOT NULL with a default;
--   * lists are JSON text; money is integer fen; enumerations are CHECKs;
--   * STRICT tables, so a value of the wrong type is an error, not a
--     silent conversion; AUTOINCREMENT, so an id is never reused (evidence
--     in audit_log refers to ids).

CREATE TABLE enterprises (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	code               TEXT NOT NULL UNIQUE,
	name_zh            TEXT NOT NULL,
	name_en            TEXT NOT NULL DEFAULT '',
	division           TEXT NOT NULL DEFAULT '',
	industry           TEXT NOT NULL DEFAULT '',
	size               TEXT NOT NULL DEFAULT '' CHECK (size IN ('micro', 'small', 'medium', 'large', '')),
	status             TEXT NOT NULL CHECK (status IN ('operating', 'suspended', 'revoked', 'deregistered')),
	registered_capital INTEGER NOT NULL DEFAULT 0,
	founded_on         TEXT,
	address            TEXT NOT NULL DEFAULT '',
	legal_rep_masked   TEXT NOT NULL DEFAULT '',
	legal_rep_sealed   BLOB NOT NULL DEFAULT x'',
	created_at         TEXT NOT NULL,
	updated_at         TEXT NOT NULL,
	version            INTEGER NOT NULL DEFAULT 1
) STRICT;
-- Name search is a substring match (LIKE '%x%'), which no B-tree serves;
-- these expression indexes serve prefix matches and keep the door open.
CREATE INDEX enterprises_name_zh ON enterprises (lower(name_zh));
CREATE INDEX enterprises_name_en ON enterprises (lower(name_en));
CREATE INDEX enterprises_division ON enterprises (division, id);
CREATE INDEX enterprises_industry ON enterprises (industry, id);

CREATE TABLE enterprise_changes (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	enterprise_id INTEGER NOT NULL REFERENCES enterprises (id),
	field         TEXT NOT NULL,
	old_value     TEXT NOT NULL DEFAULT '',
	new_value     TEXT NOT NULL DEFAULT '',
	changed_at    TEXT NOT NULL,
	actor_user_id INTEGER NOT NULL DEFAULT 0, -- 0: system; history keeps the id even if the user goes
	reason        TEXT NOT NULL DEFAULT ''
) STRICT;
CREATE INDEX enterprise_changes_enterprise ON enterprise_changes (enterprise_id, changed_at, id);

CREATE TABLE orgs (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	kind          TEXT NOT NULL CHECK (kind IN ('operator', 'department', 'institution', 'enterprise', 'auditor')),
	name          TEXT NOT NULL,
	name_en       TEXT NOT NULL DEFAULT '',
	enterprise_id INTEGER REFERENCES enterprises (id), -- NULL for kinds other than enterprise
	access_tier   INTEGER NOT NULL DEFAULT 0 CHECK (access_tier BETWEEN 0 AND 4),
	status        TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
	created_at    TEXT NOT NULL
) STRICT;
-- One organisation per enterprise (OrgByEnterprise returns exactly one);
-- NULLs do not collide.
CREATE UNIQUE INDEX orgs_enterprise ON orgs (enterprise_id);
CREATE INDEX orgs_kind ON orgs (kind, id);

CREATE TABLE users (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id        INTEGER NOT NULL REFERENCES orgs (id),
	username      TEXT NOT NULL UNIQUE,
	display_name  TEXT NOT NULL DEFAULT '',
	role          TEXT NOT NULL CHECK (role IN ('operator_admin', 'operator_analyst', 'department_officer',
	                                            'institution_officer', 'enterprise_admin', 'auditor')),
	password_hash TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL CHECK (status IN ('active', 'suspended')),
	created_at    TEXT NOT NULL,
	last_login_at TEXT
) STRICT;
CREATE INDEX users_org ON users (org_id, id);

CREATE TABLE sessions (
	token_hash   TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
	csrf_token   TEXT NOT NULL,
	created_at   TEXT NOT NULL,
	expires_at   TEXT NOT NULL,
	last_seen_at TEXT NOT NULL
) STRICT;
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_expires ON sessions (expires_at);

CREATE TABLE api_keys (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	org_id       INTEGER NOT NULL REFERENCES orgs (id),
	prefix       TEXT NOT NULL UNIQUE,
	secret_hash  TEXT NOT NULL,
	name         TEXT NOT NULL DEFAULT '',
	scopes       TEXT NOT NULL DEFAULT '[]', -- JSON array of scope strings
	created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL, -- NULL: system
	created_at   TEXT NOT NULL,
	expires_at   TEXT, -- NULL: no expiry
	revoked_at   TEXT, -- NULL: live
	last_used_at TEXT  -- NULL: never used
) STRICT;
CREATE INDEX api_keys_org ON api_keys (org_id, id);

-- The evidence log. No foreign keys, on purpose: evidence must survive
-- whatever it refers to. Ids of actors, organisations and enterprises are
-- plain integers, 0 meaning none. Rows are only ever inserted.
CREATE TABLE audit_log (
	seq              INTEGER PRIMARY KEY, -- assigned by the store under the head lock, 1, 2, 3...
	occurred_at      TEXT NOT NULL,
	actor_user_id    INTEGER NOT NULL DEFAULT 0,
	actor_name       TEXT NOT NULL DEFAULT '',
	org_id           INTEGER NOT NULL DEFAULT 0,
	action           TEXT NOT NULL,
	enterprise_id    INTEGER NOT NULL DEFAULT 0,
	items            TEXT NOT NULL DEFAULT '[]', -- JSON array of item names
	purpose          TEXT NOT NULL DEFAULT '',
	authorization_id TEXT NOT NULL DEFAULT '',
	outcome          TEXT NOT NULL CHECK (outcome IN ('ok', 'denied', 'failed')),
	detail           TEXT NOT NULL DEFAULT '',
	remote_addr      TEXT NOT NULL DEFAULT '',
	prev_hash        TEXT NOT NULL,
	hash             TEXT NOT NULL
) STRICT;
CREATE INDEX audit_log_enterprise ON audit_log (enterprise_id, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_user_id, seq);
CREATE INDEX audit_log_org ON audit_log (org_id, seq);
CREATE INDEX audit_log_action ON audit_log (action, seq);

-- The end of the chain, one row. Appenders read it, seal, insert, update it
-- in one transaction; it is the lock that serializes them.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
) STRICT;
INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '');

CREATE TABLE audit_checkpoints (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	seq       INTEGER NOT NULL,
	hash      TEXT NOT NULL,
	signed_at TEXT NOT NULL,
	key_id    TEXT NOT NULL,
	signature TEXT NOT NULL
) STRICT;
