-- keyadm 0.2, issue 13 (item 4): PostgreSQL only (row-level security,
-- migrations/pg/0010_pg_rls.sql). Nothing changes in a file store.
SELECT 1;
