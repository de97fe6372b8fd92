-- PostgreSQL only (issue 13, item 4; SPEC §5.10): tenant confinement
-- enforced by the database. Every role may reach the tables (PUBLIC);
-- row-level security lets a role see and change only the rows of its
-- tenant, its tenant being that of the enabled keyadm user named as the
-- role (session_user). A role that is no keyadm user sees no row. The
-- store's operators (the `operators` table) pass every policy; the owner
-- of the tables (the role that ran `init`) and superusers bypass row-level
-- security altogether (it is enabled, not forced, so that the SECURITY
-- DEFINER functions below, which run as the owner, see every row).
-- Policies call them as `(SELECT f())`: evaluated once per statement.
-- Members read; they write only the audit entries of their reveals,
-- copies and exports (and their chain's head).

CREATE FUNCTION keyadm_tenant() RETURNS TEXT
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT tenant FROM users WHERE name = session_user AND enabled = 1 $$;

CREATE FUNCTION keyadm_role() RETURNS TEXT
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT role FROM users WHERE name = session_user AND enabled = 1 $$;

CREATE FUNCTION keyadm_is_operator() RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT 1 FROM operators WHERE name = session_user) $$;

-- The store-wide place of the next audit entry: a tenant role sees only
-- its tenant's entries, but places are numbered across the store.
CREATE FUNCTION keyadm_audit_last_seq() RETURNS BIGINT
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT coalesce(max(seq), 0) FROM audit $$;

REVOKE ALL ON FUNCTION keyadm_tenant(), keyadm_role(), keyadm_is_operator(), keyadm_audit_last_seq() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION keyadm_tenant(), keyadm_role(), keyadm_is_operator(), keyadm_audit_last_seq() TO PUBLIC;

-- Store-wide tables: keyadm users read, only operators write.
GRANT SELECT ON keyadm_schema, meta, settings, operators TO PUBLIC;
ALTER TABLE meta ENABLE ROW LEVEL SECURITY;
ALTER TABLE settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE operators ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON meta FOR SELECT USING ((SELECT keyadm_tenant()) IS NOT NULL OR (SELECT keyadm_is_operator()));
CREATE POLICY read_all ON settings FOR SELECT USING ((SELECT keyadm_tenant()) IS NOT NULL OR (SELECT keyadm_is_operator()));
CREATE POLICY read_all ON operators FOR SELECT USING ((SELECT keyadm_tenant()) IS NOT NULL OR (SELECT keyadm_is_operator()));
CREATE POLICY operator ON meta USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY operator ON settings USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY operator ON operators USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
GRANT INSERT, UPDATE, DELETE ON meta, settings, operators TO PUBLIC;

-- Tenant tables: a tenant's rows, written by its admins.
GRANT SELECT, INSERT, UPDATE, DELETE ON orgs, users, keys, audit, audit_heads,
    notices, notice_deliveries, sweep_kept TO PUBLIC;

ALTER TABLE orgs ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON orgs USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON orgs FOR SELECT USING (tenant = (SELECT keyadm_tenant()));
CREATE POLICY tenant_admin ON orgs USING (tenant = (SELECT keyadm_tenant()) AND (SELECT keyadm_role()) = 'admin')
    WITH CHECK (tenant = (SELECT keyadm_tenant()) AND (SELECT keyadm_role()) = 'admin');

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON users USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON users FOR SELECT USING (tenant = (SELECT keyadm_tenant()));
CREATE POLICY tenant_admin ON users USING (tenant = (SELECT keyadm_tenant()) AND (SELECT keyadm_role()) = 'admin')
    WITH CHECK (tenant = (SELECT keyadm_tenant()) AND (SELECT keyadm_role()) = 'admin');

ALTER TABLE keys ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON keys USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON keys FOR SELECT USING (tenant = (SELECT keyadm_tenant()));
CREATE POLICY tenant_admin ON keys USING (tenant = (SELECT keyadm_tenant()) AND (SELECT keyadm_role()) = 'admin')
    WITH CHECK (tenant = (SELECT keyadm_tenant()) AND (SELECT keyadm_role()) = 'admin');

-- Audit entries are appended, never changed, except by an operator.
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON audit USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON audit FOR SELECT USING (tenant = (SELECT keyadm_tenant()));
CREATE POLICY tenant_append ON audit FOR INSERT WITH CHECK (
    tenant = (SELECT keyadm_tenant()) AND chain = (SELECT keyadm_tenant())
    AND ((SELECT keyadm_role()) = 'admin' OR action IN ('reveal', 'copy', 'export')));

ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON audit_heads USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON audit_heads FOR SELECT USING (chain = (SELECT keyadm_tenant()));
CREATE POLICY tenant_insert ON audit_heads FOR INSERT WITH CHECK (chain = (SELECT keyadm_tenant()));
CREATE POLICY tenant_update ON audit_heads FOR UPDATE USING (chain = (SELECT keyadm_tenant()))
    WITH CHECK (chain = (SELECT keyadm_tenant()));

-- A key's bookkeeping follows the key (the subquery is itself confined).
ALTER TABLE notices ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON notices USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON notices FOR SELECT USING (EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id));
CREATE POLICY tenant_admin ON notices USING ((SELECT keyadm_role()) = 'admin' AND EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id))
    WITH CHECK ((SELECT keyadm_role()) = 'admin' AND EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id));

ALTER TABLE notice_deliveries ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON notice_deliveries USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON notice_deliveries FOR SELECT USING (EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id));
CREATE POLICY tenant_admin ON notice_deliveries USING ((SELECT keyadm_role()) = 'admin' AND EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id))
    WITH CHECK ((SELECT keyadm_role()) = 'admin' AND EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id));

ALTER TABLE sweep_kept ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON sweep_kept USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON sweep_kept FOR SELECT USING (EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id));
CREATE POLICY tenant_admin ON sweep_kept USING ((SELECT keyadm_role()) = 'admin' AND EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id))
    WITH CHECK ((SELECT keyadm_role()) = 'admin' AND EXISTS (SELECT 1 FROM keys k WHERE k.id = key_id));

-- `user add --create-login`: the login role of a new keyadm user, created
-- with the rights of the owner (who needs CREATEROLE), for operators only.
-- Tenant admins never get CREATEROLE. The role gets nothing but LOGIN: the
-- policies above give it its tenant's rows once it is a keyadm user.
CREATE FUNCTION keyadm_create_login(role_name TEXT, pass TEXT) RETURNS VOID
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
BEGIN
    IF NOT keyadm_is_operator() THEN
        RAISE EXCEPTION 'only an operator of this keyadm store creates login roles';
    END IF;
    IF pass IS NULL THEN
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS', role_name);
    ELSE
        EXECUTE format('CREATE ROLE %I LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS PASSWORD %L', role_name, pass);
    END IF;
END $$;
-- Any role may call it; it refuses all but operators (the check above).

-- User names are unique in the store, and a tenant admin sees only its
-- tenant's users: whether a name is taken (by anyone) is all it learns.
CREATE FUNCTION keyadm_user_name_taken(user_name TEXT) RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT 1 FROM users WHERE name = user_name) $$;
