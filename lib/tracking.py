"""The rank's chatter tracking in each customer's language."""

from collections import defaultdict


def track_in_partner_language(partners, initial_values_dict, track):
    """Write the rank's tracking lines in each customer's language.

    A rank moves in someone else's request (the scheduler's, a manager's, an
    import), but the line stays in the chatter of the people who serve the
    customer: it is written in the customer's language, like an e-mail to them
    would be, not in the language of whoever triggered the change. Other
    tracking is left as Odoo writes it.

    :param partners: the partners ``res.partner._message_track`` tracks
    :param initial_values_dict: its ``{partner id: {field: old value}}``
    :param track: ``(partners, lang) -> tracking``, Odoo's own ``_message_track``
        on ``partners`` in language ``lang``
    """
    env = partners.env
    current = env.lang or "en_US"  # no language: the source terms
    by_lang = defaultdict(list)
    for partner in partners:
        if "crm_rank" in initial_values_dict.get(partner.id, {}):
            by_lang[partner.lang or current].append(partner.id)
    if set(by_lang) <= {current}:
        return track(partners, env.lang)
    # Odoo pops the log bodies and authors of the whole model at its first call
    data = env.cr.precommit.data
    bodies = data.pop(f"mail.tracking.message.{partners._name}", {})
    authors = data.pop(f"mail.tracking.author.{partners._name}", {})
    groups = [(env.lang, partners - partners.browse([pid for ids in by_lang.values() for pid in ids]))]
    groups += [(lang, partners.browse(ids)) for lang, ids in by_lang.items()]
    tracking = {}
    for lang, group in groups:
        if group:
            data[f"mail.tracking.message.{partners._name}"] = dict(bodies)
            data[f"mail.tracking.author.{partners._name}"] = dict(authors)
            tracking.update(track(group, lang))
    return tracking
