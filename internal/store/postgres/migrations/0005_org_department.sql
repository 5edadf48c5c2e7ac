-- Department codes of organisations, PostgreSQL dialect. Kept in step with
-- internal/store/sqlite/migrations/0005_org_department.sql.
--
-- A department organisation names the department it is ("tax", "hrss",
-- "grid"): the Source of the facts it sends and the Department of the
-- catalogue items it provides. Other kinds leave it empty.

ALTER TABLE orgs ADD COLUMN department TEXT COLLATE "C" NOT NULL DEFAULT '';
