-- Warnings of a submitted batch, SQLite dialect. Kept in step with
-- internal/store/postgres/migrations/0013_ingest_warnings.sql; conventions
-- as in 0001_init.sql.
--
-- ingest_jobs.warnings counts the rows a batch stored with a warning (a
-- suspect value the department is asked to confirm; part of rows_ok).
-- The warnings themselves are rows of the batch's error report
-- (ingest_problems), told from refused rows by their code.

ALTER TABLE ingest_jobs ADD COLUMN warnings INTEGER NOT NULL DEFAULT 0 CHECK (warnings >= 0);
