#!/usr/bin/env python3
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Time the daily reminder run of account_relance_fr at scale, side by side with
OCA account_credit_control 18.0 ("compute credit lines") on the same data.

In a database of its own (dropped at the end unless ``--keep``) it installs
account_relance_fr (and the peer when found) without demo data, creates N
customers and M posted customer invoices at various ages (some paid) by cloning a
normally created invoice in SQL, then measures:

(a) the first daily run at a date, (b) the run of the next day,
(c) the peer's "compute credit lines" on the same invoices,
the batched PDF rendering of the letters (letters per second), (d) the
dispatcher on a sample of the queued reminders (letters + emails to the queue),
dated AS_OF, with ``--end-to-end`` (e) the first run plus the dispatch of every
reminder it queued, and with ``--workers N`` the dispatch as queue_job jobs
(account_relance_fr_queue_job) by N worker processes against one.

    ODOO_SRC=/path/to/odoo-18.0 python3 bench/daily_run.py --customers 1000 --invoices 10000

Odoo options for the database: --db_host, --db_port, --db_user, --db_password.
The last line reads ``speedup vs account_credit_control: X.XX`` (peer / ours).
"""

import argparse
import contextlib
import cProfile
import os
import pstats
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PEER = "account_credit_control"
AS_OF = date(2026, 6, 15)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=10_000)
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--database", default=f"relance_bench_{os.getpid()}")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--peer-addons-path",
        help="folder holding account_credit_control (default: importable "
        "odoo.addons.account_credit_control)",
    )
    parser.add_argument(
        "--letters", type=int, default=20, help="letters rendered for the PDF figure"
    )
    parser.add_argument(
        "--dispatch",
        type=int,
        default=200,
        help="queued reminders dispatched after the runs (letters + emails)",
    )
    parser.add_argument(
        "--profile", action="store_true", help="print the first run's cProfile top"
    )
    parser.add_argument(
        "--profile-dispatch",
        action="store_true",
        help="print the cProfile top of the dispatch (d)",
    )
    parser.add_argument(
        "--end-to-end",
        action="store_true",
        help="dispatch every queued reminder: (e) run + dispatch, decided to queued",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=0,
        help="dispatch queue_job jobs with this many worker processes, then one "
        "(needs queue_job: --queue-job-addons-path)",
    )
    parser.add_argument(
        "--worker-sample",
        type=int,
        default=300,
        help="queued reminders dispatched by each --workers measurement",
    )
    parser.add_argument(
        "--queue-job-addons-path",
        help="folder holding queue_job (default: the one of --peer-addons-path, "
        "or .odoo/oca/odoo/addons)",
    )
    parser.add_argument("--job-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--addons-path", help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", help=argparse.SUPPRESS)
    parser.add_argument("--db_host")
    parser.add_argument("--db_port")
    parser.add_argument("--db_user")
    parser.add_argument("--db_password")
    return parser.parse_args(argv)


# ------------------------------------------------------------------ Odoo lookup


def ensure_odoo():
    """Re-run under ODOO_PYTHON, or put ODOO_SRC first on the path."""
    python = os.environ.get("ODOO_PYTHON")
    other = python and os.path.realpath(python) != os.path.realpath(sys.executable)
    if other and not os.environ.get("RELANCE_BENCH_REEXEC"):
        env = dict(os.environ, RELANCE_BENCH_REEXEC="1")
        os.execve(python, [python, *sys.argv], env)
    src = os.environ.get("ODOO_SRC")
    if src:
        sys.path.insert(0, src)
    try:
        import odoo  # noqa: F401  pylint: disable=unused-import,import-outside-toplevel
    except ImportError:
        sys.exit("Odoo 18 not importable: set ODOO_SRC (source tree) or ODOO_PYTHON.")


def odoo_root():
    import odoo  # pylint: disable=import-outside-toplevel

    return Path(odoo.__file__).resolve().parent.parent


def peer_addons_path(option):
    if option:
        return option if (Path(option) / PEER).is_dir() else None
    try:
        import importlib.util  # pylint: disable=import-outside-toplevel

        spec = importlib.util.find_spec(f"odoo.addons.{PEER}")
    except ImportError:
        spec = None
    if spec and spec.origin:
        return str(Path(spec.origin).resolve().parent.parent)
    return None


def db_options(args):
    options = []
    for key in ("db_host", "db_port", "db_user", "db_password"):
        value = getattr(args, key)
        if value:
            options.append(f"--{key}={value}")
    return options


def install(args, addons_path, modules, data_dir):
    """Create the database and install the addons (odoo-bin, no demo data)."""
    root = odoo_root()
    cmd = [
        sys.executable,
        str(root / "odoo-bin"),
        f"--addons-path={addons_path}",
        f"--data-dir={data_dir}",
        *db_options(args),
        "-d",
        args.database,
        "-i",
        ",".join(modules),
        "--without-demo=all",
        "--stop-after-init",
        "--no-http",
        "--log-level=warn",
    ]
    started = time.perf_counter()
    subprocess.run(cmd, check=True)
    print(f"install {','.join(modules)}: {time.perf_counter() - started:.1f} s")


# ---------------------------------------------------------------- measurement


class Measure:
    """Wall time, SQL queries and peak resident memory of a block."""

    def __init__(self, label):
        self.label = label

    def __enter__(self):
        from odoo import sql_db  # pylint: disable=import-outside-toplevel

        self._sql_db = sql_db
        reset_peak_rss()
        self.rss_before = current_rss_mb()
        self.queries = sql_db.sql_counter
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.started
        self.queries = self._sql_db.sql_counter - self.queries
        self.peak_mb = peak_rss_mb()
        self.growth_mb = self.peak_mb - self.rss_before
        return False

    def line(self, **figures):
        extra = ", ".join(f"{key} {value}" for key, value in figures.items())
        return (
            f"{self.label}: {extra}, wall {self.seconds:.2f} s, SQL queries "
            f"{self.queries}, peak memory {self.peak_mb:.0f} MB "
            f"(+{self.growth_mb:.0f} MB)"
        )


def _status_kb(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


def reset_peak_rss():
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def current_rss_mb():
    return _status_kb("VmRSS:") / 1024


def peak_rss_mb():
    return _status_kb("VmHWM:") / 1024


# -------------------------------------------------------------------- data


def clone_rows(cr, table, template_id, series, overrides, join=""):
    """INSERT copies of one row of ``table``, one per row of ``series`` (a FROM
    item exposing ``n``; ``join`` may add ``JOIN ... ON ...``), with the columns
    of ``overrides`` replaced by SQL expressions. Returns the rows inserted."""
    cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position",
        [table],
    )
    columns = [name for (name,) in cr.fetchall()]
    missing = set(overrides) - set(columns)
    assert not missing, f"{table}: unknown columns {missing}"
    select = [overrides.get(col, f't."{col}"') for col in columns]
    quoted = ", ".join(f'"{col}"' for col in columns)
    # Identifiers come from the catalogue and expressions from this file only.
    cr.execute(
        f"INSERT INTO {table} ({quoted}) "  # noqa: S608
        f"SELECT {', '.join(select)} FROM {table} t CROSS JOIN {series} {join} "
        f"WHERE t.id = {int(template_id)}"
    )
    return cr.rowcount


def setup_company(env):
    company = env.company
    company.write(
        {
            "country_id": env.ref("base.fr").id,
            "street": "1 rue de la Paix",
            "zip": "75002",
            "city": "Paris",
            "email": "compta@example.fr",
        }
    )
    if not env["account.account"].search(
        [("account_type", "=", "asset_receivable")], limit=1
    ):
        env["account.chart.template"].try_loading("generic_coa", company)
    return company


def create_customers(env, count):
    template = env["res.partner"].create(
        {
            "name": "Bench customer template",
            "is_company": True,
            "email": "template@example.com",
            "street": "2 avenue Victor Hugo",
            "zip": "69002",
            "city": "Lyon",
            "country_id": env.ref("base.fr").id,
            "customer_rank": 1,
        }
    )
    env.flush_all()
    cr = env.cr
    clone_rows(
        cr,
        "res_partner",
        template.id,
        f"generate_series(1, {int(count)}) AS n",
        {
            "name": "'Bench customer ' || n",
            "complete_name": "'Bench customer ' || n",
            "email": "'customer' || n || '@example.com'",
            "ref": "'BENCH-' || n",
        },
    )
    cr.execute(
        "UPDATE res_partner SET commercial_partner_id = id "
        "WHERE ref LIKE 'BENCH-%%' RETURNING id"
    )
    ids = sorted(row[0] for row in cr.fetchall())
    env.invalidate_all()
    return template, ids


def create_template_invoice(env, partner, amount=1000.0):
    from odoo import Command  # pylint: disable=import-outside-toplevel

    day = AS_OF - timedelta(days=30)
    move = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": partner.id,
            "invoice_date": day,
            "invoice_date_due": day,
            "date": day,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Service",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    move.action_post()
    env.flush_all()
    return move


# Invoice n: customer n % N, due 1 to 120 days before AS_OF, amount 100 to 1 960,
# one in ten paid (reconciled, noise that both products must ignore).
MOVE_SERIES = (
    "(SELECT n, c.ids[1 + n %% c.total] AS partner_id, "
    "(DATE %(as_of)s - (1 + n %% 120)) AS due, "
    "(100 + (n %% 63) * 30)::numeric AS amount, "
    "(n %% 10 = 0) AS paid "
    "FROM generate_series(1, %(count)s) AS n, "
    "(SELECT array_agg(id ORDER BY id) AS ids, count(*) AS total "
    "FROM res_partner WHERE ref LIKE 'BENCH-%%') c) s"
)


def create_invoices(env, template, count):
    """Clone the template invoice and its lines ``count`` times in SQL."""
    cr = env.cr
    series = cr.mogrify(
        MOVE_SERIES, {"as_of": AS_OF.isoformat(), "count": int(count)}
    ).decode()
    residual = "(CASE WHEN s.paid THEN 0 ELSE s.amount END)"
    amount_overrides = {
        col: ("s.amount" if "residual" not in col else residual)
        for col in (
            "amount_untaxed",
            "amount_total",
            "amount_residual",
            "amount_untaxed_signed",
            "amount_untaxed_in_currency_signed",
            "amount_total_signed",
            "amount_total_in_currency_signed",
            "amount_residual_signed",
        )
    }
    clone_rows(
        cr,
        "account_move",
        template.id,
        series,
        {
            **amount_overrides,
            "name": "'BNCH/' || lpad(s.n::text, 7, '0')",
            "payment_reference": "'BNCH/' || lpad(s.n::text, 7, '0')",
            "sequence_prefix": "'BNCH/'",
            "sequence_number": "s.n",
            "partner_id": "s.partner_id",
            "commercial_partner_id": "s.partner_id",
            "partner_shipping_id": "s.partner_id",
            "invoice_partner_display_name": "'Bench customer'",
            "date": "s.due",
            "invoice_date": "s.due",
            "invoice_date_due": "s.due",
            "payment_state": "(CASE WHEN s.paid THEN 'paid' ELSE 'not_paid' END)",
            "access_token": "NULL",
            "inalterable_hash": "NULL",
            "secure_sequence_number": "NULL",
        },
    )
    new_moves = (
        "(SELECT id AS move_id, sequence_number AS n FROM account_move "
        "WHERE sequence_prefix = 'BNCH/') m"
    )
    for line in template.line_ids:
        sign = 1 if line.balance > 0 else -1
        receivable = line.account_id.account_type == "asset_receivable"
        amount = "s.amount" if sign > 0 else "-s.amount"
        open_amount = residual if receivable else "0"
        overrides = {
            "move_id": "m.move_id",
            "move_name": "'BNCH/' || lpad(s.n::text, 7, '0')",
            "partner_id": "s.partner_id",
            "date": "s.due",
            "invoice_date": "s.due",
            "date_maturity": "s.due" if receivable else 't."date_maturity"',
            "debit": "s.amount" if sign > 0 else "0",
            "credit": "0" if sign > 0 else "s.amount",
            "balance": amount,
            "amount_currency": amount,
            "amount_residual": open_amount,
            "amount_residual_currency": open_amount,
            "reconciled": "s.paid" if receivable else 't."reconciled"',
            "price_unit": "s.amount" if not receivable else 't."price_unit"',
            "price_subtotal": "s.amount" if not receivable else 't."price_subtotal"',
            "price_total": "s.amount" if not receivable else 't."price_total"',
        }
        clone_rows(
            cr,
            "account_move_line",
            line.id,
            series,
            overrides,
            join=f"JOIN {new_moves} ON m.n = s.n",
        )
    cr.execute("ANALYZE account_move; ANALYZE account_move_line; ANALYZE res_partner")
    env.invalidate_all()


def verify_invoice(env, template):
    """Compare one generated invoice with the normally created template."""
    Move = env["account.move"]
    generated = Move.search(
        [("sequence_prefix", "=", "BNCH/"), ("payment_state", "=", "not_paid")],
        limit=1,
    )
    problems = []
    for move in (template, generated):
        receivable = move.line_ids.filtered(
            lambda line: line.account_id.account_type == "asset_receivable"
        )
        checks = {
            "posted": move.state == "posted" and receivable.parent_state == "posted",
            "one receivable line": len(receivable) == 1,
            "balanced": move.currency_id.is_zero(sum(move.line_ids.mapped("balance"))),
            "residual": move.currency_id.compare_amounts(
                receivable.amount_residual, move.amount_total
            )
            == 0,
            "move residual": move.currency_id.compare_amounts(
                move.amount_residual, receivable.amount_residual
            )
            == 0,
            "maturity": receivable.date_maturity == move.invoice_date_due,
            "partner": receivable.partner_id == move.commercial_partner_id,
            "open invoice": move._relance_is_open_invoice(),
        }
        problems += [f"{move.name}: {name}" for name, ok in checks.items() if not ok]
    # The ORM's own computation gives the stored amounts back.
    stored = (
        generated.amount_total,
        generated.amount_residual,
        generated.payment_state,
    )
    generated._compute_amount()
    recomputed = (
        generated.amount_total,
        generated.amount_residual,
        generated.payment_state,
    )
    if stored != recomputed:
        problems.append(f"{generated.name}: stored {stored} != computed {recomputed}")
    env.invalidate_all()
    if problems:
        sys.exit("generated invoice differs: " + "; ".join(problems))
    print(f"verify: {generated.name} matches {template.name} (created normally)")


def build_data(env, customers, invoices):
    with Measure("data") as measure:
        setup_company(env)
        template_partner, _ids = create_customers(env, customers)
        template = create_template_invoice(env, template_partner)
        create_invoices(env, template, invoices)
        env.cr.commit()
    env.cr.execute(
        "SELECT count(*), count(*) FILTER (WHERE payment_state = 'not_paid') "
        "FROM account_move WHERE sequence_prefix = 'BNCH/'"
    )
    total, unpaid = env.cr.fetchone()
    print(
        measure.line(invoices=total, unpaid=unpaid, customers=customers)
        + " (bulk SQL clone of a normal invoice)"
    )
    verify_invoice(env, template)
    return template


def our_run(env, label, as_of, profile=False):
    Event = env["account.relance.event"]
    before = Event.search_count([])
    profiler = cProfile.Profile() if profile else contextlib.nullcontext()
    with Measure(label) as measure, profiler:
        env["account.relance.policy"]._run_relances(as_of=as_of, cron_progress=True)
        env.cr.commit()
    if profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    env.invalidate_all()
    events = Event.search([("id", ">", 0)], order="id desc", limit=None)
    created = events[: len(events) - before]
    invoices = len(created.line_ids.move_id)
    print(
        measure.line(
            date=as_of,
            invoices=invoices,
            customers=len(created.partner_id),
            events=len(created),
        )
    )
    return measure, created


def peer_run(env, as_of):
    policy = env.ref("account_credit_control.credit_control_3_time")
    receivables = env["account.account"].search(
        [("account_type", "=", "asset_receivable")]
    )
    policy.account_ids = [(6, 0, receivables.ids)]
    env.company.credit_policy_id = policy
    env.cr.commit()
    with Measure("(c) account_credit_control compute credit lines") as measure:
        run = env["credit.control.run"].create(
            {"date": as_of, "policy_ids": [(6, 0, policy.ids)]}
        )
        run.generate_credit_lines()
        env.cr.commit()
    lines = run.line_ids
    print(
        measure.line(
            date=as_of,
            invoices=len(lines.move_line_id.move_id),
            customers=len(lines.partner_id),
            lines=len(lines),
        )
    )
    return measure


def letters(env, events, count):
    """Letters rendered by batches (one wkhtmltopdf process per batch) against
    one process per letter."""
    report = env.ref("account_relance_fr.action_report_relance_letter")
    sample = events[:count]
    if not sample:
        print("letters: no reminder to render")
        return
    Report = env["ir.actions.report"]
    with Measure(f"letters batched ({len(sample)})") as batched:
        pdfs = Report._relance_render_batch(
            report, sample, marker=lambda event: f"({event.name})"
        )
    assert set(pdfs) == set(sample.ids), "every letter rendered"
    print(batched.line(letters_per_second=f"{len(sample) / batched.seconds:.1f}"))
    one_by_one = sample[: min(5, len(sample))]
    with Measure(f"letters one by one ({len(one_by_one)})") as single:
        for event in one_by_one:
            Report._render_qweb_pdf(report, event.ids)
    print(single.line(letters_per_second=f"{len(one_by_one) / single.seconds:.1f}"))


def dispatch(env, count, profile=False):
    """What the dispatcher cron does after the run, on the first ``count``
    queued reminders, dated AS_OF: letters in batches, emails handed to the
    mail queue."""
    if count <= 0:
        print("(d) dispatch: skipped (--dispatch 0)")
        return None
    Event = env["account.relance.event"]
    queued = Event.search([("state", "=", "queued")], order="id", limit=count)
    letters_before = count_letters(env)
    profiler = cProfile.Profile() if profile else contextlib.nullcontext()
    label = f"(d) dispatch of {len(queued)} queued reminders"
    with Measure(label) as measure, profiler:
        dispatch_ids(env, queued.ids)
    if profile:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(45)
    env.invalidate_all()
    states = {}
    for event in queued:
        states[event.state] = states.get(event.state, 0) + 1
    per_second = len(queued) / measure.seconds if measure.seconds else 0
    letters = count_letters(env) - letters_before
    print(
        measure.line(
            reminders_per_second=f"{per_second:.1f}",
            states=states,
            letters=letters,
            letters_per_second=f"{letters / measure.seconds:.1f}"
            if measure.seconds
            else 0,
        )
    )
    return measure


def dispatch_ids(env, ids):
    """The dispatcher's batches (``_dispatch_batch``), committed one by one."""
    from odoo.addons.account_relance_fr.models.account_relance_event_dispatch import (  # noqa: E501  pylint: disable=import-outside-toplevel
        DISPATCH_BATCH_SIZE,
    )

    Event = env["account.relance.event"]
    for start in range(0, len(ids), DISPATCH_BATCH_SIZE):
        Event._dispatch_batch(ids[start : start + DISPATCH_BATCH_SIZE], AS_OF)
        env.cr.commit()


def count_letters(env):
    env.cr.execute(
        "SELECT count(*) FROM ir_attachment WHERE res_model = "
        "'account.relance.event' AND name LIKE 'REL-%%'"
    )
    return env.cr.fetchone()[0]


def end_to_end(env, first, dispatched_seconds):
    """(e): the first run, then every reminder still queued handed over
    (``dispatched_seconds``: the dispatch measured before, (d) and workers)."""
    Event = env["account.relance.event"]
    ids = Event.search([("state", "=", "queued")], order="id").ids
    with Measure("dispatch of the other queued reminders") as rest:
        dispatch_ids(env, ids)
    print(rest.line(reminders=len(ids)))
    total = first.seconds + rest.seconds + dispatched_seconds
    handed = Event.search_count([("state", "not in", ("queued", "cancelled"))])
    print(f"(e) end to end: {handed} reminders in {total:.1f} s")


def workers_ratio(args, env, addons_path, data_dir):
    """The same number of queued reminders dispatched as queue_job jobs by
    ``args.workers`` worker processes, then by one: the ratio of the rates.
    Returns the seconds they took."""
    Event = env["account.relance.event"]
    rates, total = {}, 0.0
    for workers in (args.workers, 1):
        ids = Event.search(
            [("state", "=", "queued")], order="id", limit=args.worker_sample
        ).ids
        if not ids:
            print(f"workers {workers}: no queued reminder left")
            return total
        day = AS_OF.isoformat()
        for start in range(0, len(ids), 50):
            Event.with_delay(channel="root.relance")._dispatch_batch_job(
                ids[start : start + 50], day
            )
        env.cr.commit()
        seconds = run_workers(args, addons_path, data_dir, workers)
        total += seconds
        env.invalidate_all()
        left = Event.search_count([("id", "in", ids), ("state", "=", "queued")])
        rates[workers] = (len(ids) - left) / seconds
        print(
            f"workers {workers}: {len(ids) - left} reminders in {seconds:.1f} s, "
            f"reminders_per_second {rates[workers]:.1f}"
        )
    print(f"workers {args.workers} vs 1: ratio {rates[args.workers] / rates[1]:.2f}")
    return total


def run_workers(args, addons_path, data_dir, count):
    """Start ``count`` worker processes, let them go at once when all have
    loaded Odoo, and return the seconds until the last one is done."""
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--job-worker",
        f"--database={args.database}",
        f"--addons-path={addons_path}",
        f"--data-dir={data_dir}",
        *(
            f"--{key}={getattr(args, key)}"
            for key in ("db_host", "db_port", "db_user", "db_password")
            if getattr(args, key)
        ),
    ]
    procs = [
        subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        for _n in range(count)
    ]
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", "worker did not start"
    started = time.perf_counter()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    for proc in procs:
        proc.wait()
    return time.perf_counter() - started


def job_worker(args):
    """A worker: performs the pending jobs of root.relance with queue_job's
    Job (as its /queue_job/runjob controller does) until none is left."""
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    odoo.tools.config.parse_config(
        [
            f"--addons-path={args.addons_path}",
            f"--data-dir={args.data_dir}",
            *db_options(args),
            "-d",
            args.database,
            "--log-level=warn",
        ]
    )
    registry = odoo.modules.registry.Registry(args.database)
    from odoo.addons.queue_job.job import Job  # pylint: disable=import-outside-toplevel

    print("ready", flush=True)
    sys.stdin.readline()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        while True:
            cr.execute(
                """SELECT uuid FROM queue_job
                    WHERE state IN ('pending', 'enqueued') AND channel = 'root.relance'
                    ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED"""
            )
            row = cr.fetchone()
            if not row:
                cr.commit()
                return
            job = Job.load(env, row[0])
            job.set_started()
            job.store()
            job.perform()
            env.flush_all()
            job.set_done()
            job.store()
            env.flush_all()
            cr.commit()
            env.invalidate_all()


def mail_queue(env):
    env.cr.execute("SELECT state, count(*) FROM mail_mail GROUP BY state")
    states = dict(env.cr.fetchall())
    print(f"mail queue: {states or 'empty'} (emails queued, not sent by the run)")


def serve_http(env):
    """wkhtmltopdf loads the letters' assets from Odoo: serve HTTP in a thread."""
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo.service import server  # pylint: disable=import-outside-toplevel

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    odoo.tools.config["http_interface"] = "127.0.0.1"
    odoo.tools.config["http_port"] = port
    server.ThreadedServer(odoo.http.root).http_spawn()
    url = f"http://127.0.0.1:{port}"
    params = env["ir.config_parameter"].sudo()
    params.set_param("web.base.url", url)
    params.set_param("report.url", url)
    env.cr.commit()


def drop(args):
    from odoo.service import db  # pylint: disable=import-outside-toplevel
    from odoo.sql_db import close_db  # pylint: disable=import-outside-toplevel

    close_db(args.database)
    db.exp_drop(args.database)
    print(f"database {args.database} dropped")


def queue_job_addons_path(args, peer):
    for folder in (
        args.queue_job_addons_path,
        peer,
        str(REPO / ".odoo" / "oca" / "odoo" / "addons"),
    ):
        if folder and (Path(folder) / "queue_job").is_dir():
            return folder
    return None


def main(argv=None):
    args = parse_args(argv)
    ensure_odoo()
    if args.job_worker:
        job_worker(args)
        return
    import odoo  # pylint: disable=import-outside-toplevel
    from odoo import SUPERUSER_ID, api  # pylint: disable=import-outside-toplevel

    root = odoo_root()
    peer = peer_addons_path(args.peer_addons_path)
    paths = [str(root / "odoo" / "addons"), str(root / "addons"), str(REPO)]
    modules = ["account_relance_fr"]
    if peer:
        paths.append(peer)
        modules.append(PEER)
    else:
        print(f"(c) skipped: {PEER} not found (use --peer-addons-path)")
    queue_job = queue_job_addons_path(args, peer) if args.workers else None
    if queue_job:
        paths.append(queue_job)
        modules.append("account_relance_fr_queue_job")
    elif args.workers:
        print("workers: skipped, queue_job not found (use --queue-job-addons-path)")
    addons_path = ",".join(dict.fromkeys(paths))
    data_dir = tempfile.mkdtemp(prefix="relance_bench_")
    install(args, addons_path, modules, data_dir)
    odoo.tools.config.parse_config(
        [
            f"--addons-path={addons_path}",
            f"--data-dir={data_dir}",
            *db_options(args),
            "-d",
            args.database,
            "--log-level=warn",
        ]
    )
    try:
        registry = odoo.modules.registry.Registry(args.database)
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            serve_http(env)
            build_data(env, args.customers, args.invoices)
            first, events = our_run(env, "(a) first run", AS_OF, args.profile)
            our_run(env, "(b) next day", AS_OF + timedelta(days=1))
            letters(env, events, args.letters)
            dispatched = dispatch(env, args.dispatch, args.profile_dispatch)
            seconds = dispatched.seconds if dispatched else 0.0
            if queue_job:
                seconds += workers_ratio(args, env, addons_path, data_dir)
            if args.end_to_end:
                end_to_end(env, first, seconds)
            mail_queue(env)
            env.cr.rollback()
            peer_measure = peer_run(env, AS_OF) if peer else None
        if peer_measure:
            ratio = peer_measure.seconds / first.seconds
            print(f"speedup vs account_credit_control: {ratio:.2f}")
        else:
            print("speedup vs account_credit_control: n/a (peer not installed)")
    finally:
        if not args.keep:
            drop(args)


if __name__ == "__main__":
    main()
