.PHONY: test run
test:  ## static checks, repository tests, Odoo tests (when an Odoo 18 is available)
	python3 tools/dev.py test
run:  ## demo database + Odoo on http://127.0.0.1:8069 (admin/admin)
	python3 tools/dev.py run
