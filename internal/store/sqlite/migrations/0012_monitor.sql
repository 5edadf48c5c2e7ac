-- Security monitoring (安全监测), SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0012_monitor.sql; conventions as in
-- 0001_init.sql.
--
-- monitor_alerts: what the detector found, with the sequence numbers of
-- the evidence entries behind it (JSON list) and the suspension it caused.
-- monitor_suspensions: suspensions of a user, an API key or an
-- organisation; at most one in force per target (partial unique index);
-- lifting one keeps the row with who lifted it and why. The target is
-- referenced by kind and id without a foreign key, like the evidence log:
-- the record must survive what it names.
-- monitor_hours: each watched organisation's reads, denials and exports
-- per hour, the history its baseline is computed from.
-- monitor_positions: the last evidence sequence number a detector consumed.

CREATE TABLE monitor_alerts (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	rule          TEXT NOT NULL,
	severity      TEXT NOT NULL CHECK (severity IN ('medium', 'high')),
	score         REAL NOT NULL DEFAULT 0,
	org_id        INTEGER NOT NULL DEFAULT 0,
	user_id       INTEGER NOT NULL DEFAULT 0,
	api_key_id    INTEGER NOT NULL DEFAULT 0,
	actor         TEXT NOT NULL DEFAULT '',
	observed      REAL NOT NULL DEFAULT 0,
	threshold     REAL NOT NULL DEFAULT 0,
	entries       TEXT NOT NULL DEFAULT '[]',
	detail        TEXT NOT NULL DEFAULT '',
	suspension_id INTEGER NOT NULL DEFAULT 0,
	created_at    TEXT NOT NULL
) STRICT;

CREATE INDEX monitor_alerts_org ON monitor_alerts (org_id, id);

CREATE TABLE monitor_suspensions (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	kind        TEXT NOT NULL CHECK (kind IN ('user', 'api_key', 'org')),
	target_id   INTEGER NOT NULL,
	org_id      INTEGER NOT NULL DEFAULT 0,
	target      TEXT NOT NULL DEFAULT '',
	reason      TEXT NOT NULL,
	alert_id    INTEGER NOT NULL DEFAULT 0,
	created_by  TEXT NOT NULL,
	created_at  TEXT NOT NULL,
	lifted_at   TEXT,
	lifted_by   TEXT NOT NULL DEFAULT '',
	lift_reason TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE UNIQUE INDEX monitor_suspensions_in_force ON monitor_suspensions (kind, target_id) WHERE lifted_at IS NULL;

CREATE TABLE monitor_hours (
	org_id  INTEGER NOT NULL,
	hour    TEXT NOT NULL,
	reads   INTEGER NOT NULL DEFAULT 0,
	denied  INTEGER NOT NULL DEFAULT 0,
	exports INTEGER NOT NULL DEFAULT 0,
	PRIMARY KEY (org_id, hour)
) STRICT;

CREATE TABLE monitor_positions (
	name TEXT PRIMARY KEY,
	seq  INTEGER NOT NULL
) STRICT;
