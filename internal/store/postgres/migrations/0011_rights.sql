-- The data subject's rights: objections (异议) and credit repair (信用修复),
-- PostgreSQL dialect. Kept in step with
-- internal/store/sqlite/migrations/0011_rights.sql; conventions as in
-- 0001_init.sql.
--
-- An objection or a repair names a record by its key (enterprise, item,
-- period, ref), not by a fact row: a correction is a new version with the
-- same key, and the mark applies to the record whatever its version. A
-- partial unique index allows one pending objection per record, and one
-- pending or approved repair.
--
-- Attachments are kept in the database (rights_attachments.data), not on
-- disk: they are small (at most 5 files of 1 MiB per filing, inside the
-- request body limit), they are written in the filing's own transaction
-- (no orphan file when it rolls back, no missing file when it commits),
-- every instance of a node reads them without a shared disk, and a
-- database backup holds them. sha256 is kept with each for evidence.

CREATE TABLE objections (
	id                  BIGSERIAL PRIMARY KEY,
	enterprise_id       BIGINT NOT NULL REFERENCES enterprises (id),
	item                TEXT COLLATE "C" NOT NULL,
	period              DATE NOT NULL,
	ref                 TEXT COLLATE "C" NOT NULL DEFAULT '',
	department          TEXT NOT NULL,
	fact_version        BIGINT NOT NULL CHECK (fact_version >= 1),
	value_num           BIGINT NOT NULL DEFAULT 0,
	value_text          TEXT NOT NULL DEFAULT '',
	reason              TEXT NOT NULL,
	status              TEXT NOT NULL CHECK (status IN ('open', 'escalated', 'confirmed', 'corrected', 'rejected')),
	filed_by_user_id    BIGINT NOT NULL DEFAULT 0,
	filed_by            TEXT NOT NULL DEFAULT '',
	filed_at            TIMESTAMPTZ NOT NULL,
	due_at              TIMESTAMPTZ NOT NULL,
	escalated_at        TIMESTAMPTZ,
	decided_by_user_id  BIGINT NOT NULL DEFAULT 0,
	decided_by          TEXT NOT NULL DEFAULT '',
	decided_at          TIMESTAMPTZ,
	decision_reason     TEXT NOT NULL DEFAULT '',
	corrected_version   BIGINT NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX objections_pending ON objections (enterprise_id, item, period, ref) WHERE status IN ('open', 'escalated');
CREATE INDEX objections_enterprise ON objections (enterprise_id, id);
CREATE INDEX objections_department ON objections (department, status, id);
CREATE INDEX objections_due ON objections (status, due_at);

CREATE TABLE repairs (
	id                  BIGSERIAL PRIMARY KEY,
	enterprise_id       BIGINT NOT NULL REFERENCES enterprises (id),
	item                TEXT COLLATE "C" NOT NULL,
	period              DATE NOT NULL,
	ref                 TEXT COLLATE "C" NOT NULL DEFAULT '',
	department          TEXT NOT NULL,
	fact_version        BIGINT NOT NULL CHECK (fact_version >= 1),
	evidence            TEXT NOT NULL,
	status              TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
	filed_by_user_id    BIGINT NOT NULL DEFAULT 0,
	filed_by            TEXT NOT NULL DEFAULT '',
	filed_at            TIMESTAMPTZ NOT NULL,
	decided_by_user_id  BIGINT NOT NULL DEFAULT 0,
	decided_by          TEXT NOT NULL DEFAULT '',
	decided_at          TIMESTAMPTZ,
	decision_reason     TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX repairs_live ON repairs (enterprise_id, item, period, ref) WHERE status IN ('pending', 'approved');
CREATE INDEX repairs_enterprise ON repairs (enterprise_id, id);
CREATE INDEX repairs_status ON repairs (status, id);

CREATE TABLE rights_attachments (
	id           BIGSERIAL PRIMARY KEY,
	owner        TEXT NOT NULL CHECK (owner IN ('objection', 'repair')),
	owner_id     BIGINT NOT NULL,
	name         TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size         BIGINT NOT NULL CHECK (size >= 0),
	sha256       TEXT NOT NULL,
	data         BYTEA NOT NULL,
	created_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX rights_attachments_owner ON rights_attachments (owner, owner_id, id);

CREATE TABLE rights_notifications (
	id            BIGSERIAL PRIMARY KEY,
	enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
	kind          TEXT NOT NULL CHECK (kind IN ('objection', 'repair')),
	ref_id        BIGINT NOT NULL,
	status        TEXT NOT NULL,
	item          TEXT NOT NULL DEFAULT '',
	reason        TEXT NOT NULL DEFAULT '',
	created_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX rights_notifications_enterprise ON rights_notifications (enterprise_id, id);

-- Enterprises whose derived results (scores, reports) must be computed
-- again since a date; the scoring service consumes it.
CREATE TABLE recompute_queue (
	id            BIGSERIAL PRIMARY KEY,
	enterprise_id BIGINT NOT NULL REFERENCES enterprises (id),
	reason        TEXT NOT NULL,
	since         DATE NOT NULL,
	queued_at     TIMESTAMPTZ NOT NULL
);
CREATE INDEX recompute_queue_enterprise ON recompute_queue (enterprise_id, id);
