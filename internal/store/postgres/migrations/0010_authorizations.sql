-- Enterprises' authorizations (授权) and persons' separate consents,
-- PostgreSQL dialect. Kept in step with
-- internal/store/sqlite/migrations/0010_authorizations.sql; conventions as in
-- 0001_init.sql.
--
-- One row per authorization, updated in place at each lifecycle step
-- (version + 1, optimistic); the evidence log keeps every step, and the
-- signature column the node's JWS over the current version. items is a
-- JSON list of item codes and category prefixes.

CREATE TABLE authorizations (
	id               TEXT PRIMARY KEY,
	enterprise_id    BIGINT NOT NULL REFERENCES enterprises (id),
	institution_id   BIGINT NOT NULL REFERENCES orgs (id),
	institution_name TEXT NOT NULL DEFAULT '',
	purpose          TEXT NOT NULL,
	items            TEXT NOT NULL DEFAULT '[]',
	data_from        DATE NOT NULL,
	data_to          DATE NOT NULL,
	valid_from       TIMESTAMPTZ NOT NULL,
	valid_until      TIMESTAMPTZ NOT NULL,
	fetch_type       TEXT NOT NULL CHECK (fetch_type IN ('one_time', 'periodic')),
	frequency        TEXT NOT NULL DEFAULT '',
	mode             TEXT NOT NULL CHECK (mode IN ('view', 'store', 'verify')),
	status           TEXT NOT NULL CHECK (status IN ('pending', 'active', 'paused', 'revoked', 'expired', 'rejected')),
	personal_consent INTEGER NOT NULL DEFAULT 0 CHECK (personal_consent IN (0, 1)),
	callback_url     TEXT NOT NULL DEFAULT '',
	requested_by     TEXT NOT NULL DEFAULT '',
	decided_by       TEXT NOT NULL DEFAULT '',
	reason           TEXT NOT NULL DEFAULT '',
	version          INTEGER NOT NULL,
	signature        TEXT NOT NULL DEFAULT '',
	created_at       TIMESTAMPTZ NOT NULL,
	updated_at       TIMESTAMPTZ NOT NULL
);

CREATE INDEX authorizations_pair ON authorizations (institution_id, enterprise_id, created_at);
CREATE INDEX authorizations_enterprise ON authorizations (enterprise_id, created_at);
CREATE INDEX authorizations_due ON authorizations (status, valid_until);

-- A person's separate consent (单独同意) under one authorization: the
-- identity number only as a keyed hash, the name only masked.
CREATE TABLE authorization_consents (
	id               BIGSERIAL PRIMARY KEY,
	authorization_id TEXT NOT NULL REFERENCES authorizations (id),
	role             TEXT NOT NULL CHECK (role IN ('legal_rep', 'shareholder')),
	name_masked      TEXT NOT NULL,
	person_hash      TEXT NOT NULL,
	given_by         TEXT NOT NULL,
	given_at         TIMESTAMPTZ NOT NULL,
	UNIQUE (authorization_id, person_hash)
);
