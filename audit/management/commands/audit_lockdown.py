"""Take UPDATE, DELETE and TRUNCATE of the audit tables (the hash chains and the change trail's
event tables) away from the application's role.

Run once by an operator in production (as a superuser or the tables' owner), and again after
every migration of the audit app or of an app's change trail, and every broad GRANT to the
application role:

    python manage.py audit_lockdown --role kaigo_app --owner kaigo_audit_owner

Afterwards the application role can read the chains and append to them only through the
append functions (SECURITY DEFINER, owned by --owner); it cannot insert rows of its own, change
or delete rows, truncate, alter the tables or disable their triggers. ``--check`` reports
whether that holds (exit 1 if not) and changes nothing.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from audit.trail_models import trail_event_models

CHAIN_TABLES = ["audit_accesslogentry", "audit_accessseal", "audit_authevent"]
CHECKPOINT_TABLE = "audit_chaincheckpoint"
# The change trail's event tables, of every app that declares a trail (audit.trail_models): the
# triggers on the tracked tables insert into them with the rights of whoever writes, so the
# application's role keeps SELECT and INSERT (and the id sequences) and loses UPDATE, DELETE,
# TRUNCATE.
TRAIL_TABLES = sorted(model._meta.db_table for model in trail_event_models())
LOCKED_TABLES = [*CHAIN_TABLES, CHECKPOINT_TABLE, *TRAIL_TABLES]
# Every function of the chains: whoever owns one could redefine it, and the append functions
# run them with their owner's rights.
FUNCTIONS = [
    "audit_field(bytea)",
    "audit_text(text)",
    "audit_int(bigint)",
    "audit_ts(timestamptz)",
    "audit_int_array(bigint[])",
    "audit_access_canonical(audit_accesslogentry, bigint)",
    "audit_auth_canonical(audit_authevent)",
    "audit_refuse_change()",
    "audit_trail_guard()",
    "audit_access_append(bigint, text, inet, text, text, text, text, bigint[], integer, text, text)",
    "audit_auth_append(text, bigint, text, text, inet, text, text, jsonb)",
    "audit_access_seal(interval, integer)",
]
APPEND_FUNCTIONS = FUNCTIONS[-3:]  # appending and sealing: the application's only ways to write the chains
FORBIDDEN = {
    "audit_accesslogentry": ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    "audit_accessseal": ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    "audit_authevent": ["INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    CHECKPOINT_TABLE: ["UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"],
    **{table: ["UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"] for table in TRAIL_TABLES},
}


def _q(name: str) -> str:
    return connection.ops.quote_name(name)


def _role(cursor, name: str) -> tuple[bool] | None:
    cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = %s", [name])
    return cursor.fetchone()


def _owners(cursor) -> dict[str, str]:
    cursor.execute(
        "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c "
        "WHERE c.relname = ANY(%s) AND c.relkind IN ('r', 'p') AND pg_table_is_visible(c.oid)",
        [LOCKED_TABLES],
    )
    return dict(cursor.fetchall())


def lockdown_problems(cursor, role: str) -> list[str]:
    """What still lets ``role`` change the audit tables (empty: locked down)."""
    problems = []
    found = _role(cursor, role)
    if found is None:
        return [f"role {role} does not exist"]
    if found[0]:
        problems.append(f"role {role} is a superuser: privileges and ownership do not bind it")
    for table, owner in sorted(_owners(cursor).items()):
        if owner == role:
            problems.append(f"role {role} owns {table}")
    for table, privileges in FORBIDDEN.items():
        for privilege in privileges:
            cursor.execute("SELECT has_table_privilege(%s, %s, %s)", [role, table, privilege])
            if cursor.fetchone()[0]:
                problems.append(f"role {role} holds {privilege} on {table}")
    for table in TRAIL_TABLES:  # without INSERT every write to a tracked table would fail
        cursor.execute("SELECT has_table_privilege(%s, %s, 'INSERT')", [role, table])
        if not cursor.fetchone()[0]:
            problems.append(f"role {role} cannot INSERT into {table}: its writes to the tracked tables would fail")
    cursor.execute(
        "SELECT pg_get_userbyid(nspowner) FROM pg_namespace WHERE nspname = current_schema()"
    )
    if cursor.fetchone()[0] == role:
        problems.append(f"role {role} owns the schema (a schema's owner can drop the tables)")
    cursor.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()")
    if cursor.fetchone()[0] == role:
        problems.append(f"role {role} owns the database")
    return problems


class Command(BaseCommand):
    help = "Take UPDATE, DELETE and TRUNCATE of the audit tables from the application's database role."

    def add_arguments(self, parser):
        parser.add_argument("--role", required=True, help="the role the application connects as")
        parser.add_argument("--owner", help="a NOLOGIN role to own the audit tables and functions "
                                            "(required when --role owns them now)")
        parser.add_argument("--dry-run", action="store_true", help="print the statements, run nothing")
        parser.add_argument("--check", action="store_true", help="report whether the role is locked out; change nothing")

    def handle(self, *args, role: str, owner: str | None = None, dry_run=False, check=False, **options):
        with connection.cursor() as cursor:
            if check:
                problems = lockdown_problems(cursor, role)
                for problem in problems:
                    self.stdout.write(f"NG: {problem}")
                if problems:
                    raise CommandError(f"監査記録の保護が不十分です（{len(problems)} 件）。", returncode=1)
                self.stdout.write(f"OK: {role} は監査記録を参照と追記しかできません。")
                return
            found = _role(cursor, role)
            if found is None:
                raise CommandError(f"ロール {role} がありません。")
            if found[0]:
                raise CommandError(
                    f"ロール {role} はスーパーユーザーです。権限では制限できません: "
                    "アプリケーションはスーパーユーザーでない専用のロールで接続してください。"
                )
            owners = _owners(cursor)
            if len(owners) != len(LOCKED_TABLES):
                raise CommandError("監査のテーブルがありません。先に migrate を実行してください。")
            if owner is not None:
                if _role(cursor, owner) is None:
                    raise CommandError(f"ロール {owner} がありません。")
                if owner == role:
                    raise CommandError("--owner には --role と別のロールを指定してください。")
            elif role in owners.values():
                raise CommandError(
                    f"ロール {role} が監査のテーブルを所有しています。所有者は権限を取り戻せるため、"
                    "--owner で別のロール（NOLOGIN）に所有者を移してください。"
                )
            trail_sequences = []
            for table in TRAIL_TABLES:
                cursor.execute("SELECT pg_get_serial_sequence(%s, 'pgh_id')", [table])
                trail_sequences.append(cursor.fetchone()[0])
        statements = []
        if owner is not None:
            statements += [f"ALTER TABLE {_q(table)} OWNER TO {_q(owner)}" for table in LOCKED_TABLES]
            statements += [f"ALTER FUNCTION {function} OWNER TO {_q(owner)}" for function in FUNCTIONS]
        tables = ", ".join(_q(table) for table in [*CHAIN_TABLES, CHECKPOINT_TABLE])
        statements += [
            f"REVOKE ALL ON TABLE {tables} FROM {_q(role)}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {tables} FROM PUBLIC",
            f"GRANT SELECT ON TABLE {', '.join(_q(t) for t in CHAIN_TABLES)} TO {_q(role)}",
            f"GRANT SELECT, INSERT ON TABLE {_q(CHECKPOINT_TABLE)} TO {_q(role)}",
        ]
        statements += [f"GRANT EXECUTE ON FUNCTION {function} TO {_q(role)}" for function in APPEND_FUNCTIONS]
        trail = ", ".join(_q(table) for table in TRAIL_TABLES)
        statements += [
            f"REVOKE ALL ON TABLE {trail} FROM {_q(role)}",
            f"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {trail} FROM PUBLIC",
            f"GRANT SELECT, INSERT ON TABLE {trail} TO {_q(role)}",
            f"GRANT USAGE ON SEQUENCE {', '.join(trail_sequences)} TO {_q(role)}",
        ]
        if dry_run:
            for statement in statements:
                self.stdout.write(statement + ";")
            return
        with transaction.atomic(), connection.cursor() as cursor:
            for statement in statements:
                cursor.execute(statement)
            problems = lockdown_problems(cursor, role)
        for problem in problems:
            self.stdout.write(f"NG: {problem}")
        if problems:
            raise CommandError(f"監査記録の保護が不十分です（{len(problems)} 件）。", returncode=1)
        self.stdout.write(f"{role} は監査記録を参照と追記（追記用の関数経由）しかできなくなりました。")
