from __future__ import annotations

from functools import partial

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import URLPattern, URLResolver, include, path, re_path

from tonghop import people_views, setup_views, views
from tonghop.api.site import api
from tonghop.campaigns import form_views
from tonghop.compilation import views as compilation_views
from tonghop.documents import views as document_views
from tonghop.issuing import views as issuing_views
from tonghop.portal import views as portal_views
from tonghop.reminders import link_views as reminder_link_views
from tonghop.reminders.directive import mark_opened
from tonghop.reports import campaign_views, level_views, unit_views
from tonghop.reports import views as report_views
from tonghop.reports.links import views as link_views
from tonghop.reports.links.actions import lengthen_links

reports_patterns = (
    [
        path("", report_views.my_assignments, name="mine"),
        # The reporter's opening of the form counts as the unit opening the directive sent
        # to it; reports does not import the directive's package, so it is handed in here.
        path("<int:pk>/", partial(report_views.report_form, on_open=mark_opened), name="form"),
        path("<int:pk>/autosave/", report_views.autosave, name="autosave"),
        path("<int:pk>/files/", report_views.upload, name="upload"),
        path("<int:pk>/files/<int:file_pk>/", report_views.attachment_file, name="file"),
        path("<int:pk>/files/<int:file_pk>/thumb/", report_views.attachment_thumb, name="thumb"),
        path("<int:pk>/files/<int:file_pk>/remove/", report_views.remove_file, name="remove-file"),
    ],
    "reports",
)

campaign_patterns = (
    [
        path("", campaign_views.campaign_list, name="list"),
        path("new/", campaign_views.campaign_new, name="new"),
        # Form templates, and the units of an open campaign (before "<slug>/", which would
        # otherwise take "templates" as a campaign).
        path("templates/", campaign_views.template_list, name="templates"),
        path("templates/<int:pk>/", campaign_views.template_detail, name="template"),
        path("<slug:slug>/save-template/", campaign_views.template_save, name="template-save"),
        # An office's duties in campaigns above, and its campaign below (reports/level_views.py).
        path("above/", level_views.duties_above, name="above"),
        path("above/<int:pk>/open/", level_views.open_below, name="open-below"),
        path(
            "from-directive/<int:pk>/",
            level_views.open_from_directive,
            name="open-from-directive",
        ),
        path("<slug:slug>/units/<int:pk>/below/", level_views.below, name="below"),
        path("<slug:slug>/send/", level_views.send_campaign, name="send-campaign"),
        path("<slug:slug>/units/<int:pk>/answer.pdf", level_views.answer_pdf, name="answer-pdf"),
        path("<slug:slug>/units/", unit_views.units, name="units"),
        path("<slug:slug>/units/add/", unit_views.units_add, name="units-add"),
        path("<slug:slug>/units/<int:pk>/remove/", unit_views.units_remove, name="units-remove"),
        path("<slug:slug>/units/import/", unit_views.units_import, name="units-import"),
        path(
            "<slug:slug>/units/import/<uuid:uid>/",
            unit_views.units_import_confirm,
            name="units-import-confirm",
        ),
        path("<slug:slug>/", campaign_views.campaign_detail, name="detail"),
        path("<slug:slug>/status/<str:step>/", campaign_views.change_status, name="change-status"),
        path("<slug:slug>/missing/", campaign_views.missing_units, name="missing"),
        path("<slug:slug>/export.<str:fmt>", campaign_views.export_reports, name="export"),
        path("<slug:slug>/units/<int:pk>/", campaign_views.review, name="review"),
        re_path(
            r"^(?P<slug>[-\w]+)/units/(?P<pk>\d+)/(?P<step>accept|return)/$",
            campaign_views.review_step,
            name="review-step",
        ),
        path(
            "<slug:slug>/units/<int:pk>/extend/",
            partial(campaign_views.extend, lengthen=lengthen_links),
            name="extend",
        ),
        path("<slug:slug>/units/<int:pk>/link/issue/", link_views.issue, name="link-issue"),
        path("<slug:slug>/units/<int:pk>/link/revoke/", link_views.revoke, name="link-revoke"),
        # The campaign's form: fields, rules across fields, versions (campaigns/form_views.py).
        path("<slug:slug>/form/", form_views.form_page, name="form"),
        path("<slug:slug>/form/fields/new/", form_views.indicator_new, name="form-indicator-new"),
        path(
            "<slug:slug>/form/fields/<int:pk>/",
            form_views.indicator_edit,
            name="form-indicator-edit",
        ),
        path(
            "<slug:slug>/form/fields/<int:pk>/move/",
            form_views.indicator_move,
            name="form-indicator-move",
        ),
        path(
            "<slug:slug>/form/fields/<int:pk>/remove/",
            form_views.indicator_remove,
            name="form-indicator-remove",
        ),
        path("<slug:slug>/form/rules/new/", form_views.rule_new, name="form-rule-new"),
        path("<slug:slug>/form/rules/<int:pk>/", form_views.rule_edit, name="form-rule-edit"),
        path("<slug:slug>/form/rules/<int:pk>/move/", form_views.rule_move, name="form-rule-move"),
        path(
            "<slug:slug>/form/rules/<int:pk>/remove/",
            form_views.rule_remove,
            name="form-rule-remove",
        ),
        path(
            "<slug:slug>/form/versions/<int:number>/",
            form_views.version_detail,
            name="form-version",
        ),
    ],
    "campaigns",
)

compilation_patterns = (
    [
        path("<slug:slug>/", compilation_views.start, name="start"),
        path("<slug:slug>/<uuid:uid>/", compilation_views.detail, name="detail"),
        path("<slug:slug>/<uuid:uid>/download/", compilation_views.download, name="download"),
        path(
            "<slug:slug>/<uuid:uid>/download/<str:kind>/",
            compilation_views.download,
            name="download-kind",
        ),
        path("<slug:slug>/<uuid:uid>/words/", compilation_views.words, name="words"),
        path("<slug:slug>/<uuid:uid>/citations/", compilation_views.citations, name="citations"),
        path("<slug:slug>/<uuid:uid>/page/<int:number>.png", compilation_views.page, name="page"),
        path(
            "<slug:slug>/<uuid:uid>/attachment/<int:position>/",
            compilation_views.attachment,
            name="attachment",
        ),
        path("<slug:slug>/<uuid:uid>/submit/", compilation_views.submit, name="submit"),
        path("<slug:slug>/<uuid:uid>/return/", compilation_views.send_back, name="return"),
        path("<slug:slug>/<uuid:uid>/sign/", issuing_views.sign, name="sign"),
        path("<slug:slug>/<uuid:uid>/issue/", issuing_views.issue, name="issue"),
        path("<slug:slug>/<uuid:uid>/email/", compilation_views.email, name="email"),
        path("<slug:slug>/<uuid:uid>/news/", portal_views.news, name="news"),
    ],
    "compilation",
)

document_patterns = (
    [
        path("", document_views.register_list, name="list"),
        path("receive/", document_views.upload, name="upload"),
        path("receive/edxml/", document_views.import_edxml, name="import-edxml"),
        path("<uuid:uid>/", document_views.detail, name="detail"),
        path("<uuid:uid>/original/", document_views.original, name="original"),
        path("<uuid:uid>/revoke/", document_views.revoke, name="revoke"),
        path("exchange/", document_views.exchange_overview, name="exchange"),
        path("exchange/<int:pk>/retry/", document_views.exchange_retry, name="exchange-retry"),
    ],
    "documents",
)

news_patterns = (
    [
        path("", portal_views.news_list, name="list"),
        path("feed/", portal_views.NewsFeed(), name="feed"),
        path("<uuid:uid>/", portal_views.news_item, name="item"),
    ],
    "news",
)

# Everything a personal link opens: its form, the form's autosave and files, and the directive
# sent to the unit. The office's buttons for links are under campaigns/.
link_patterns = (
    [
        path(
            "<str:token>/",
            partial(link_views.link_page, on_open=reminder_link_views.mark_opened_by_link),
            name="page",
        ),
        path("<str:token>/autosave/", link_views.link_autosave, name="autosave"),
        path("<str:token>/files/", link_views.link_upload, name="upload"),
        path("<str:token>/files/<int:file_pk>/", link_views.link_file, name="file"),
        path("<str:token>/files/<int:file_pk>/thumb/", link_views.link_thumb, name="thumb"),
        path(
            "<str:token>/files/<int:file_pk>/remove/",
            link_views.link_remove_file,
            name="remove-file",
        ),
        path(
            "<str:token>/receipt/",
            reminder_link_views.link_confirm_receipt,
            name="confirm-receipt",
        ),
        path(
            "<str:token>/directive/",
            reminder_link_views.link_directive_document,
            name="directive-document",
        ),
    ],
    "links",
)

# The office's people (tonghop.people): invitations, roles, disabled accounts.
people_patterns = (
    [
        path("", people_views.people_list, name="list"),
        path("<int:pk>/resend/", people_views.resend, name="resend"),
        path("<int:pk>/active/", people_views.set_active, name="active"),
        path("<int:pk>/roles/", people_views.set_roles, name="roles"),
    ],
    "people",
)

# The office's first run and its standing unit tree (tonghop.office_setup).
setup_patterns = (
    [
        path("", setup_views.office_page, name="office"),
        path("units/", setup_views.units_page, name="units"),
        path("units/export.xlsx", setup_views.units_export, name="units-export"),
        path("units/import/<uuid:uid>/", setup_views.units_import, name="units-import"),
        path("units/<int:pk>/", setup_views.unit_change, name="unit-change"),
    ],
    "setup",
)

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("accounts/", views.account, name="account"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/forgot/", people_views.forgot, name="password-forgot"),
    path("accounts/password/forgot/sent/", people_views.forgot_sent, name="password-forgot-sent"),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        people_views.reset_confirm,
        name="password-reset-confirm",
    ),
    path("accounts/password/change/", people_views.password_change, name="password-change"),
    path(
        "accounts/invitation/<uidb64>/<token>/",
        people_views.invitation_accept,
        name="invitation-accept",
    ),
    path("people/", include(people_patterns)),
    path("setup/", include(setup_patterns)),
    path("accounts/2fa/", include("tonghop.twofactor.urls")),
    path("accounts/tokens/", include("tonghop.api.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("reports/", include(reports_patterns)),
    path("campaigns/", include(campaign_patterns)),
    path("compile/", include(compilation_patterns)),
    path("documents/", include(document_patterns)),
    path("units/<slug:code>/", campaign_views.unit_duties, name="unit-duties"),
    path("reminders/", include("tonghop.reminders.urls")),
    path("news/", include(news_patterns)),
    path("verify/", issuing_views.verify, name="verify"),
    path("exchange/receive/", document_views.exchange_endpoint, name="exchange-receive"),
    path("signing/images/", issuing_views.images, name="signing-images"),
    path("pki/demo-ca.crl", issuing_views.demo_crl, name="demo-crl"),
    path("audit/", include("tonghop.audit.urls")),
    path("l/", include(link_patterns)),
    path("admin/", admin.site.urls),
]

# A database that is locked or away when met outside a view (a middleware saving the session)
# still gets the 503 page of tonghop.resilience; any other error gets Django's 500.
handler500 = "tonghop.resilience.server_error"
handler404 = "tonghop.views.page_not_found"
