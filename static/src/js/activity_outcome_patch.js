import { Activity } from "@mail/core/common/activity_model";
import "@mail/core/web/activity_model_patch";
import { patch } from "@web/core/utils/patch";

/**
 * Activities that need an outcome (crm_outcome_kind: a reactivation activity, any
 * activity on a dormant customer, an "Ask for a referral" activity) open the
 * outcome wizard instead of being marked done at once; the wizard marks them done.
 */
patch(Activity.prototype, {
    async markAsDone(attachmentIds = []) {
        if (!this.crm_outcome_kind || attachmentIds.length) {
            return super.markAsDone(...arguments);
        }
        const action = await this._crmOutcomeAction(false);
        await new Promise((resolve) =>
            this.store.env.services.action.doAction(action, { onClose: resolve })
        );
        this.store.activityBroadcastChannel?.postMessage({
            type: "RELOAD_CHATTER",
            payload: { id: this.res_id, model: this.res_model },
        });
    },
    async markAsDoneAndScheduleNext() {
        if (!this.crm_outcome_kind) {
            return super.markAsDoneAndScheduleNext(...arguments);
        }
        return this._crmOutcomeAction(true);
    },
    _crmOutcomeAction(scheduleNext) {
        return this.store.env.services.orm.call(
            "mail.activity",
            "action_crm_record_outcome",
            [[this.id]],
            { feedback: this.feedback || false, schedule_next: scheduleNext }
        );
    },
});
