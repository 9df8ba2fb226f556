# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The 18.0.1.1.0 migration of the mail templates (``noupdate``): a template
that still has a body an earlier version shipped gets this version's body,
in English and in French; a template someone edited, in English or only in
French, is left as it is, and the log names it."""

import importlib.util
import json
from pathlib import Path

from psycopg2.extras import Json

from odoo.tests import TransactionCase, tagged

from .common import load_french

MIGRATION = (
    Path(__file__).resolve().parent.parent
    / "migrations"
    / "18.0.1.1.0"
    / "post-migrate.py"
)
PREFIX = "account_relance_fr."


def _migration():
    spec = importlib.util.spec_from_file_location(
        "relance_migrate_18_0_1_1_0", MIGRATION
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@tagged("post_install", "-at_install")
class TestRelanceMigration(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_french(cls.env)
        cls.migration = _migration()
        cls.shipped = json.loads(
            MIGRATION.with_name("shipped_mail_bodies.json").read_text()
        )

    def _template(self, name):
        return self.env.ref(PREFIX + name)

    def _stored(self, template):
        template.flush_recordset()
        self.env.cr.execute(
            "SELECT body_html FROM mail_template WHERE id = %s", [template.id]
        )
        return self.env.cr.fetchone()[0]

    def _store(self, template, value):
        """``value`` ({lang: body}) as an older database holds it."""
        self.env.cr.execute(
            "UPDATE mail_template SET body_html = %s WHERE id = %s",
            [Json(value), template.id],
        )
        template.invalidate_recordset(["body_html"])

    def _old(self, name, version=0):
        """``name``'s body as version ``version`` (0: the first) shipped it,
        in English (as the field stores it) and in French."""
        template = self._template(name)
        english = str(
            template._fields["body_html"].convert_to_cache(
                self.shipped["bodies"][name][version], template
            )
        )
        return {
            "en_US": english,
            "fr_FR": self.shipped["translations"]["fr_FR"][name][0],
        }

    def test_shipped_bodies_are_updated_edited_ones_are_kept(self):
        names = {
            "courteous": "mail_template_relance_courteous",
            "second": "mail_template_relance_second",
            "formal": "mail_template_relance_formal",
            "before_due": "mail_template_relance_before_due",
        }
        templates = {key: self._template(name) for key, name in names.items()}
        fresh = {key: self._stored(template) for key, template in templates.items()}
        self.assertIn("'format': 'long'", fresh["courteous"]["en_US"])
        self.assertIn("object.statement_url", fresh["courteous"]["en_US"])
        self.assertIn("'format': 'long'", fresh["courteous"]["fr_FR"])

        # The courteous template as the documents' version shipped it: "letter
        # attached" whenever the level has a letter, no statement link, short
        # dates.
        old = self._old(names["courteous"], version=1)
        self.assertIn(
            '<p t-if="object.level_id.report_id">Please find our reminder letter attached.',
            old["en_US"],
        )
        self.assertNotIn("statement_url", old["en_US"])
        self._store(templates["courteous"], old)
        # The second: shipped, then a sentence added by the user in English.
        edited = self._old(names["second"], version=-1)
        edited["en_US"] = edited["en_US"].replace(
            "<p>If you have already paid",
            "<p>Call us on 01 23 45 67 89.</p><p>If you have already paid",
        )
        self._store(templates["second"], edited)
        # The mise en demeure's copy: English as shipped, French edited.
        french_edit = self._old(names["formal"], version=-1)
        french_edit["fr_FR"] = french_edit["fr_FR"].replace(
            "Bonjour", "Chère cliente, cher client"
        )
        self._store(templates["formal"], french_edit)

        with self.assertLogs(self.migration.__name__, level="WARNING") as logs:
            outcome = self.migration.update_shipped_bodies(self.env)

        self.assertEqual(
            outcome,
            {
                names["courteous"]: "updated",
                names["second"]: "edited",
                names["formal"]: "edited",
                names["before_due"]: "current",
            },
        )
        self.assertEqual(self._stored(templates["courteous"]), fresh["courteous"])
        self.assertEqual(self._stored(templates["second"]), edited)
        self.assertEqual(self._stored(templates["formal"]), french_edit)
        self.assertEqual(self._stored(templates["before_due"]), fresh["before_due"])
        output = "\n".join(logs.output)
        self.assertNotIn(
            names["courteous"], output, "an updated template is no warning"
        )
        for key in ("second", "formal"):
            self.assertIn(
                f"WARNING:{self.migration.__name__}:Mail template {names[key]} was edited",
                output,
            )
        # A French reader of the updated template reads this version's French.
        body = templates["courteous"].with_context(lang="fr_FR").body_html
        self.assertIn("statement_url", body)
        self.assertNotIn("Please find", body)

    def test_every_earlier_body_is_recognised(self):
        """Each body and French translation of the history counts as shipped:
        the database is updated whichever version installed it."""
        name = "mail_template_relance_courteous"
        template = self._template(name)
        fresh = self._stored(template)
        bodies = self.shipped["bodies"][name]
        french = self.shipped["translations"]["fr_FR"][name]
        for index, _body in enumerate(bodies):
            old = self._old(name, version=index)
            old["fr_FR"] = french[min(index, len(french) - 1)]
            self._store(template, old)
            outcome = self.migration.update_shipped_bodies(self.env)
            self.assertEqual(outcome[name], "updated", index)
            self.assertEqual(self._stored(template), fresh, index)
