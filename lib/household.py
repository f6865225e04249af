"""Households: one card or direct mail per household, with joint addressees (連名).

Pure Python, no ORM (``crm.household`` gathers the members).
"""

# Printed between the addressees of one household on one line.
JOINT_SEPARATOR = "\u3000"  # the full-width space of a Japanese envelope


def family_name(name):
    """The family name of a person's name written family name first (山田 太郎),
    ``None`` when the name is one word."""
    parts = (name or "").replace("\u3000", " ").split()
    return parts[0] if len(parts) > 1 else None


def joint_addressee(main, others):
    """The addressees of a household on one line (連名): the main contact's name with
    its title, then each other member's, the family name left out when it is the
    main contact's (山田 太郎 様　花子 様).

    :param main: ``(name, addressee)`` of the main contact, the addressee being
        the name with its honorific title as printed
    :param others: ``[(name, addressee)]`` of the other members, in print order
    """
    main_name, main_addressee = main
    family = family_name(main_name)
    printed = [main_addressee]
    for name, addressee in others:
        if family and family_name(name) == family and addressee.startswith(name):
            given = name.replace("\u3000", " ").split(None, 1)[1]
            printed.append(given + addressee[len(name):])
        else:
            printed.append(addressee)
    return JOINT_SEPARATOR.join(printed)
