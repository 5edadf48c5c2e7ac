-- The person's own separate consent through a one-time link, and stored
-- webhook deliveries, SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0017_consent_webhooks.sql; conventions
-- as in 0001_init.sql.

-- How a consent was given: person_link, by the person through their
-- invitation link; admin_attestation, recorded by the enterprise's
-- administrator attesting that the person consented (the older path).
ALTER TABLE authorization_consents ADD COLUMN channel TEXT NOT NULL DEFAULT 'admin_attestation'
	CHECK (channel IN ('admin_attestation', 'person_link'));

-- A consent invitation: a one-time link for one named person. Only the
-- token's SHA-256 is kept (the link is shown once, to the administrator
-- who passes it on); the person's name as a keyed hash and masked.
-- failures counts wrong identities; at 5 the invitation is locked.
CREATE TABLE consent_invitations (
	id               INTEGER PRIMARY KEY,
	authorization_id TEXT NOT NULL REFERENCES authorizations (id),
	role             TEXT NOT NULL CHECK (role IN ('legal_rep', 'shareholder')),
	name_masked      TEXT NOT NULL,
	name_hash        TEXT NOT NULL,
	token_hash       TEXT NOT NULL UNIQUE,
	status           TEXT NOT NULL CHECK (status IN ('open', 'given', 'refused', 'locked')),
	failures         INTEGER NOT NULL DEFAULT 0,
	issuer_org_id    INTEGER NOT NULL REFERENCES orgs (id),
	issued_by        TEXT NOT NULL,
	issued_at        TEXT NOT NULL,
	expires_at       TEXT NOT NULL,
	opened_at        TEXT,
	decided_at       TEXT,
	consent_id       INTEGER REFERENCES authorization_consents (id),
	version          INTEGER NOT NULL
) STRICT;

CREATE INDEX consent_invitations_authorization ON consent_invitations (authorization_id, issued_at);

-- Every webhook delivery to an institution's callback: pending until
-- delivered or out of attempts (failed); a failed one may be replayed.
-- body is the exact JSON signed and sent.
CREATE TABLE webhook_deliveries (
	id               INTEGER PRIMARY KEY,
	authorization_id TEXT NOT NULL REFERENCES authorizations (id),
	institution_id   INTEGER NOT NULL REFERENCES orgs (id),
	event            TEXT NOT NULL,
	url              TEXT NOT NULL,
	body             TEXT NOT NULL,
	status           TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts         INTEGER NOT NULL DEFAULT 0,
	replays          INTEGER NOT NULL DEFAULT 0,
	last_status_code INTEGER NOT NULL DEFAULT 0,
	last_error       TEXT NOT NULL DEFAULT '',
	next_attempt_at  TEXT NOT NULL,
	delivered_at     TEXT,
	created_at       TEXT NOT NULL,
	updated_at       TEXT NOT NULL,
	version          INTEGER NOT NULL
) STRICT;

CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_authorization ON webhook_deliveries (authorization_id, created_at);
CREATE INDEX webhook_deliveries_institution ON webhook_deliveries (institution_id, created_at);
