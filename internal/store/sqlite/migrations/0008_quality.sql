-- Data-quality rules and runs, SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0008_quality.sql; conventions as in
-- 0001_init.sql.
--
-- quality_rule_sets holds every version of the rule set as one JSON
-- document (internal/quality.RuleSet); the primary key makes two writers
-- of the same next version collide ("quality.rules_stale"). A run, its
-- per-item coverage and its per-rule results are written together and
-- never changed.
--
-- facts_item_period serves the rules' set-based aggregates: each reads
-- one item's facts for a window of recent periods (an index range) rather
-- than scanning every fact; it also makes (item, period, enterprise)
-- counts index-only.

CREATE INDEX facts_item_period ON facts (item, period, enterprise_id);

CREATE TABLE quality_rule_sets (
	version        INTEGER PRIMARY KEY CHECK (version >= 1),
	rules          TEXT NOT NULL, -- JSON document
	author_user_id INTEGER NOT NULL DEFAULT 0, -- 0: the system
	author_name    TEXT NOT NULL DEFAULT '',
	reason         TEXT NOT NULL,
	created_at     TEXT NOT NULL
) STRICT;

CREATE TABLE quality_runs (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	trigger_kind  TEXT NOT NULL CHECK (trigger_kind IN ('batch', 'daily', 'manual')),
	scope         TEXT NOT NULL DEFAULT '', -- a department code, '' for every rule
	dataset       TEXT NOT NULL DEFAULT '',
	rules_version INTEGER NOT NULL,
	as_of         TEXT NOT NULL,
	started_at    TEXT NOT NULL,
	finished_at   TEXT NOT NULL,
	actor_name    TEXT NOT NULL DEFAULT '',
	rules         INTEGER NOT NULL DEFAULT 0,
	failing       INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX quality_runs_scope ON quality_runs (scope, id);

CREATE TABLE quality_coverage (
	run_id          INTEGER NOT NULL REFERENCES quality_runs (id),
	item            TEXT NOT NULL,
	department      TEXT NOT NULL DEFAULT '',
	frequency       TEXT NOT NULL DEFAULT '',
	expected_period TEXT, -- NULL: the item has no schedule
	last_period     TEXT, -- NULL: nothing stored
	last_received   TEXT, -- NULL: nothing received in the window
	reporters       INTEGER NOT NULL DEFAULT 0,
	active          INTEGER NOT NULL DEFAULT 0,
	freshness       TEXT NOT NULL CHECK (freshness IN ('on_time', 'late', 'stale', 'none')),
	PRIMARY KEY (run_id, item)
) STRICT;

CREATE TABLE quality_results (
	run_id     INTEGER NOT NULL REFERENCES quality_runs (id),
	seq        INTEGER NOT NULL, -- the rule's place in the run
	rule_id    TEXT NOT NULL,
	kind       TEXT NOT NULL,
	item       TEXT NOT NULL,
	other      TEXT NOT NULL DEFAULT '',
	department TEXT NOT NULL DEFAULT '',
	status     TEXT NOT NULL CHECK (status IN ('pass', 'fail')),
	checked    INTEGER NOT NULL DEFAULT 0,
	failed     INTEGER NOT NULL DEFAULT 0,
	examples   TEXT NOT NULL DEFAULT '[]', -- JSON list of failing enterprises
	PRIMARY KEY (run_id, seq),
	UNIQUE (run_id, rule_id)
) STRICT;
