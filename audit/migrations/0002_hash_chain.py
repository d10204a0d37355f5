"""The hash chains in PostgreSQL: canonical form, append functions, append-only triggers.

The canonical form written here is re-implemented independently in audit/chain.py (which
audit_verify uses) and documented in docs/subsystems/audit.md; tests/audit/test_chain.py checks
that both give the same bytes. Changing it means a new tag (".v2") and a new migration.

The append functions are SECURITY DEFINER with a fixed search_path: once `audit_lockdown` has
given the tables to a separate owner, the application's role can append only through them
(it keeps SELECT, loses INSERT, UPDATE, DELETE, TRUNCATE).
"""

from django.db import migrations

# Advisory-lock keys, one per chain: 'kaigo' in ASCII followed by the chain number.
ACCESS_LOCK_KEY = 0x6B6169676F0001  # 30224927842828289
AUTH_LOCK_KEY = 0x6B6169676F0002  # 30224927842828290

APPEND_ONLY_TABLES = ["audit_accesslogentry", "audit_authevent", "audit_chaincheckpoint"]

HELPERS = r"""
-- One field of the canonical form: 4-byte big-endian signed length, then the bytes;
-- NULL is length -1 and no bytes.
CREATE FUNCTION audit_field(b bytea) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT CASE WHEN b IS NULL THEN int4send(-1) ELSE int4send(octet_length(b)) || b END $$;

-- Text as UTF-8.
CREATE FUNCTION audit_text(t text) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT audit_field(convert_to(t, 'UTF8')) $$;

-- Integers as 8-byte big-endian two's complement.
CREATE FUNCTION audit_int(i bigint) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT audit_field(int8send(i)) $$;

-- Timestamps as UTC text with microseconds: 2026-11-26T04:05:06.123456Z
CREATE FUNCTION audit_ts(ts timestamptz) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$ SELECT audit_text(to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')) $$;

-- Arrays of bigint: the 8-byte forms of the elements, in order, as one field.
CREATE FUNCTION audit_int_array(a bigint[]) RETURNS bytea
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT audit_field(CASE WHEN a IS NULL THEN NULL ELSE
        (SELECT coalesce(string_agg(int8send(x), ''::bytea ORDER BY o), ''::bytea)
           FROM unnest(a) WITH ORDINALITY AS u(x, o)) END)
$$;

CREATE FUNCTION audit_access_canonical(r audit_accesslogentry) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT audit_text('kaigo.audit.access.v1')
        || audit_int(r.id) || audit_int(r.seq) || audit_ts(r.created_at)
        || audit_int(r.staff_id) || audit_text(r.username)
        || audit_text(r.client_ip::text) || audit_text(r.terminal_id) || audit_text(r.session_hash)
        || audit_text(r."function") || audit_text(r.channel) || audit_int_array(r.person_ids)
        || audit_int(r.hits) || audit_text(r.criteria_kind) || audit_text(r.purpose)
$$;

CREATE FUNCTION audit_auth_canonical(r audit_authevent) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT audit_text('kaigo.audit.auth.v1')
        || audit_int(r.id) || audit_int(r.seq) || audit_ts(r.created_at)
        || audit_text(r.kind) || audit_int(r.staff_id) || audit_text(r.username) || audit_text(r.username_hash)
        || audit_text(r.client_ip::text) || audit_text(r.terminal_id) || audit_text(r.session_hash)
        || audit_text(r.detail::text)
$$;

CREATE FUNCTION audit_refuse_change() RETURNS trigger
LANGUAGE plpgsql
AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'Audit rows are never changed or deleted (docs/subsystems/audit.md).';
END
$$;
"""

# {search_path} is filled in at migration time with the schema the tables are in.
APPEND_FUNCTIONS = r"""
-- Append one access-log row: under the chain's advisory lock (held to the end of the calling
-- transaction), read the last row, number and hash the new one, insert it. One call, one INSERT.
CREATE FUNCTION audit_access_append(
    p_staff_id bigint, p_username text, p_client_ip inet, p_terminal_id text, p_session_hash text,
    p_function text, p_channel text, p_person_ids bigint[], p_hits integer, p_criteria_kind text,
    p_purpose text
) RETURNS audit_accesslogentry
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {search_path}
AS $$
DECLARE
    r audit_accesslogentry;
    last_seq bigint;
    last_hash bytea;
BEGIN
    -- Each statement below must see the rows committed before the lock was granted: true in
    -- READ COMMITTED only (a REPEATABLE READ snapshot may predate the previous append).
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit_access_append needs READ COMMITTED isolation, not %',
            current_setting('transaction_isolation') USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM pg_advisory_xact_lock({access_key});
    SELECT e.seq, e.row_hash INTO last_seq, last_hash
      FROM audit_accesslogentry e ORDER BY e.seq DESC LIMIT 1;
    r.id := nextval(pg_get_serial_sequence('audit_accesslogentry', 'id'));
    r.seq := coalesce(last_seq, 0) + 1;
    r.created_at := clock_timestamp();
    r.staff_id := p_staff_id;
    r.username := coalesce(p_username, '');
    r.client_ip := p_client_ip;
    r.terminal_id := coalesce(p_terminal_id, '');
    r.session_hash := coalesce(p_session_hash, '');
    r."function" := p_function;
    r.channel := p_channel;
    r.person_ids := coalesce(p_person_ids, '{{}}'::bigint[]);
    r.hits := p_hits;
    r.criteria_kind := coalesce(p_criteria_kind, '');
    r.purpose := coalesce(p_purpose, '');
    r.prev_hash := coalesce(last_hash, decode(repeat('00', 32), 'hex'));
    r.row_hash := sha256(r.prev_hash || audit_access_canonical(r));
    INSERT INTO audit_accesslogentry SELECT (r).*;
    RETURN r;
END
$$;

CREATE FUNCTION audit_auth_append(
    p_kind text, p_staff_id bigint, p_username text, p_username_hash text, p_client_ip inet,
    p_terminal_id text, p_session_hash text, p_detail jsonb
) RETURNS audit_authevent
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {search_path}
AS $$
DECLARE
    r audit_authevent;
    last_seq bigint;
    last_hash bytea;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit_auth_append needs READ COMMITTED isolation, not %',
            current_setting('transaction_isolation') USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM pg_advisory_xact_lock({auth_key});
    SELECT e.seq, e.row_hash INTO last_seq, last_hash
      FROM audit_authevent e ORDER BY e.seq DESC LIMIT 1;
    r.id := nextval(pg_get_serial_sequence('audit_authevent', 'id'));
    r.seq := coalesce(last_seq, 0) + 1;
    r.created_at := clock_timestamp();
    r.kind := p_kind;
    r.staff_id := p_staff_id;
    r.username := coalesce(p_username, '');
    r.username_hash := coalesce(p_username_hash, '');
    r.client_ip := p_client_ip;
    r.terminal_id := coalesce(p_terminal_id, '');
    r.session_hash := coalesce(p_session_hash, '');
    r.detail := coalesce(p_detail, '{{}}'::jsonb);
    r.prev_hash := coalesce(last_hash, decode(repeat('00', 32), 'hex'));
    r.row_hash := sha256(r.prev_hash || audit_auth_canonical(r));
    INSERT INTO audit_authevent SELECT (r).*;
    RETURN r;
END
$$;
"""

CONSTRAINTS_AND_TRIGGERS = r"""
ALTER TABLE audit_accesslogentry
    ADD CONSTRAINT audit_access_hash_lengths CHECK (octet_length(prev_hash) = 32 AND octet_length(row_hash) = 32),
    ADD CONSTRAINT audit_access_person_ids_not_null CHECK (array_position(person_ids, NULL) IS NULL);
ALTER TABLE audit_authevent
    ADD CONSTRAINT audit_auth_hash_lengths CHECK (octet_length(prev_hash) = 32 AND octet_length(row_hash) = 32);
ALTER TABLE audit_chaincheckpoint
    ADD CONSTRAINT audit_checkpoint_hash_length CHECK (octet_length(row_hash) = 32);

-- UPDATE and DELETE are refused even for a superuser (who would have to disable the trigger
-- first, which the append-only chain then shows). TRUNCATE is left to privileges: the test
-- suite empties tables with TRUNCATE; `audit_lockdown` revokes it from the application role.
CREATE TRIGGER audit_accesslogentry_append_only BEFORE UPDATE OR DELETE ON audit_accesslogentry
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_authevent_append_only BEFORE UPDATE OR DELETE ON audit_authevent
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
CREATE TRIGGER audit_chaincheckpoint_append_only BEFORE UPDATE OR DELETE ON audit_chaincheckpoint
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();

-- Harmless here (PUBLIC holds none of these by default); the role-specific step is
-- `manage.py audit_lockdown --role NAME`.
REVOKE UPDATE, DELETE, TRUNCATE ON audit_accesslogentry, audit_authevent, audit_chaincheckpoint FROM PUBLIC;
"""

DROP_ALL = r"""
DROP TRIGGER IF EXISTS audit_accesslogentry_append_only ON audit_accesslogentry;
DROP TRIGGER IF EXISTS audit_authevent_append_only ON audit_authevent;
DROP TRIGGER IF EXISTS audit_chaincheckpoint_append_only ON audit_chaincheckpoint;
ALTER TABLE audit_accesslogentry DROP CONSTRAINT IF EXISTS audit_access_hash_lengths,
    DROP CONSTRAINT IF EXISTS audit_access_person_ids_not_null;
ALTER TABLE audit_authevent DROP CONSTRAINT IF EXISTS audit_auth_hash_lengths;
ALTER TABLE audit_chaincheckpoint DROP CONSTRAINT IF EXISTS audit_checkpoint_hash_length;
DROP FUNCTION IF EXISTS audit_access_append(bigint, text, inet, text, text, text, text, bigint[], integer, text, text);
DROP FUNCTION IF EXISTS audit_auth_append(text, bigint, text, text, inet, text, text, jsonb);
DROP FUNCTION IF EXISTS audit_access_canonical(audit_accesslogentry);
DROP FUNCTION IF EXISTS audit_auth_canonical(audit_authevent);
DROP FUNCTION IF EXISTS audit_refuse_change();
DROP FUNCTION IF EXISTS audit_int_array(bigint[]);
DROP FUNCTION IF EXISTS audit_ts(timestamptz);
DROP FUNCTION IF EXISTS audit_int(bigint);
DROP FUNCTION IF EXISTS audit_text(text);
DROP FUNCTION IF EXISTS audit_field(bytea);
"""


def create_chain(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    # A SECURITY DEFINER function must not search a schema its callers could write to:
    # the tables' own schema, then pg_temp last.
    search_path = f"{connection.ops.quote_name(schema)}, pg_temp"
    schema_editor.execute(HELPERS, params=None)
    schema_editor.execute(
        APPEND_FUNCTIONS.format(search_path=search_path, access_key=ACCESS_LOCK_KEY, auth_key=AUTH_LOCK_KEY),
        params=None,  # no parameters: '%' in the SQL is PL/pgSQL's, not a placeholder
    )
    schema_editor.execute(CONSTRAINTS_AND_TRIGGERS, params=None)


def drop_chain(apps, schema_editor):
    schema_editor.execute(DROP_ALL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(create_chain, drop_chain),
    ]
