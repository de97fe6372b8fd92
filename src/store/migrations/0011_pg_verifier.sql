-- keyadm 0.2, issue 13 (item 8): PostgreSQL only (the keyadm_verifier
-- role, migrations/pg/0011_pg_verifier.sql). Nothing changes in a file store.
SELECT 1;
