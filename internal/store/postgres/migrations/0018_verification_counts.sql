-- Questions per organisation and hour, PostgreSQL dialect. Kept in step
-- with internal/store/sqlite/migrations/0018_verification_counts.sql,
-- which says why they exist. hour is the UTC hour the questions were asked
-- in.

CREATE TABLE verification_counts (
	org_id BIGINT NOT NULL,
	hour   TIMESTAMPTZ NOT NULL,
	asked  BIGINT NOT NULL CHECK (asked >= 0),
	PRIMARY KEY (org_id, hour)
);

INSERT INTO verification_counts (org_id, hour, asked)
	SELECT org_id, date_trunc('hour', asked_at, 'UTC'), COUNT(*)
	FROM verifications GROUP BY 1, 2;

CREATE FUNCTION verification_counts_on_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO verification_counts (org_id, hour, asked)
		VALUES (NEW.org_id, date_trunc('hour', NEW.asked_at, 'UTC'), 1)
		ON CONFLICT (org_id, hour) DO UPDATE SET asked = verification_counts.asked + 1;
	RETURN NULL;
END;
$$;

CREATE TRIGGER verification_counts_on_insert AFTER INSERT ON verifications
	FOR EACH ROW EXECUTE FUNCTION verification_counts_on_insert();
