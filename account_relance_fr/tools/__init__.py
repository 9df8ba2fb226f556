# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Pure helpers of the addon's models (no model, no business rule)."""
