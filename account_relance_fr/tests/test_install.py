# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_groups_are_layered_on_accounting(self):
        user_group = self.env.ref("account_relance_fr.group_relance_user")
        manager_group = self.env.ref("account_relance_fr.group_relance_manager")
        self.assertIn(
            self.env.ref("account.group_account_invoice"), user_group.implied_ids
        )
        self.assertIn(user_group, manager_group.implied_ids)
        self.assertIn(self.env.ref("base.user_admin"), manager_group.users)

    def test_engine_loads_inside_odoo(self):
        from .. import engine

        self.assertTrue(engine.__doc__)
