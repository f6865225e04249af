"""Run the addon's daily jobs (the ranks first) and print "customers per rank".

Customers are counted as *CRM > Sales > Customers by Rank* counts them (the
domain of its action): commercial partners, i.e. companies and individuals
without a company; contact persons share their company's rank and are not
counted again.

Run through Odoo's shell, which provides ``env``::

    odoo-bin shell -c .local/odoo.conf -d crm_rank_demo --no-http < tools/summary.py
"""

from odoo.tools.safe_eval import safe_eval

env = globals().get("env")  # injected by `odoo-bin shell -d DB`
if env is None:
    raise SystemExit("run me with: odoo-bin shell -c CONF -d DB < tools/summary.py")

Partner = env["res.partner"]

# every daily job of the addon, as the scheduler runs them when all are due (ranks first)
cron_data = env["ir.model.data"].search([("module", "=", "crm_customer_rank"), ("model", "=", "ir.cron")])
for cron in env["ir.cron"].browse(cron_data.mapped("res_id")).sorted(lambda cron: (cron.priority, cron.id)):
    cron.method_direct_trigger()
env.cr.commit()  # the shell rolls back at exit; keep the ranks for the UI

en = Partner.with_context(lang="en_US")
selection = en.fields_get(["crm_rank"], ["selection"])["crm_rank"]["selection"]
labels_ja = {}
if env["res.lang"]._lang_get("ja_JP"):
    ja = Partner.with_context(lang="ja_JP").fields_get(["crm_rank"], ["selection"])
    labels_ja = dict(ja["crm_rank"]["selection"])

domain = safe_eval(env.ref("crm_customer_rank.res_partner_action_crm_rank").domain)
counts = dict(Partner._read_group(domain, ["crm_rank"], ["__count"]))
ranked_people = Partner.search_count([("crm_rank", "!=", False)])

rows = [(code, label, labels_ja.get(code, ""), counts.get(code, 0)) for code, label in selection]
width_code = max(len("code"), *(len(r[0]) for r in rows))
width_label = max(len("rank"), *(len(r[1]) for r in rows))
print()
print("Customers per rank (companies and individuals, as in CRM > Sales > Customers by Rank)")
print(f"{'code':<{width_code}}  {'rank':<{width_label}}  {'count':>5}  ja_JP")
print(f"{'-' * width_code}  {'-' * width_label}  -----  -----")
for code, label, label_ja, count in rows:
    print(f"{code:<{width_code}}  {label:<{width_label}}  {count:>5}  {label_ja}")
total = sum(r[3] for r in rows)
print(f"{'':<{width_code}}  {'total':<{width_label}}  {total:>5}")
print(f"({ranked_people - total} contact persons of these companies share their company's rank)")

customers = Partner.search(domain)
with_reading = customers.filtered("name_kana")
titles = sorted(set(customers.mapped("honorific_title")) - {False})
print(
    f"Readings (フリガナ): {len(with_reading)} of {len(customers)} customers; "
    f"honorific titles set: {', '.join(titles) or 'none'} (empty: 様 for a person, 御中 for a company)"
)
country = env.company.country_id
print(f"Company country: {country.name or '-'}; Japanese address form: {bool(country.address_view_id)}")
