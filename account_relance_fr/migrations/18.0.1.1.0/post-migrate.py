# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.1.0: the mail templates' bodies of this version on databases that
still have a body an earlier version shipped.

The templates are ``noupdate`` (users may edit them), so an upgrade never
changes them: a database installed before keeps bodies with short dates, the
old "Please find our reminder letter attached." sentence on every level with a
letter, and no link to the customer's statement page. This script gives such a
database this version's body, in English and in each language the addon
translates, but only for a template whose body, in every language stored, is
still one an earlier version shipped (``shipped_mail_bodies.json``, from the
git history). A template someone edited, in any language, is left as it is,
and the log says so."""

import json
import logging
from pathlib import Path

from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.tools.misc import file_path
from odoo.tools.translate import PoFileReader, get_po_paths

_logger = logging.getLogger(__name__)

MODULE = "account_relance_fr"
DATA_FILE = f"{MODULE}/data/mail_template_data.xml"
SHIPPED = Path(__file__).with_name("shipped_mail_bodies.json")


def migrate(cr, version):
    if not version:
        return
    update_shipped_bodies(api.Environment(cr, SUPERUSER_ID, {}))


def update_shipped_bodies(env, shipped=None):
    """Give this version's body to every template of the addon whose body is
    still an earlier shipped one; ``{xml id: "updated" | "current" | "edited"
    | "missing"}`` (current: it already has this version's body)."""
    shipped = shipped or json.loads(SHIPPED.read_text(encoding="utf-8"))
    current = _current_bodies()
    outcome = {}
    for name, bodies in shipped["bodies"].items():
        template = env.ref(f"{MODULE}.{name}", raise_if_not_found=False)
        if not template or name not in current:
            outcome[name] = "missing"
            continue
        known = {
            lang: values.get(name, [])
            for lang, values in shipped["translations"].items()
        }
        field = template._fields["body_html"]
        if _stored(template).get("en_US") == field.convert_to_cache(
            current[name], template
        ):
            outcome[name] = "current"
        elif _as_shipped(template, bodies, known):
            _write_body(template, current[name])
            outcome[name] = "updated"
            _logger.info("Mail template %s: body updated to version 18.0.1.1.0", name)
        else:
            outcome[name] = "edited"
            _logger.warning(
                "Mail template %s was edited: its body is left as it is. This "
                "version writes its dates in full and links the customer's "
                "statement page (object.statement_url); see the template in %s "
                "to carry that over by hand.",
                name,
                DATA_FILE,
            )
    return outcome


def _current_bodies():
    """``{xml id: body}`` of the templates as this version ships them, read as
    ``odoo/tools/convert.py`` reads a field of type html."""
    tree = etree.parse(file_path(DATA_FILE))
    bodies = {}
    for record in tree.iter("record"):
        field = record.find("field[@name='body_html']")
        if field is not None:
            bodies[record.get("id")] = "".join(
                etree.tostring(node, method="html", encoding="unicode")
                for node in field
            )
    return bodies


def _stored(template):
    """The body as stored: ``{lang: value}``, every language it holds."""
    template.flush_recordset(["body_html"])
    template.env.cr.execute(
        "SELECT body_html FROM mail_template WHERE id = %s", [template.id]
    )
    return template.env.cr.fetchone()[0] or {}


def _as_shipped(template, bodies, known):
    """Whether the stored body is, in every language, one an earlier version
    shipped: its English one of ``bodies`` (as the field stores them), each
    translation one of ``known[lang]`` or the English text itself."""
    stored = _stored(template)
    field = template._fields["body_html"]
    english = stored.get("en_US")
    if english not in {field.convert_to_cache(body, template) for body in bodies}:
        return False
    return all(
        value == english or value in known.get(lang, ())
        for lang, value in stored.items()
        if lang != "en_US"
    )


def _write_body(template, body):
    """This version's ``body`` in English, its translations from the addon's
    po files (none: the language falls back to English)."""
    template.with_context(lang="en_US").write({"body_html": body})
    english = _stored(template)["en_US"]
    translations = {}
    for lang, _name in template.env["res.lang"].get_installed():
        if lang != "en_US":
            translations[lang] = _po_body(template, lang, english) or False
    if translations:
        template.update_field_translations("body_html", translations)


def _po_body(template, lang, english):
    """The translation of ``template``'s body in the addon's po file of
    ``lang`` (its base language's as a fallback, as Odoo loads them), if it
    translates ``english`` (the body as stored), else False."""
    name = template.get_external_id()[template.id].split(".", 1)[1]
    found = False
    for path in get_po_paths(MODULE, lang):
        for entry in PoFileReader(path):
            if (
                entry["type"] == "model"
                and entry["name"] == "mail.template,body_html"
                and entry.get("imd_name") == name
                and entry["src"] == english
                and entry["value"]
            ):
                found = entry["value"]
    return found
