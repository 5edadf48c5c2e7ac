-- Questions per organisation and hour, SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0018_verification_counts.sql.
--
-- The daily limit of an institution's questions used to count its
-- questions of the last 24 hours one index entry at a time, up to the
-- limit (2,000 by default) on every answer. These hourly counts give an
-- upper bound in one short index range; the exact count runs only when the
-- bound comes near the limit. A trigger keeps them, so that no insert into
-- verifications can leave them behind; the rows also serve statistics
-- (questions per institution and hour). hour is the UTC hour the
-- questions were asked in, in the TEXT layout of every timestamp here
-- ("2006-01-02T15:00:00.000000Z").

CREATE TABLE verification_counts (
	org_id INTEGER NOT NULL,
	hour   TEXT NOT NULL,
	asked  INTEGER NOT NULL CHECK (asked >= 0),
	PRIMARY KEY (org_id, hour)
) STRICT, WITHOUT ROWID;

INSERT INTO verification_counts (org_id, hour, asked)
	SELECT org_id, substr(asked_at, 1, 13) || ':00:00.000000Z', COUNT(*)
	FROM verifications GROUP BY org_id, substr(asked_at, 1, 13);

CREATE TRIGGER verification_counts_on_insert AFTER INSERT ON verifications
BEGIN
	INSERT INTO verification_counts (org_id, hour, asked)
		VALUES (NEW.org_id, substr(NEW.asked_at, 1, 13) || ':00:00.000000Z', 1)
		ON CONFLICT (org_id, hour) DO UPDATE SET asked = asked + 1;
END;
