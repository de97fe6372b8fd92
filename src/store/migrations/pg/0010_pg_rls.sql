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
-- Members read; they append only the audit entries of their reveals,
-- copies and exports, through keyadm_append_audit.

CREATE FUNCTION keyadm_tenant() RETURNS TEXT
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT tenant FROM users WHERE name = session_user AND enabled = 1 $$;

CREATE FUNCTION keyadm_role() RETURNS TEXT
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT role FROM users WHERE name = session_user AND enabled = 1 $$;

CREATE FUNCTION keyadm_is_operator() RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT 1 FROM operators WHERE name = session_user) $$;

-- Whether the role is known to the store: an operator, or a keyadm user
-- (even a disabled one, whom keyadm must be able to tell so).
CREATE FUNCTION keyadm_is_known() RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT 1 FROM operators WHERE name = session_user)
              OR EXISTS (SELECT 1 FROM users WHERE name = session_user) $$;

-- The store-wide place of the next audit entry: a tenant role sees only
-- its tenant's entries, but places are numbered across the store.
CREATE FUNCTION keyadm_audit_last_seq() RETURNS BIGINT
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT coalesce(max(seq), 0) FROM audit $$;

REVOKE ALL ON FUNCTION keyadm_tenant(), keyadm_role(), keyadm_is_operator(), keyadm_audit_last_seq() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION keyadm_tenant(), keyadm_role(), keyadm_is_operator(), keyadm_audit_last_seq() TO PUBLIC;

-- Store-wide tables: keyadm users (a disabled one too) read, only operators write.
GRANT SELECT ON keyadm_schema, meta, settings, operators TO PUBLIC;
ALTER TABLE meta ENABLE ROW LEVEL SECURITY;
ALTER TABLE settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE operators ENABLE ROW LEVEL SECURITY;
CREATE POLICY read_all ON meta FOR SELECT USING ((SELECT keyadm_is_known()));
CREATE POLICY read_all ON settings FOR SELECT USING ((SELECT keyadm_is_known()));
CREATE POLICY read_all ON operators FOR SELECT USING ((SELECT keyadm_is_known()));
CREATE POLICY operator ON meta USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY operator ON settings USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
CREATE POLICY operator ON operators USING ((SELECT keyadm_is_operator())) WITH CHECK ((SELECT keyadm_is_operator()));
GRANT INSERT, UPDATE, DELETE ON meta, settings, operators TO PUBLIC;

-- Tenant tables: a tenant's rows, written by its admins.
GRANT SELECT, INSERT, UPDATE, DELETE ON orgs, users, keys, audit, audit_heads,
    notices, notice_deliveries, sweep_kept TO PUBLIC;
-- (audit and audit_heads: SELECT only, below.)

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

-- Audit entries are appended through keyadm_append_audit (below), the one
-- way to write them (SPEC §5.3): no role but the owner inserts, changes or
-- deletes an entry or a head directly.
REVOKE INSERT, UPDATE, DELETE ON audit, audit_heads FROM PUBLIC;
ALTER TABLE audit ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON audit FOR SELECT USING ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON audit FOR SELECT USING (tenant = (SELECT keyadm_tenant()));
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
CREATE POLICY operator ON audit_heads FOR SELECT USING ((SELECT keyadm_is_operator()));
CREATE POLICY tenant_read ON audit_heads FOR SELECT USING (chain = (SELECT keyadm_tenant()));

-- Appends an entry at the store's next place and its chain's next place,
-- and moves the chain's head to it. An operator appends to any chain; a
-- keyadm user only to its tenant's, as itself, and a member only its
-- reveals, copies and exports. The hash, HMAC and signature are the
-- client's (under the master key, which the server never sees).
CREATE FUNCTION keyadm_append_audit(p_seq BIGINT, p_at TEXT, p_actor TEXT, p_action TEXT,
        p_key_id TEXT, p_key_name TEXT, p_tenant TEXT, p_details TEXT, p_hash BYTEA,
        p_as_of TEXT, p_os_uid BIGINT, p_os_user TEXT, p_chain TEXT, p_chain_seq BIGINT,
        p_mac BYTEA, p_sig BYTEA) RETURNS VOID
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$
DECLARE
    head BIGINT;
BEGIN
    IF NOT keyadm_is_operator() THEN
        IF keyadm_tenant() IS NULL OR p_tenant IS DISTINCT FROM keyadm_tenant()
                OR p_chain IS DISTINCT FROM keyadm_tenant() OR p_actor IS DISTINCT FROM session_user THEN
            RAISE EXCEPTION 'role % may append audit entries only as itself to its tenant''s chain', session_user
                USING ERRCODE = '42501';
        END IF;
        IF keyadm_role() IS DISTINCT FROM 'admin' AND p_action NOT IN ('reveal', 'copy', 'export') THEN
            RAISE EXCEPTION 'role % is a member: it appends only reveal, copy and export entries', session_user
                USING ERRCODE = '42501';
        END IF;
    END IF;
    IF p_seq IS DISTINCT FROM (SELECT coalesce(max(seq), 0) + 1 FROM audit) THEN
        RAISE EXCEPTION 'audit place % is not the next one', p_seq USING ERRCODE = '40001';
    END IF;
    SELECT seq INTO head FROM audit_heads WHERE chain = p_chain;
    IF p_chain_seq IS DISTINCT FROM coalesce(head, 0) + 1 THEN
        RAISE EXCEPTION 'place % of chain % is not the next one', p_chain_seq, p_chain USING ERRCODE = '40001';
    END IF;
    INSERT INTO audit (seq, at, actor, action, key_id, key_name, tenant, details, hash, as_of, os_uid, os_user, chain, chain_seq)
        VALUES (p_seq, p_at, p_actor, p_action, p_key_id, p_key_name, p_tenant, p_details, p_hash, p_as_of, p_os_uid, p_os_user, p_chain, p_chain_seq);
    INSERT INTO audit_heads (chain, seq, hash, mac, v, sig) VALUES (p_chain, p_chain_seq, p_hash, p_mac, 2, p_sig)
        ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,
            mac = excluded.mac, v = excluded.v, sig = excluded.sig;
END $$;

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

-- Key IDs and values are unique in the store: whether one is taken in any
-- tenant (all a tenant role learns), for import and generate.
CREATE FUNCTION keyadm_key_id_taken(key_id TEXT) RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT 1 FROM keys WHERE id = key_id) $$;
CREATE FUNCTION keyadm_value_held(hash BYTEA) RETURNS BOOLEAN
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path FROM CURRENT
    AS $$ SELECT EXISTS (SELECT 1 FROM keys WHERE value_hash = hash OR prev_hash = hash) $$;

-- A role reads its own user row even when disabled, so that keyadm can
-- say so; a disabled user's role sees nothing else.
CREATE POLICY own_row ON users FOR SELECT USING (name = session_user);
