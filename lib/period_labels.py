"""Period labels of pivots and graphs in the reader's own word order.

Odoo formats grouped dates with one pattern for every language ("MMMM yyyy",
"QQQ yyyy"), which reads "1月 2026" in Japanese. The CLDR skeletons give each
language its own order: "2026年1月", "2026/Q1", "2026年1月1日" in Japanese,
"January 2026", "Q1 2026" in English. Odoo's pattern is a module constant used
for every model, so the addon relabels only its own screens, through the
per-model hook ``_web_read_group_groupby_formatter``.
"""

import babel.dates

from odoo.tools.misc import get_lang

PERIOD_SKELETONS = {"day": "yMMMd", "month": "yMMMM", "quarter": "yQQQ"}


def localized_period_formatter(model, groupby_spec, formatter):
    """Wrap Odoo's group ``formatter`` so date periods are labelled in the reader's language."""
    fname, _sep, granularity = groupby_spec.partition(":")
    field = model._fields.get(fname)
    skeleton = PERIOD_SKELETONS.get(granularity)
    if not skeleton or not field or field.type not in ("date", "datetime"):
        return formatter
    locale = get_lang(model.env).code

    def formatter_localized(value):
        result, domain = formatter(value)
        if not value or not isinstance(result, tuple):
            return result, domain
        # ``value`` is the period's start in the reader's time zone, as Odoo labels it
        return (result[0], babel.dates.format_skeleton(skeleton, value, locale=locale)), domain

    return formatter_localized
