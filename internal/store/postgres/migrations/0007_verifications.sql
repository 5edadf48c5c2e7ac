-- Verification questions answered (数据核验), PostgreSQL dialect. Kept in
-- step with internal/store/sqlite/migrations/0007_verifications.sql;
-- conventions as in 0001_init.sql.
--
-- One row per answered question: who asked about which enterprise, the
-- question, the answer (never the value), the attestation's id and the
-- constants the question compared variables with (probes, JSON list of
-- {item, variable, value}), which the anti-extraction limits count.
-- Rows are only inserted.

CREATE TABLE verifications (
	id             BIGSERIAL PRIMARY KEY,
	org_id         BIGINT NOT NULL,
	enterprise_id  BIGINT NOT NULL REFERENCES enterprises (id),
	question       TEXT NOT NULL,
	answer         TEXT NOT NULL CHECK (answer IN ('true', 'false', 'unknown')),
	attestation_id TEXT NOT NULL UNIQUE,
	probes         TEXT NOT NULL DEFAULT '[]',
	asked_at       TIMESTAMPTZ NOT NULL
);

CREATE INDEX verifications_org_enterprise ON verifications (org_id, enterprise_id, asked_at);
CREATE INDEX verifications_org ON verifications (org_id, asked_at);

-- One row per organisation that has asked: the row a verification locks
-- (upsert) so that one organisation's limit checks and inserts serialize.
CREATE TABLE verification_locks (
	org_id BIGINT PRIMARY KEY,
	asked  BIGINT NOT NULL DEFAULT 0
);
