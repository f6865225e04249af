{
    "name": "CRM Customer Rank",
    "version": "19.0.1.0.0",
    "category": "Sales/CRM",
    "summary": "Seven customer ranks for renovation companies: gathering, prospect, "
    "lost, contracted, dormant, referral, defected",
    "author": "crm_customer_rank developers",
    "website": "https://example.com/crm_customer_rank",
    "license": "LGPL-3",
    "depends": [
        "crm",
        "project",
        "mass_mailing_crm",
        "mass_mailing_sms",
    ],
    "data": [
        "security/crm_customer_rank_security.xml",
        "security/ir.model.access.csv",
        "data/ir_cron_data.xml",
        "data/mailing_filter_data.xml",
        "data/crm_rank_guidance_data.xml",
        "wizards/crm_rank_defection_wizard_views.xml",
        "wizards/crm_rank_reinstatement_wizard_views.xml",
        "views/crm_rank_history_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "views/res_config_settings_views.xml",
        "report/crm_rank_report_views.xml",
        "views/mailing_mailing_views.xml",
        "views/crm_rank_guidance_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/crm_customer_rank_demo.xml",
    ],
    "assets": {
        "web.assets_tests": [
            "crm_customer_rank/static/tests/tours/**/*",
        ],
    },
    "post_init_hook": "post_init_hook",
    "installable": True,
    "application": False,
}
