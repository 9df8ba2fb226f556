# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""PostgreSQL ``COPY`` of many rows at once (the daily run's reminder lines)."""

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
