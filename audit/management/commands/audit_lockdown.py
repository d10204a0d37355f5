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

``--setup`` first makes the roles themselves, as docker-compose's ``lockdown`` service does after
every ``migrate`` (docs/deployment.md, "Database roles"): the owner (NOLOGIN) and the application's
login role when they are missing (its password from the application's own DATABASE_URL, given as a
file with ``--app-database-url-file``), and grants that role what the application needs on every
other table and sequence of the schema, now and for the tables later migrations create:

    python manage.py audit_lockdown --setup --owner kaigo_audit_owner --app-database-url-file /run/secrets/database_url
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

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
        "SELECT (SELECT count(*) FROM pg_class WHERE relowner = r.oid AND relnamespace = current_schema()::regnamespace)"
        " + (SELECT count(*) FROM pg_proc WHERE proowner = r.oid AND pronamespace = current_schema()::regnamespace),"
        " r.rolcreaterole, r.rolcreatedb FROM pg_roles r WHERE r.rolname = %s",
        [role],
    )
    owned, create_role, create_db = cursor.fetchone()
    if owned:
        problems.append(f"role {role} owns {owned} objects of the schema (tables, indexes, sequences, functions): it must own nothing")
    if create_role:
        problems.append(f"role {role} has CREATEROLE (it could make itself a member of the tables' owner)")
    if create_db:
        problems.append(f"role {role} has CREATEDB")
    owners = sorted(set(_owners(cursor).values()) - {role})
    for owner in owners:
        cursor.execute("SELECT pg_has_role(%s, %s, 'MEMBER')", [role, owner])
        if cursor.fetchone()[0]:
            problems.append(f"role {role} is a member of {owner}, which owns audit tables")
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
        parser.add_argument("--role", help="the role the application connects as (default: the user of "
                                           "--app-database-url-file)")
        parser.add_argument("--owner", help="a NOLOGIN role to own the audit tables and functions "
                                            "(required when --role owns them now, and with --setup)")
        parser.add_argument("--setup", action="store_true",
                            help="first create the owner and the role if missing and grant the role what the "
                                 "application needs on every other table and sequence (run after each migrate)")
        parser.add_argument("--app-database-url-file",
                            help="a file holding the application's DATABASE_URL: its user is the role; with "
                                 "--setup its password becomes the role's")
        parser.add_argument("--dry-run", action="store_true", help="print the statements, run nothing")
        parser.add_argument("--check", action="store_true", help="report whether the role is locked out; change nothing")

    def handle(self, *args, role: str | None = None, owner: str | None = None, setup=False,
               app_database_url_file: str | None = None, dry_run=False, check=False, **options):
        password = None
        if app_database_url_file:
            url_role, password = _role_of_url_file(app_database_url_file)
            if role is not None and role != url_role:
                raise CommandError(f"--role {role} と DATABASE_URL の利用者 {url_role} が異なります。")
            role = url_role
        if role is None:
            raise CommandError("--role か --app-database-url-file を指定してください。")
        if setup:
            if owner is None:
                raise CommandError("--setup には --owner（監査のテーブルを所有する NOLOGIN のロール）が必要です。")
            if owner == role:
                raise CommandError("--owner には --role と別のロールを指定してください。")
            if connection.settings_dict["USER"] == role:
                raise CommandError(f"この接続が {role} 自身です。所有者（マイグレーションを行うロール）で実行してください。")
            setup_statements = self.setup_statements(role=role, owner=owner, password=password)
            if dry_run:
                for statement, params in setup_statements:
                    self.stdout.write((statement.replace("%s", "'********'") if params else statement) + ";")
                self.lock(role=role, owner=owner, dry_run=True, setup=True)
                return
            # one transaction: the broad grants never stand without the lockdown that follows them
            with transaction.atomic():
                with connection.cursor() as cursor:
                    for statement, params in setup_statements:
                        cursor.execute(statement, params)
                self.stdout.write(f"ロール {role} と {owner} を用意し、{role} に業務のテーブルの権限を与えました。")
                self.lock(role=role, owner=owner, dry_run=False, setup=True)
            return
        if check:
            with connection.cursor() as cursor:
                problems = lockdown_problems(cursor, role)
            for problem in problems:
                self.stdout.write(f"NG: {problem}")
            if problems:
                raise CommandError(f"監査記録の保護が不十分です（{len(problems)} 件）。", returncode=1)
            self.stdout.write(f"OK: {role} は監査記録を参照と追記しかできません。")
            return
        self.lock(role=role, owner=owner, dry_run=dry_run, setup=False)

    def lock(self, *, role: str, owner: str | None, dry_run: bool, setup: bool) -> None:
        """Give the audit tables and functions to ``owner`` and leave ``role`` what it may do."""
        with connection.cursor() as cursor:
            found = _role(cursor, role)
            if found is None and setup and dry_run:
                found = (False,)  # made by the statements printed above
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
                if _role(cursor, owner) is None and not (setup and dry_run):
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
            if problems and setup:  # raised inside the transaction: the setup's grants roll back too
                raise CommandError(f"監査記録の保護が不十分です（{len(problems)} 件）。", returncode=1)
        if problems:
            raise CommandError(f"監査記録の保護が不十分です（{len(problems)} 件）。", returncode=1)
        self.stdout.write(f"{role} は監査記録を参照と追記（追記用の関数経由）しかできなくなりました。")

    def setup_statements(self, *, role: str, owner: str, password: str | None) -> list[tuple[str, list | None]]:
        """The roles, and what the application's role needs outside the audit tables: CONNECT and
        TEMPORARY on the database (the batches' COPY goes through temporary tables), USAGE on the
        schema, SELECT/INSERT/UPDATE/DELETE on every table and USAGE/SELECT on every sequence, also
        by default on those the connected role (the migrator) creates later. The lockdown that
        follows takes the audit tables back. Nothing here makes the role own anything."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_database(), current_schema()")
            database, schema = cursor.fetchone()
            existing = {name for name in (role, owner) if _role(cursor, name) is not None}
        r, o, s = _q(role), _q(owner), _q(schema)
        statements: list[tuple[str, list | None]] = []
        if owner not in existing:
            statements.append((f"CREATE ROLE {o} NOLOGIN", None))
        if role not in existing:
            statements.append((f"CREATE ROLE {r} LOGIN", None))
        statements.append((f"ALTER ROLE {r} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS", None))
        if password:
            statements.append((f"ALTER ROLE {r} PASSWORD %s", [password]))
        statements += [
            (f"GRANT CONNECT, TEMPORARY ON DATABASE {_q(database)} TO {r}", None),
            (f"GRANT USAGE ON SCHEMA {s} TO {r}", None),
            (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {s} TO {r}", None),
            (f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {s} TO {r}", None),
            (f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {r}", None),
            (f"ALTER DEFAULT PRIVILEGES IN SCHEMA {s} GRANT USAGE, SELECT ON SEQUENCES TO {r}", None),
        ]
        return statements


def _role_of_url_file(path: str) -> tuple[str, str | None]:
    """The user and password of the DATABASE_URL in a file (a Docker secret). Neither is printed."""
    try:
        url = urlsplit(Path(path).read_text(encoding="utf-8").strip())
    except OSError as exc:
        raise CommandError(f"DATABASE_URL のファイル（{path}）を読めません（{type(exc).__name__}）。") from None
    if url.scheme not in {"postgres", "postgresql"} or not url.username:
        raise CommandError(f"ファイル（{path}）の DATABASE_URL に利用者がありません（postgresql://利用者:パスワード@ホスト/DB）。")
    return unquote(url.username), unquote(url.password) if url.password else None
