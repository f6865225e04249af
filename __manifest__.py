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
        "views/crm_rank_history_views.xml",
        "views/res_partner_views.xml",
        "views/crm_lead_views.xml",
        "views/res_config_settings_views.xml",
        "report/crm_rank_report_views.xml",
        "data/mail_activity_type_data.xml",
        "views/crm_tag_views.xml",
        "views/res_partner_reactivation_views.xml",
        "wizards/crm_rank_campaign_views.xml",
        "report/crm_rank_reactivation_report_views.xml",
        "views/menus.xml",
    ],
    "demo": [
        "demo/crm_customer_rank_demo.xml",
        "demo/crm_tag_demo.xml",
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
