""".ci/services (sourced by .ci/run) on a machine with or without the
PostgreSQL and Redis tools, without root or network: every tool it calls is
a shell stub on a PATH of the test's own that logs its call, and ``apt-get
install`` "installs" a package by putting its stubs on that PATH.
"""

import shutil
import stat
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BASH = shutil.which("bash")
# What the scripts and the stubs use from the system; nothing else is on PATH.
SYSTEM_TOOLS = ["cat", "cp", "dirname", "env", "grep", "ls", "mkdir", "sed", "seq", "sort", "tail"]
SYSTEM_TOOLS += ["chmod", "touch"]

pytestmark = pytest.mark.skipif(BASH is None, reason="needs bash")

LOG = 'printf "%s\\n" "$(basename "$0") $*" >> "$STATE/calls"\n'
STUBS = {
    # Packages: apt-get install puts their tools on PATH, and a cluster's
    # configuration for postgresql.
    "apt-get": LOG
    + """[ "$1" = install ] || exit 0
for package in "$@"; do
  case "$package" in
    postgresql)
      cp "$STUBS"/pg_ctlcluster "$STUBS"/psql "$STUBS"/pg_isready "$BIN"/
      mkdir -p "$PG_CONF_DIR/15/main"
      printf "local all postgres peer\nhost all all 127.0.0.1/32 scram-sha-256\n" \
        > "$PG_CONF_DIR/15/main/pg_hba.conf" ;;
    redis-server) cp "$STUBS"/redis-server "$BIN"/ ;;
    redis-tools) cp "$STUBS"/redis-cli "$BIN"/ ;;
  esac
done
""",
    "pg_ctlcluster": LOG + '[ "$3 $4" = "main start" ] && touch "$STATE/pg_up"\nexit 0\n',
    "pg_isready": LOG + '[ -e "$STATE/pg_up" ]\n',
    # Without a password over TCP only once the loopback is trusted.
    "psql": LOG
    + 'case "$*" in *"SELECT 1"*) grep -qs trust "$PG_CONF_DIR"/*/main/pg_hba.conf ;; esac\n',
    "redis-cli": LOG + '[ -e "$STATE/redis_up" ]\n',
    "redis-server": LOG + 'touch "$STATE/redis_up"\n',
    "sleep": "exit 0\n",  # the waits cost nothing here
    "basename": 'p="${1%/}"; printf "%s\\n" "${p##*/}"\n',
    # For the whole .ci/run: make records what it was asked and with what.
    "make": LOG + 'printf "  DATABASE_URL=%s REDIS_URL=%s REQUIRE_SERVICES=%s\\n" '
    '"${DATABASE_URL-}" "${REDIS_URL-}" "${REQUIRE_SERVICES-}" >> "$STATE/calls"\n',
    "ldconfig": 'echo "libpangoft2-1.0.so.0 (libc6,x86-64) => /usr/lib/libpangoft2-1.0.so.0"\n',
}
POSTGRESQL = ["pg_ctlcluster", "psql", "pg_isready"]
SERVICES = "set -euo pipefail; . .ci/services; ci_services"
REDIS = ["redis-server", "redis-cli"]


class Machine:
    """A PATH of stubs and system tools, and the state the stubs share."""

    def __init__(self, tmp_path: Path):
        self.bin, self.stubs, self.state = tmp_path / "bin", tmp_path / "stubs", tmp_path / "state"
        self.pg_conf = tmp_path / "etc-postgresql"
        for folder in (self.bin, self.stubs, self.state):
            folder.mkdir()
        for name, body in STUBS.items():
            stub = self.stubs / name
            stub.write_text(f"#!{BASH}\n{body}")
            stub.chmod(stub.stat().st_mode | stat.S_IXUSR)
        for tool in SYSTEM_TOOLS:
            (self.bin / tool).symlink_to(shutil.which(tool))
        self.install("sleep", "basename", "make", "ldconfig", "apt-get")

    def install(self, *tools: str) -> None:
        for tool in tools:
            shutil.copy(self.stubs / tool, self.bin / tool)

    def has_postgresql(self, *, running: bool, trusted: bool = True) -> None:
        self.install(*POSTGRESQL)
        (self.pg_conf / "15" / "main").mkdir(parents=True)
        (self.pg_conf / "15" / "main" / "pg_hba.conf").write_text(
            "host all postgres 127.0.0.1/32 trust\n" if trusted else "local all all peer\n"
        )
        if running:
            (self.state / "pg_up").touch()

    def has_redis(self, *, running: bool) -> None:
        self.install(*REDIS)
        if running:
            (self.state / "redis_up").touch()

    def run(self, script: str) -> list[str]:
        done = self._bash(script)
        assert done.returncode == 0, done.stdout + done.stderr
        calls = self.state / "calls"
        return calls.read_text().splitlines() if calls.exists() else []

    def _bash(self, script: str) -> subprocess.CompletedProcess:
        env = {
            "PATH": str(self.bin),
            "HOME": str(self.state),
            "STATE": str(self.state),
            "STUBS": str(self.stubs),
            "BIN": str(self.bin),
            "PG_CONF_DIR": str(self.pg_conf),
            "DATABASE_URL": "postgres://somewhere/else",  # .ci/run decides its own
        }
        return subprocess.run(
            [BASH, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
        )

    def services(self) -> list[str]:
        return self.run(SERVICES)

    def services_fail(self) -> str:
        """What ci_services says when it fails (it must fail)."""
        done = self._bash(SERVICES)
        assert done.returncode != 0, done.stdout + done.stderr
        return done.stderr


def started(calls: list[str], tool: str) -> list[str]:
    return [c for c in calls if c.startswith(f"{tool} ")]


@pytest.fixture
def machine(tmp_path):
    return Machine(tmp_path)


def test_the_scripts_parse():
    for script in (".ci/run", ".ci/services"):
        assert subprocess.run([BASH, "-n", script], cwd=ROOT).returncode == 0


def test_a_bare_machine_gets_both_installed_and_started(machine):
    calls = machine.services()
    assert started(calls, "apt-get") == [
        "apt-get update -qq",  # once for both
        "apt-get install -y -qq postgresql",
        "apt-get install -y -qq redis-server redis-tools",
    ]
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in calls
    # The fresh cluster asked a password: the loopback is trusted, the cluster reloaded.
    hba = (machine.pg_conf / "15" / "main" / "pg_hba.conf").read_text()
    assert hba.splitlines()[0] == "host all postgres 127.0.0.1/32 trust"
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main reload" in calls
    assert started(calls, "redis-server") == [
        "redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save  --appendonly no"
    ]


def test_a_ready_machine_is_left_alone(machine):
    machine.has_postgresql(running=True)
    machine.has_redis(running=True)
    calls = machine.services()
    assert started(calls, "apt-get") == []
    assert started(calls, "pg_ctlcluster") == []
    assert started(calls, "redis-server") == []
    assert machine.pg_conf.joinpath("15/main/pg_hba.conf").read_text().count("trust") == 1


def test_redis_tools_missing_installs_only_redis(machine):
    machine.has_postgresql(running=True)
    calls = machine.services()
    assert started(calls, "apt-get") == [
        "apt-get update -qq",
        "apt-get install -y -qq redis-server redis-tools",
    ]
    assert started(calls, "pg_ctlcluster") == []
    assert len(started(calls, "redis-server")) == 1  # installed, not answering: started


def test_one_redis_tool_missing_is_enough_to_install(machine):
    machine.has_postgresql(running=True)
    machine.install("redis-server")  # the server without redis-cli
    calls = machine.services()
    assert "apt-get install -y -qq redis-server redis-tools" in calls


def test_postgresql_missing_installs_only_postgresql(machine):
    machine.has_redis(running=True)
    calls = machine.services()
    assert started(calls, "apt-get") == ["apt-get update -qq", "apt-get install -y -qq postgresql"]
    assert "pg_ctlcluster --skip-systemctl-redirect 15 main start" in calls
    assert started(calls, "redis-server") == []


def test_tools_without_a_cluster_install_postgresql(machine):
    machine.has_redis(running=True)
    machine.install(*POSTGRESQL)  # the client tools, but no cluster configured
    calls = machine.services()
    assert "apt-get install -y -qq postgresql" in calls


def test_installed_but_stopped_services_are_started_not_installed(machine):
    machine.has_postgresql(running=False)
    machine.has_redis(running=False)
    calls = machine.services()
    assert started(calls, "apt-get") == []
    assert started(calls, "pg_ctlcluster") == [
        "pg_ctlcluster --skip-systemctl-redirect 15 main start"
    ]
    assert len(started(calls, "redis-server")) == 1


def test_the_whole_run_uses_a_database_and_a_prefix_of_its_own(machine):
    machine.has_postgresql(running=True)
    machine.has_redis(running=True)
    calls = machine.run(f"exec {BASH} .ci/run")
    creates = [c for c in calls if "CREATE DATABASE" in c]
    assert len(creates) == 1
    database = creates[0].rsplit(" ", 1)[1]
    assert database.startswith("cercle_ci_")
    makes = [(c, calls[i + 1]) for i, c in enumerate(calls) if c.startswith("make ")]
    assert makes == [
        ("make lint", "  DATABASE_URL=postgres://somewhere/else REDIS_URL= REQUIRE_SERVICES="),
        ("make test", "  DATABASE_URL= REDIS_URL= REQUIRE_SERVICES="),
        (
            "make test",
            f"  DATABASE_URL=postgres://postgres@127.0.0.1:5432/{database} "
            "REDIS_URL=redis://127.0.0.1:6379/9 REQUIRE_SERVICES=1",
        ),
    ]
    # The run's own database goes when it ends.
    assert calls[-1] == f"psql -h 127.0.0.1 -U postgres -q -c DROP DATABASE IF EXISTS {database}"
    # The stub machine has no xgettext: gettext is installed (and chromium
    # when this machine has none).
    assert started(calls, "apt-get") in (
        ["apt-get update -qq", "apt-get install -y -qq gettext"],
        ["apt-get update -qq", "apt-get install -y -qq chromium", "apt-get install -y -qq gettext"],
    )


def test_a_cluster_made_on_another_port_is_moved_to_5432(machine):
    """Found on a bare Debian machine: a cluster created while another server
    held 5432 listens on 5433, so the start "succeeded" and nothing answered."""
    machine.has_postgresql(running=False)
    machine.has_redis(running=True)
    conf = machine.pg_conf / "15" / "main" / "postgresql.conf"
    conf.write_text("listen_addresses = 'localhost'\nport = 5433\t# (change requires restart)\n")
    calls = machine.services()
    assert "port = 5432\t# (change requires restart)" in conf.read_text().splitlines()
    assert started(calls, "pg_ctlcluster") == [
        "pg_ctlcluster --skip-systemctl-redirect 15 main stop",
        "pg_ctlcluster --skip-systemctl-redirect 15 main start",
    ]


def test_a_cluster_on_5432_keeps_its_configuration(machine):
    machine.has_postgresql(running=False)
    machine.has_redis(running=True)
    conf = machine.pg_conf / "15" / "main" / "postgresql.conf"
    conf.write_text("port = 5432\n")
    calls = machine.services()
    assert conf.read_text() == "port = 5432\n"
    assert started(calls, "pg_ctlcluster") == [
        "pg_ctlcluster --skip-systemctl-redirect 15 main start"
    ]


def test_a_server_that_never_answers_stops_the_run_with_one_line(machine):
    machine.has_postgresql(running=False)
    machine.has_redis(running=True)
    (machine.bin / "pg_ctlcluster").write_text(f"#!{BASH}\n{LOG}exit 0\n")  # starts nothing
    said = machine.services_fail()
    assert said.strip() == "ci: PostgreSQL 15 did not answer on 127.0.0.1:5432 within 30 s"


def test_a_redis_that_never_answers_stops_the_run_with_one_line(machine):
    machine.has_postgresql(running=True)
    machine.has_redis(running=False)
    (machine.bin / "redis-server").write_text(f"#!{BASH}\n{LOG}exit 0\n")  # starts nothing
    said = machine.services_fail()
    assert said.strip() == "ci: Redis did not answer on 127.0.0.1:6379 within 30 s"
