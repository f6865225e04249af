import { registry } from "@web/core/registry";
import { IntegerField, integerField } from "@web/views/fields/integer/integer_field";

/**
 * A year: 2027, not "2,027", and empty rather than "0" when none is set
 * (an Integer field stores no year as 0).
 */
export class CrmRankYearField extends IntegerField {
    get formattedValue() {
        return this.value ? String(this.value) : "";
    }
}

registry.category("fields").add("crm_rank_year", {
    ...integerField,
    component: CrmRankYearField,
    isEmpty: (record, fieldName) => !record.data[fieldName],
});
