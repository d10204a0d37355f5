"""The access log is chained by a sealing job instead of at each append (ADR 0003, 2026-11-26).

Until now ``audit_access_append`` took the chain's advisory lock, read the last row, hashed the
new one and inserted it, and the lock lasted until the caller's commit: every page's WAL flush
waited for the previous page's, and none could share one. Now the append is a plain INSERT and
``audit_access_seal`` (the beat job every minute, and a full pass before each verification)
chains the committed rows into ``audit_accessseal``, one link per row, in the order it finds
them. The canonical bytes stay the v1 form (the row's columns with the link's seq), so the links
moved here from the rows verify unchanged.
"""

from django.db import migrations, models

ACCESS_LOCK_KEY = 0x6B6169676F0001  # the chain's advisory-lock key (migration 0002), now the sealer's

MOVE_LINKS = r"""
INSERT INTO audit_accessseal (seq, entry_id, prev_hash, row_hash, sealed_at)
SELECT seq, id, prev_hash, row_hash, created_at FROM audit_accesslogentry ORDER BY seq;
DROP FUNCTION audit_access_append(bigint, text, inet, text, text, text, text, bigint[], integer, text, text);
DROP FUNCTION audit_access_canonical(audit_accesslogentry);
ALTER TABLE audit_accesslogentry DROP CONSTRAINT audit_access_hash_lengths;
"""

# {search_path} is filled in at migration time with the schema the tables are in.
FUNCTIONS = r"""
-- The v1 canonical form of an access-log row with the seq of its link.
CREATE FUNCTION audit_access_canonical(r audit_accesslogentry, p_seq bigint) RETURNS bytea
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
    SELECT audit_text('kaigo.audit.access.v1')
        || audit_int(r.id) || audit_int(p_seq) || audit_ts(r.created_at)
        || audit_int(r.staff_id) || audit_text(r.username)
        || audit_text(r.client_ip::text) || audit_text(r.terminal_id) || audit_text(r.session_hash)
        || audit_text(r."function") || audit_text(r.channel) || audit_int_array(r.person_ids)
        || audit_int(r.hits) || audit_text(r.criteria_kind) || audit_text(r.purpose)
$$;

-- Append one access-log row: one INSERT, no lock (the sealing job chains it).
CREATE FUNCTION audit_access_append(
    p_staff_id bigint, p_username text, p_client_ip inet, p_terminal_id text, p_session_hash text,
    p_function text, p_channel text, p_person_ids bigint[], p_hits integer, p_criteria_kind text,
    p_purpose text
) RETURNS audit_accesslogentry
LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = {search_path}
AS $$
    INSERT INTO audit_accesslogentry (created_at, staff_id, username, client_ip, terminal_id, session_hash,
                                      "function", channel, person_ids, hits, criteria_kind, purpose)
    VALUES (clock_timestamp(), p_staff_id, coalesce(p_username, ''), p_client_ip, coalesce(p_terminal_id, ''),
            coalesce(p_session_hash, ''), p_function, p_channel, coalesce(p_person_ids, '{{}}'::bigint[]), p_hits,
            coalesce(p_criteria_kind, ''), coalesce(p_purpose, ''))
    RETURNING *
$$;

-- Chain the committed access-log rows that have no link yet, in id order, at most p_limit of
-- them; only rows created within p_window (NULL: all rows, the full pass before a
-- verification). One sealer at a time (the chain's advisory lock, held to the end of the
-- calling transaction). Returns the number of rows sealed.
CREATE FUNCTION audit_access_seal(p_window interval, p_limit integer) RETURNS integer
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = {search_path}
AS $$
DECLARE
    e audit_accesslogentry;
    last_seq bigint;
    last_hash bytea;
    sealed integer := 0;
BEGIN
    -- The statements below must see the links committed before the lock was granted: true in
    -- READ COMMITTED only (a REPEATABLE READ snapshot may predate the previous sealer's commit).
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'audit_access_seal needs READ COMMITTED isolation, not %',
            current_setting('transaction_isolation') USING ERRCODE = 'invalid_transaction_state';
    END IF;
    PERFORM pg_advisory_xact_lock({access_key});
    SELECT s.seq, s.row_hash INTO last_seq, last_hash FROM audit_accessseal s ORDER BY s.seq DESC LIMIT 1;
    last_seq := coalesce(last_seq, 0);
    last_hash := coalesce(last_hash, decode(repeat('00', 32), 'hex'));
    FOR e IN
        SELECT * FROM audit_accesslogentry x
         WHERE (p_window IS NULL OR x.created_at >= clock_timestamp() - p_window)
           AND NOT EXISTS (SELECT 1 FROM audit_accessseal s WHERE s.entry_id = x.id)
         ORDER BY x.id
         LIMIT p_limit
    LOOP
        last_seq := last_seq + 1;
        INSERT INTO audit_accessseal (seq, entry_id, prev_hash, row_hash, sealed_at)
        VALUES (last_seq, e.id, last_hash, sha256(last_hash || audit_access_canonical(e, last_seq)), clock_timestamp())
        RETURNING row_hash INTO last_hash;
        sealed := sealed + 1;
    END LOOP;
    RETURN sealed;
END
$$;

ALTER TABLE audit_accessseal
    ADD CONSTRAINT audit_accessseal_hash_lengths CHECK (octet_length(prev_hash) = 32 AND octet_length(row_hash) = 32);
CREATE TRIGGER audit_accessseal_append_only BEFORE UPDATE OR DELETE ON audit_accessseal
    FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change();
REVOKE UPDATE, DELETE, TRUNCATE ON audit_accessseal FROM PUBLIC;
"""


def create_functions(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_schema()")
        (schema,) = cursor.fetchone()
    search_path = f"{connection.ops.quote_name(schema)}, pg_temp"  # as in migration 0002
    schema_editor.execute(FUNCTIONS.format(search_path=search_path, access_key=ACCESS_LOCK_KEY), params=None)


class Migration(migrations.Migration):
    """Forward only: links sealed after it follow the order of commits, not of ids, and cannot be
    put back into the rows."""

    dependencies = [
        ("audit", "0011_reduction_event_deferral_end"),
    ]

    operations = [
        migrations.CreateModel(
            name="AccessSeal",
            fields=[
                ("seq", models.BigIntegerField(primary_key=True, serialize=False, verbose_name="連番")),
                ("entry_id", models.BigIntegerField(unique=True, verbose_name="アクセス記録の番号")),
                ("prev_hash", models.BinaryField(max_length=32, verbose_name="直前の行のハッシュ")),
                ("row_hash", models.BinaryField(max_length=32, verbose_name="行のハッシュ")),
                ("sealed_at", models.DateTimeField(verbose_name="封印日時")),
            ],
            options={
                "verbose_name": "アクセス記録の連鎖",
                "verbose_name_plural": "アクセス記録の連鎖",
                "constraints": [models.CheckConstraint(condition=models.Q(("seq__gte", 1)),
                                                       name="audit_accessseal_seq_positive")],
            },
        ),
        migrations.RunSQL(MOVE_LINKS),
        migrations.RemoveIndex(model_name="accesslogentry", name="audit_access_staff_seq"),
        migrations.RemoveConstraint(model_name="accesslogentry", name="audit_access_seq_positive"),
        migrations.RemoveField(model_name="accesslogentry", name="seq"),
        migrations.RemoveField(model_name="accesslogentry", name="prev_hash"),
        migrations.RemoveField(model_name="accesslogentry", name="row_hash"),
        migrations.AddIndex(model_name="accesslogentry",
                            index=models.Index(fields=["staff", "id"], name="audit_access_staff_id")),
        migrations.RunPython(create_functions),
    ]
