/** The rank badge: each rank's colour in one place, the same on every screen. */

import { registry } from "@web/core/registry";
import { BadgeField, badgeField } from "@web/views/fields/badge/badge_field";

// Bootstrap's colour of each rank (the ranks: lib/rules.py RANKS).
export const RANK_COLORS = {
    gathering: "info",
    prospect: "primary",
    lost: "warning",
    contracted: "success",
    dormant: "warning",
    referral: "success",
    defected: "danger",
};

export class CrmRankBadgeField extends BadgeField {
    get badgeClass() {
        const color = RANK_COLORS[this.props.record.data[this.props.name]];
        return color ? `text-bg-${color}` : super.badgeClass;
    }
}

export const crmRankBadgeField = {
    ...badgeField,
    component: CrmRankBadgeField,
    // styled and found (tours, customisations) as Odoo's badge
    additionalClasses: ["o_field_badge"],
};

registry.category("fields").add("crm_rank_badge", crmRankBadgeField);
