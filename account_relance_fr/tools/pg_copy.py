# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""PostgreSQL ``COPY`` of many rows at once (the daily run's reminders and
their lines)."""

import io

import psycopg2

from odoo.tools import SQL


def copy_text(value):
    """``value`` in PostgreSQL's COPY text format (False and None are NULL)."""
    if value is False or value is None:
        return "\\N"
    if isinstance(value, str):
        return (
            value.replace("\\", "\\\\")
            .replace("\t", "\\t")
            .replace("\n", "\\n")
            .replace("\r", "\\r")
        )
    return str(value)


def copy_into(cr, table, columns, data):
    """COPY ``data`` (rows in text format) into ``columns`` of ``table``; as in
    the ORM's own COPY of xml ids (``__ensure_xml_id``), without the wait
    callback of asynchronous workers, which COPY does not support."""
    query = SQL(
        "COPY %s (%s) FROM STDIN",
        SQL.identifier(table),
        SQL(", ").join(SQL.identifier(column) for column in columns),
    )
    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        cr.copy_expert(query.code, io.StringIO(data))
    finally:
        psycopg2.extensions.set_wait_callback(callback)


def next_ids(cr, table, count):
    """``count`` new ids of ``table`` from its own sequence (one query)."""
    cr.execute(
        SQL(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) "
            "FROM generate_series(1, %s)",
            table,
            count,
        )
    )
    return sorted(new_id for (new_id,) in cr.fetchall())


def _copy_boolean(value):
    return "t" if value else "f"


def _copy_number(value):
    """Ids, integers, ``Decimal`` and dates: their text needs no escaping."""
    return "\\N" if value is False or value is None else str(value)


def _column_writer(model, name):
    """The function writing a value of column ``name`` in COPY text format
    (chosen once per column: a batch writes a hundred thousand values)."""
    if name == "id":
        return _copy_number
    kind = model._fields[name].type
    if kind == "boolean":
        return _copy_boolean
    if kind in ("many2one", "integer", "float", "monetary", "date"):
        return _copy_number
    return copy_text


def copy_rows(model, rows):
    """Insert ``rows`` (dicts of column values with the same keys, ids
    included or not) into the table of ``model`` with one COPY, the log access
    columns set as the ORM does. Values are column values: ids, numbers,
    ``Decimal``, dates, booleans, plain text (no translated or JSON field)."""
    if not rows:
        return
    columns = sorted(rows[0])
    unsupported = [
        name
        for name in columns
        if name != "id"
        and (model._fields[name].translate or model._fields[name].column_type is None)
    ]
    if unsupported:
        raise ValueError(f"COPY cannot write {model._name} fields {unsupported}")
    writers = [_column_writer(model, name) for name in columns]
    env = model.env
    now = env.cr.now()
    log_access = "\t".join(map(copy_text, (env.uid, env.uid, now, now)))
    data = "".join(
        "\t".join(
            [write(row[name]) for name, write in zip(columns, writers, strict=True)]
        )
        + f"\t{log_access}\n"
        for row in rows
    )
    copy_into(
        env.cr,
        model._table,
        [*columns, "create_uid", "write_uid", "create_date", "write_date"],
        data,
    )
