"""Time the duplicate look-up of the customer form on many customers, with and without its indexes.

Adds N synthetic customers set-based (a phone number each, a reading for half of
them, a fax number for 5%), then times ``crm.rank.duplicate._find`` for a new
customer typed with the number, fax or reading of an existing one, and with
nothing in common, first with the addon's two partial indexes
(``res_partner_crm_fax_digits_idx``, ``res_partner_crm_name_kana_compact_idx``),
then without them. Everything is rolled back at the end.

Run through Odoo's shell on a database with the addon (e.g. ``bash tools/test.sh
--keep -k test_duplicates`` leaves one)::

    BENCH_CUSTOMERS=300000 odoo-bin shell -c .local/odoo.conf -d crm_rank_test --no-http < tools/bench_duplicates.py
"""

import os
import time

from odoo.tools import SQL

env = globals().get("env")  # injected by `odoo-bin shell -d DB`
if env is None:
    raise SystemExit("run me with: odoo-bin shell -c CONF -d DB < tools/bench_duplicates.py")

N = int(os.environ.get("BENCH_CUSTOMERS", "300000"))
INDEXES = ("res_partner_crm_fax_digits_idx", "res_partner_crm_name_kana_compact_idx")
CASES = {
    "phone": {"phone": "+81 3-0005-000"},  # the phone of "Bench 5000", typed another way
    "fax": {"fax": "045 100 0020"},  # the fax of "Bench 20"
    "reading": {"name_kana": "べんち ぁあぃ"},  # the reading of "Bench 12880", in hiragana
    "nothing": {"phone": "06-9999-9999", "fax": "06-9999-9998", "name_kana": "ナイ"},
}

cr = env.cr
env.company.country_id = env.ref("base.jp")
cr.execute(
    SQL(
        """
        INSERT INTO res_partner (name, complete_name, phone, fax, name_kana, active, type, is_company,
                                 create_date, write_date)
        SELECT 'Bench ' || i, 'Bench ' || i, '0' || (30000000 + i)::text,
               CASE WHEN i %% 20 = 0 THEN '045-' || (1000000 + i)::text END,
               CASE WHEN i %% 2 = 0 THEN 'ベンチ ' || chr(12449 + (i %% 80)) || chr(12449 + ((i / 80) %% 80))
                                         || chr(12449 + ((i / 6400) %% 80)) END,
               TRUE, 'contact', FALSE, now(), now()
          FROM generate_series(1, %s) AS i
        """,
        N,
    )
)
cr.execute("ANALYZE res_partner")
Partner, Duplicate = env["res.partner"], env["crm.rank.duplicate"]


def run(label):
    for case, values in CASES.items():
        timings = []
        for _ in range(5):
            env.invalidate_all()
            new = Partner.new({"name": "New", **values})
            start = time.perf_counter()
            found = Duplicate._find(new)[new]
            timings.append(time.perf_counter() - start)
        best = min(timings) * 1000
        print(f"{N} customers, {label:<16} {case:<8} found {found.mapped('name')}: best of 5 {best:.1f} ms")


run("with indexes")
for name in INDEXES:
    cr.execute(SQL("DROP INDEX IF EXISTS %s", SQL.identifier(name)))
run("without them")
cr.rollback()
