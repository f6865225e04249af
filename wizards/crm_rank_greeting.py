from odoo import Command, api, fields, models
from odoo.fields import Domain

from ..models.crm_rank_defection import DEFECTED_DOMAIN

GREETING_SEASONS = [
    ("new_year", "New Year Card (年賀状)"),
    ("summer", "Summer Greeting (暑中見舞い)"),
]


class CrmRankGreeting(models.TransientModel):
    """The yearly greeting list: past customers who are not defected, with a postal
    address. A household in mourning (喪中) gets no New Year card that year, but a
    winter greeting (寒中見舞い) in January or February instead."""

    _name = "crm.rank.greeting"
    _description = "Greeting Cards"

    season = fields.Selection(GREETING_SEASONS, required=True, default="new_year")
    year = fields.Integer(
        required=True,
        default=lambda self: self._default_year(),
        help="The year of the cards: for New Year cards, the New Year they greet.",
    )
    customer_ids = fields.Many2many("res.partner", string="Cards", compute="_compute_customers")
    mourning_ids = fields.Many2many(
        "res.partner",
        "crm_rank_greeting_mourning_rel",
        string="In Mourning (Winter Greeting Instead)",
        compute="_compute_customers",
    )
    # what the wizard lists (see crm.rank.greeting.line): the cards, and the
    # households in mourning who get a winter greeting instead
    card_line_ids = fields.One2many(
        "crm.rank.greeting.line", "wizard_id", string="Card List", compute="_compute_customers"
    )
    mourning_line_ids = fields.One2many(
        "crm.rank.greeting.line", "mourning_wizard_id", string="Winter Greeting List", compute="_compute_customers"
    )
    card_count = fields.Integer(string="Cards to Send", compute="_compute_customers")
    mourning_count = fields.Integer(string="Winter Greetings (寒中見舞い)", compute="_compute_customers")

    @api.model
    def _default_year(self):
        today = fields.Date.context_today(self)
        return today.year + 1 if today.month >= 10 else today.year

    @api.depends("season", "year")
    def _compute_customers(self):
        for wizard in self:
            customers = wizard._past_customers()
            mourning = self.env["res.partner"]
            if wizard.season == "new_year":
                # in mourning during the year before this New Year; mourning is the
                # household's: one member in mourning, the household's card is a winter greeting
                mourning_year = wizard.year - 1
                mourning = customers.filtered(lambda p, year=mourning_year: p.crm_mourning_year == year)
                mourning |= customers.filtered(lambda p, m=mourning: p.crm_household_id in m.crm_household_id)
            # one card per household (連名): crm.household._mailing_lines
            Household = self.env["crm.household"]
            cards = Household._mailing_lines((customers - mourning)._crm_sorted_by_reading())
            winter = Household._mailing_lines(mourning._crm_sorted_by_reading())
            Partner = self.env["res.partner"]
            wizard.customer_ids = Partner.browse([partner.id for partner, _addressee in cards])
            wizard.mourning_ids = Partner.browse([partner.id for partner, _addressee in winter])
            wizard.card_line_ids = [Command.clear()] + [
                Command.create({"partner_id": partner.id, "addressee": addressee}) for partner, addressee in cards
            ]
            wizard.mourning_line_ids = [Command.clear()] + [
                Command.create({"partner_id": partner.id, "addressee": addressee}) for partner, addressee in winter
            ]
            wizard.card_count = len(cards)
            wizard.mourning_count = len(winter)

    def _past_customers(self):
        """Commercial customers with a won deal, not defected, with a postal address, and
        the members of their households who are not defected (one card, 連名)."""
        won = (
            self.env["crm.lead"]
            .with_context(active_test=False)
            ._read_group([("won_status", "=", "won")], ["partner_id"])
        )
        domain = (
            Domain("id", "in", list({partner.commercial_partner_id.id for (partner,) in won}))
            & ~DEFECTED_DOMAIN
        )
        customers = self.env["res.partner"].search(domain)
        customers |= customers.crm_household_id.partner_ids.filtered_domain(~DEFECTED_DOMAIN)
        return customers.filtered(lambda p: p._crm_rank_has_postal_address())

    def action_export(self):
        """The list in the direct-mail CSV format, with the card of each customer, in
        あいうえお順 of the readings (New Year cards, then winter greetings); one line
        per household, its members as joint addressees (連名)."""
        self.ensure_one()
        season = dict(self._fields["season"]._description_selection(self.env))[self.season]
        winter = self.env._("Winter Greeting (寒中見舞い)")
        # the campaign wizard owns the direct-mail CSV format
        campaign = self.env["crm.rank.campaign"].create({"crm_rank": False})
        header = [self.env._("Card"), *campaign._csv_address_header()]
        rows = [[season, *campaign._csv_address(line.partner_id, line.addressee)] for line in self.card_line_ids]
        rows += [[winter, *campaign._csv_address(line.partner_id, line.addressee)] for line in self.mourning_line_ids]
        filename = self.env._("greeting_cards_%(year)s.csv", year=self.year)
        return campaign._download_csv(filename, header, rows)
