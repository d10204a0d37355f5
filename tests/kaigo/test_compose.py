"""docker-compose.yml and the Dockerfile, checked without Docker (see docs/deployment.md).

Each check returns the problems it finds. The positive tests expect none in the real files;
the negative tests break a copy of the data and expect a problem, so no check passes vacuously.
No database is needed.
"""

from __future__ import annotations

import copy
import importlib
import json
import re
import shlex
from pathlib import Path

import pytest
import yaml
from celery import Celery
from celery.app.utils import find_app
from django.core.management import get_commands
from django.urls import Resolver404, resolve

from kaigo.devenv import SERVER_SETTINGS

BASE_DIR = Path(__file__).resolve().parents[2]
COMPOSE = BASE_DIR / "docker-compose.yml"
DOCKERFILE = BASE_DIR / "Dockerfile"
SETTINGS = BASE_DIR / "kaigo" / "settings.py"

APP_SERVICES = ("migrate", "lockdown", "web", "worker", "beat")
SERVING = ("web", "worker", "beat")  # connect as the application's role
ONE_SHOT = ("migrate", "lockdown")  # connect as the database's owner
ALL_SERVICES = {"postgres", "redis", *APP_SERVICES}
APP_DATABASE_URL = "/run/secrets/database_url"
OWNER_DATABASE_URL = "/run/secrets/database_owner_url"
# beat has no probe to ask; migrate and lockdown are one-shot jobs.
WITH_HEALTHCHECK = {"postgres", "redis", "web", "worker"}
DATA_DIRS = {"postgres": "/var/lib/postgresql/data", "redis": "/data"}
ENV_READ = re.compile(r"""\b(?:env(?:_bool|_list)?\(|os\.environ\.get\()\s*["']([A-Z][A-Z0-9_]*)["']""")


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def settings_env_names() -> set[str]:
    return set(ENV_READ.findall(SETTINGS.read_text(encoding="utf-8")))


def as_argv(command) -> list[str]:
    return list(command) if isinstance(command, list) else shlex.split(command)


def healthcheck_argv(service: dict) -> list[str]:
    test = service["healthcheck"]["test"]
    if isinstance(test, str):
        return shlex.split(test)
    if test[0] == "CMD-SHELL":
        return shlex.split(test[1])
    return list(test[1:]) if test[0] == "CMD" else list(test)


def secret_names(service: dict) -> set[str]:
    return {s if isinstance(s, str) else s["source"] for s in service.get("secrets", [])}


# --- checks of the compose data ---------------------------------------------------------


def check_services(compose: dict) -> list[str]:
    found = set(compose.get("services", {}))
    return [] if found == ALL_SERVICES else [f"services are {sorted(found)}, expected {sorted(ALL_SERVICES)}"]


def check_one_image(compose: dict) -> list[str]:
    services = compose["services"]
    builds = {name: (services[name].get("build"), services[name].get("image")) for name in APP_SERVICES}
    problems = [f"{name} is not built from the Dockerfile" for name, (build, _) in builds.items() if build != "."]
    if len(set(builds.values())) != 1:
        problems.append(f"app services differ in build/image: {builds}")
    return problems


def check_healthchecks(compose: dict) -> list[str]:
    found = {name for name, service in compose["services"].items() if "healthcheck" in service}
    return [] if found == WITH_HEALTHCHECK else [f"healthchecks on {sorted(found)}, expected {sorted(WITH_HEALTHCHECK)}"]


def check_named_volumes(compose: dict) -> list[str]:
    declared = set(compose.get("volumes") or {})
    problems = []
    for name, target in DATA_DIRS.items():
        mounts = [v.split(":") for v in compose["services"][name].get("volumes", []) if isinstance(v, str)]
        sources = [m[0] for m in mounts if len(m) >= 2 and m[1] == target]
        if len(sources) != 1 or sources[0] not in declared:
            problems.append(f"{name} {target} is not on a named volume declared under volumes: {sources}")
    return problems


def check_secrets(compose: dict) -> list[str]:
    declared = compose.get("secrets") or {}
    problems = []
    for name, secret in declared.items():
        if secret.get("file") != f"./secrets/{name}":
            problems.append(f"secret {name} is not the file ./secrets/{name}")
    for name, service in compose["services"].items():
        used = secret_names(service)
        problems += [f"{name} uses undeclared secret {s}" for s in sorted(used - set(declared))]
        for var, value in (service.get("environment") or {}).items():
            if var.endswith("_FILE") and str(value).startswith("/run/secrets/"):
                secret = str(value).removeprefix("/run/secrets/")
                if secret not in used:
                    problems.append(f"{name}: {var} points to secret {secret} the service does not mount")
    return problems


def check_worker_scalable(compose: dict) -> list[str]:
    worker = compose["services"]["worker"]
    return [f"worker has {key}; --scale worker=N needs it gone"
            for key in ("container_name", "hostname", "ports") if key in worker]


def check_env_names(compose: dict) -> list[str]:
    read = settings_env_names()
    problems = []
    for name in APP_SERVICES:
        for var in compose["services"][name].get("environment") or {}:
            if var.removesuffix("_FILE") not in read:
                problems.append(f"{name}: {var} is not read in kaigo/settings.py")
    for var in compose["services"]["postgres"].get("environment") or {}:
        if not var.startswith("POSTGRES_"):
            problems.append(f"postgres: {var} is not a POSTGRES_* variable of the image")
    return problems


def check_depends_on(compose: dict) -> list[str]:
    expected = {
        "migrate": {"postgres": "service_healthy"},
        "lockdown": {"postgres": "service_healthy", "migrate": "service_completed_successfully"},
        **{name: {"postgres": "service_healthy", "redis": "service_healthy",
                  "migrate": "service_completed_successfully", "lockdown": "service_completed_successfully"}
           for name in SERVING},
    }
    problems = []
    for name, wanted in expected.items():
        found = {dep: (cond or {}).get("condition")
                 for dep, cond in (compose["services"][name].get("depends_on") or {}).items()}
        if found != wanted:
            problems.append(f"{name} depends_on {found}, expected {wanted}")
    return problems


def check_web_healthcheck(compose: dict) -> list[str]:
    web = compose["services"]["web"]
    port = as_argv(web["command"])[as_argv(web["command"]).index("--bind") + 1].rsplit(":", 1)[1]
    urls = re.findall(r"http://127\.0\.0\.1:(\d+)(/[^'\"\s]*)", " ".join(healthcheck_argv(web)))
    if len(urls) != 1:
        return [f"web healthcheck asks {urls}, expected one local URL"]
    url_port, path = urls[0]
    problems = [] if url_port == port else [f"web healthcheck asks port {url_port}, gunicorn binds {port}"]
    try:
        if resolve(path).url_name != "healthz":
            problems.append(f"web healthcheck asks {path}, not the healthz view")
    except Resolver404:
        problems.append(f"web healthcheck asks {path}, which no URL matches")
    return problems


def check_postgres_settings(compose: dict) -> list[str]:
    """The PostgreSQL server runs with the settings of the embedded one (kaigo.devenv.SERVER_SETTINGS:
    group commit of the access-log rows), given as ``-c name=value`` after ``postgres``."""
    argv = as_argv(compose["services"]["postgres"].get("command") or [])
    if argv[:1] != ["postgres"]:
        return [f"postgres command does not start postgres: {argv}"]
    given = dict(a.split("=", 1) for flag, a in zip(argv[1::2], argv[2::2], strict=False) if flag == "-c" and "=" in a)
    return [] if given == SERVER_SETTINGS else [f"postgres settings are {given}, expected {SERVER_SETTINGS}"]


def check_redis_persistence(compose: dict) -> list[str]:
    """Issue 17 item 6: Redis keeps its queues across a restart: append-only file on, written to
    disk every second or on every write (docs/deployment.md, "Redis persistence"). Its data
    directory /data is on a named volume (check_named_volumes)."""
    argv = as_argv(compose["services"]["redis"].get("command") or [])
    if argv[:1] != ["redis-server"]:
        return [f"redis command does not start redis-server: {argv}"]
    problems = []
    if _option(argv, "--appendonly") != "yes":
        problems.append(f"redis runs without its append-only file (--appendonly {_option(argv, '--appendonly')})")
    if _option(argv, "--appendfsync") not in {"everysec", "always"}:
        problems.append(f"redis append-only file is not synced every second (--appendfsync "
                        f"{_option(argv, '--appendfsync')})")
    return problems


def _option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


def check_database_roles(compose: dict) -> list[str]:
    """Issue 17: web, worker and beat connect as the application's role, which owns nothing (the
    lockdown role of audit_lockdown); only migrate and lockdown connect as the database's owner
    (the superuser the postgres image creates), and lockdown runs audit_lockdown --setup with the
    application's own DATABASE_URL after every migrate."""
    services = compose["services"]
    problems = []
    for name in SERVING:
        url = (services[name].get("environment") or {}).get("DATABASE_URL_FILE")
        if url != APP_DATABASE_URL:
            problems.append(f"{name} connects with {url}, expected the application's role ({APP_DATABASE_URL})")
        if "database_owner_url" in secret_names(services[name]):
            problems.append(f"{name} mounts the owner's database URL")
    for name in ONE_SHOT:
        url = (services[name].get("environment") or {}).get("DATABASE_URL_FILE")
        if url != OWNER_DATABASE_URL:
            problems.append(f"{name} connects with {url}, expected the owner ({OWNER_DATABASE_URL})")
    argv = as_argv(services["lockdown"].get("command") or [])
    if argv[:3] != ["python", "manage.py", "audit_lockdown"] or "--setup" not in argv:
        problems.append(f"lockdown does not run audit_lockdown --setup: {argv}")
    owner = _option(argv, "--owner")
    superuser = (services["postgres"].get("environment") or {}).get("POSTGRES_USER")
    if not owner or owner == superuser:
        problems.append(f"lockdown's --owner is {owner!r}: a NOLOGIN role of its own, not the superuser {superuser}")
    url_file = _option(argv, "--app-database-url-file")
    if url_file != APP_DATABASE_URL or "database_url" not in secret_names(services["lockdown"]):
        problems.append(f"lockdown does not make the role of the application's DATABASE_URL ({url_file})")
    return problems


def check_audit_heads_volume(compose: dict) -> list[str]:
    """The audit chains' heads are written outside the database, to a file on a named volume that
    every app service mounts at the same place (the worker writes, audit_verify reads it)."""
    services = compose["services"]
    declared = set(compose.get("volumes") or {})
    problems = []
    for name in APP_SERVICES:
        path = (services[name].get("environment") or {}).get("KAIGO_AUDIT_HEADS_PATH")
        if not path:
            problems.append(f"{name} has no KAIGO_AUDIT_HEADS_PATH")
            continue
        mounts = [v.split(":") for v in services[name].get("volumes", []) if isinstance(v, str)]
        holding = [m for m in mounts if len(m) >= 2 and path.startswith(m[1].rstrip("/") + "/")]
        if len(holding) != 1 or holding[0][0] not in declared:
            problems.append(f"{name}: {path} is not on a named volume declared under volumes: {holding}")
    return problems


COMPOSE_CHECKS = [check_services, check_one_image, check_healthchecks, check_named_volumes, check_secrets,
                  check_worker_scalable, check_env_names, check_depends_on, check_web_healthcheck,
                  check_postgres_settings, check_database_roles, check_audit_heads_volume, check_redis_persistence]


# --- entry points ----------------------------------------------------------------------


def entry_point_problems(argv: list[str]) -> list[str]:
    """Whether what a command starts exists in the code (gunicorn app, Celery app, manage.py command)."""
    try:
        if argv[0] == "gunicorn":
            module, attr = argv[1].split(":")
            return [] if callable(getattr(importlib.import_module(module), attr)) else [f"{argv[1]} not callable"]
        if argv[0] == "celery" and argv[1] == "-A":
            return [] if isinstance(find_app(argv[2]), Celery) else [f"no Celery app in {argv[2]}"]
        if argv[:2] == ["python", "manage.py"]:
            return [] if argv[2] in get_commands() else [f"no management command {argv[2]}"]
    except (ImportError, AttributeError, ValueError, IndexError) as exc:
        return [f"{shlex.join(argv)}: {type(exc).__name__}: {exc}"]
    return [f"unknown entry point: {shlex.join(argv)}"]


def compose_commands(compose: dict) -> dict[str, list[str]]:
    services = compose["services"]
    commands = {name: as_argv(services[name]["command"]) for name in APP_SERVICES}
    commands["worker healthcheck"] = healthcheck_argv(services["worker"])
    return commands


# --- Dockerfile ------------------------------------------------------------------------


def dockerfile_problems(text: str) -> list[str]:
    """The last CMD/ENTRYPOINT (exec form) starts kaigo.wsgi; the build-time key passes the production check."""
    starts = re.findall(r"^(?:CMD|ENTRYPOINT)\s+(.+)$", text, flags=re.MULTILINE)
    if not starts:
        return ["no CMD or ENTRYPOINT"]
    try:
        argv = json.loads(starts[-1])
    except json.JSONDecodeError:
        return [f"CMD is not in exec form: {starts[-1]}"]
    problems = [] if "kaigo.wsgi:application" in argv else [f"CMD does not start kaigo.wsgi: {argv}"]
    problems += entry_point_problems(argv)
    key = re.search(r"^ARG BUILD_SECRET_KEY=(\S+)$", text, flags=re.MULTILINE)
    if not key or len(key.group(1)) < 50:
        problems.append("BUILD_SECRET_KEY is missing or shorter than the 50 characters production requires")
    return problems


# --- tests -----------------------------------------------------------------------------


def test_settings_regex_finds_the_variables():
    names = settings_env_names()
    assert {"KAIGO_ENV", "DJANGO_SECRET_KEY", "DATABASE_URL", "REDIS_URL", "KAIGO_CELERY_QUEUE"} <= names


@pytest.mark.parametrize("check", COMPOSE_CHECKS, ids=lambda c: c.__name__)
def test_compose(check):
    assert check(load_compose()) == []


@pytest.mark.parametrize("name", [*APP_SERVICES, "worker healthcheck"])
def test_compose_entry_point_exists(name):
    assert entry_point_problems(compose_commands(load_compose())[name]) == []


def test_celery_app_is_kaigo_celery_app():
    import kaigo

    assert find_app("kaigo") is kaigo.celery_app


def test_dockerfile():
    assert dockerfile_problems(DOCKERFILE.read_text(encoding="utf-8")) == []


def test_the_image_makes_the_heads_mount_point_for_its_user():
    """A new named volume takes the owner of the image's directory: the worker (uid kaigo) must be
    able to append the audit heads there."""
    path = load_compose()["services"]["worker"]["environment"]["KAIGO_AUDIT_HEADS_PATH"]
    directory = path.rsplit("/", 1)[0]
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert f"mkdir -p {directory}" in text
    assert re.search(rf"chown kaigo:kaigo [^\n]*{re.escape(directory)}\b", text)


def _set(path: str, value):
    def mutate(compose):
        *parents, last = path.split(".")
        node = compose
        for key in parents:
            node = node[key]
        node[last] = value
    return mutate


def _delete(path: str):
    def mutate(compose):
        *parents, last = path.split(".")
        node = compose
        for key in parents:
            node = node[key]
        del node[last]
    return mutate


BREAKAGES = [
    (check_services, _delete("services.beat")),
    (check_one_image, _set("services.worker.image", "other:latest")),
    (check_one_image, _set("services.migrate.build", "./other")),
    (check_healthchecks, _delete("services.web.healthcheck")),
    (check_healthchecks, _set("services.beat.healthcheck", {"test": ["CMD", "true"]})),
    (check_named_volumes, _set("services.postgres.volumes", ["./pgdata:/var/lib/postgresql/data"])),
    (check_named_volumes, _delete("volumes.redis-data")),
    (check_secrets, _delete("secrets.database_url")),
    (check_secrets, _set("services.web.secrets", ["django_secret_key"])),
    (check_worker_scalable, _set("services.worker.container_name", "kaigo-worker")),
    (check_worker_scalable, _set("services.worker.ports", ["5555:5555"])),
    (check_env_names, _set("services.worker.environment.KAIGO_NOT_READ", "1")),
    (check_env_names, _set("services.web.environment.DATABASE_URI_FILE", "/run/secrets/database_url")),
    (check_env_names, _set("services.postgres.environment.PGDATA", "/data")),
    (check_depends_on, _set("services.web.depends_on.migrate.condition", "service_started")),
    (check_depends_on, _delete("services.beat.depends_on.migrate")),
    (check_web_healthcheck, _set("services.web.healthcheck.test",
                                 ["CMD", "python", "-c", "u.urlopen('http://127.0.0.1:8000/nothere')"])),
    (check_postgres_settings, _delete("services.postgres.command")),
    (check_redis_persistence, _delete("services.redis.command")),
    (check_redis_persistence, _set("services.redis.command", ["redis-server", "--appendonly", "no",
                                                              "--appendfsync", "everysec"])),
    (check_redis_persistence, _set("services.redis.command", ["redis-server", "--appendonly", "yes",
                                                              "--appendfsync", "no"])),
    (check_postgres_settings, _set("services.postgres.command", ["postgres", "-c", "commit_delay=300"])),
    (check_web_healthcheck, _set("services.web.healthcheck.test",
                                 ["CMD", "python", "-c", "u.urlopen('http://127.0.0.1:9000/healthz')"])),
    (check_depends_on, _delete("services.worker.depends_on.lockdown")),
    (check_database_roles, _set("services.web.environment", {"DATABASE_URL_FILE": OWNER_DATABASE_URL})),
    (check_database_roles, _set("services.worker.secrets", ["database_url", "database_owner_url"])),
    (check_database_roles, _set("services.migrate.environment", {"DATABASE_URL_FILE": APP_DATABASE_URL})),
    (check_database_roles, _set("services.lockdown.command", ["python", "manage.py", "audit_lockdown", "--owner",
                                                              "kaigo_audit_owner", "--role", "kaigo_app"])),
    (check_database_roles, _set("services.lockdown.command", ["python", "manage.py", "audit_lockdown", "--setup",
                                                              "--owner", "kaigo", "--app-database-url-file",
                                                              APP_DATABASE_URL])),
    (check_database_roles, _set("services.lockdown.secrets", ["database_owner_url"])),
    (check_audit_heads_volume, _set("services.worker.volumes", [])),
    (check_audit_heads_volume, _delete("volumes.audit-heads")),
    (check_audit_heads_volume, _set("services.beat.environment", {"KAIGO_ENV": "production"})),
]


@pytest.mark.parametrize("check, mutate", BREAKAGES,
                         ids=[f"{c.__name__}-{i}" for i, (c, _) in enumerate(BREAKAGES)])
def test_compose_check_catches_a_broken_copy(check, mutate):
    broken = copy.deepcopy(load_compose())
    mutate(broken)
    assert check(broken) != []


@pytest.mark.parametrize("argv", [
    ["gunicorn", "kaigo.wsgi:nothing", "--bind", "0.0.0.0:8000"],
    ["gunicorn", "kaigo.nowhere:application"],
    ["celery", "-A", "nokaigo", "worker"],
    ["python", "manage.py", "no_such_command"],
    ["uwsgi", "--module", "kaigo.wsgi"],
])
def test_entry_point_check_catches_a_missing_entry_point(argv):
    assert entry_point_problems(argv) != []


@pytest.mark.parametrize("old, new", [
    ('CMD ["gunicorn", "kaigo.wsgi:application"', 'CMD ["gunicorn", "other.wsgi:application"'),
    ('CMD ["gunicorn"', '# CMD ["gunicorn"'),
    ("ARG BUILD_SECRET_KEY=build-only-dummy-secret-key-never-used-at-runtime-0123456789",
     "ARG BUILD_SECRET_KEY=too-short"),
], ids=["other-wsgi", "no-cmd", "short-build-key"])
def test_dockerfile_check_catches_a_broken_copy(old, new):
    text = DOCKERFILE.read_text(encoding="utf-8")
    assert old in text
    assert dockerfile_problems(text.replace(old, new)) != []
