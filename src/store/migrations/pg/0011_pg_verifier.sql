-- PostgreSQL only (issue 13, item 8): services read, they do not write.
-- Members of the role keyadm_verifier (a group role: grant it to a
-- service's login role) see what `verify`, `verify --batch`, `serve` and
-- the library's Verifier read, and nothing else: the views of the schema
-- keyadm_verify, which keyadm puts first on such a session's search_path.
-- The keys view has no sealed value (`sealed` and `prev_sealed` say only
-- whether there is one), no description and no tags; the only write is a
-- key's last use (column privileges on three columns of the keys view).
-- The base tables stay out of reach: their policies give such a role no
-- row (it is neither an operator nor a keyadm user).
--
-- Roles belong to the cluster, not the database: keyadm_verifier is made
-- once, by the first store that needs it (its owner needs CREATEROLE); an
-- owner without that right leaves it to a superuser, who then creates the
-- role and runs the three GRANTs at the end of this file (README).

DO $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'keyadm_verifier') THEN
        BEGIN
            CREATE ROLE keyadm_verifier NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
        -- (Another database of the cluster may make it at the same moment.)
        EXCEPTION WHEN insufficient_privilege OR duplicate_object OR unique_violation THEN
            NULL;
        END;
    END IF;
END $$;

CREATE SCHEMA keyadm_verify;
REVOKE ALL ON SCHEMA keyadm_verify FROM PUBLIC;

-- (Views run with their owner's rights: they see every tenant's rows.)
CREATE VIEW keyadm_verify.keys AS
    SELECT id, name, tenant, org, type, ''::text AS description, enabled, disabled_reason,
           created_at, created_by, expires_at, value_hash,
           CASE WHEN sealed IS NULL THEN NULL ELSE '\x'::bytea END AS sealed,
           display, prev_hash,
           CASE WHEN prev_sealed IS NULL THEN NULL ELSE '\x'::bytea END AS prev_sealed,
           prev_display, prev_until, rotated_at, rotate_every, user_name, rules, origins,
           ips, '[]'::text AS tags, last_used_at, row_version, row_sig, rate_limit,
           current_used_at, previous_used_at, expiry_set_at
    FROM keys;
CREATE VIEW keyadm_verify.users AS
    SELECT name, ''::text AS display_name, ''::text AS email, org, tenant, groups_json, role,
           enabled, privileges, created_at, row_version, row_sig
    FROM users;
CREATE VIEW keyadm_verify.audit_heads AS SELECT * FROM audit_heads;
-- Of the log, its places only (the change counter and the chains' ends).
CREATE VIEW keyadm_verify.audit AS SELECT seq, chain, chain_seq FROM audit;
CREATE VIEW keyadm_verify.meta AS SELECT * FROM meta;
CREATE VIEW keyadm_verify.settings AS SELECT * FROM settings;

-- Whether this session's role is a service's (a member of keyadm_verifier
-- that is neither an operator nor a keyadm user, nor a superuser: those
-- are members of every role, and see every table anyway).
CREATE FUNCTION keyadm_is_verifier() RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT 1 FROM pg_roles r WHERE r.rolname = 'keyadm_verifier'
                         AND pg_has_role(session_user, r.oid, 'MEMBER'))
              AND NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = session_user AND rolsuper)
              AND NOT EXISTS (SELECT 1 FROM operators WHERE name = session_user)
              AND NOT EXISTS (SELECT 1 FROM users WHERE name = session_user) $$;
GRANT EXECUTE ON FUNCTION keyadm_is_verifier() TO PUBLIC;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'keyadm_verifier') THEN
        GRANT USAGE ON SCHEMA keyadm_verify TO keyadm_verifier;
        GRANT SELECT ON ALL TABLES IN SCHEMA keyadm_verify TO keyadm_verifier;
        GRANT UPDATE (last_used_at, current_used_at, previous_used_at)
            ON keyadm_verify.keys TO keyadm_verifier;
    END IF;
END $$;

-- Every change appends to the audit log: its commit wakes the verifiers
-- that LISTEN (one notification per transaction; a replica's poll).
CREATE FUNCTION keyadm_notify_change() RETURNS trigger
    LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_notify('keyadm_changes', ''); RETURN NULL; END $$;
CREATE TRIGGER keyadm_notify_change AFTER INSERT ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION keyadm_notify_change();
