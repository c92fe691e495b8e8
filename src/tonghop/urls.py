from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from tonghop import views
from tonghop.campaigns import views as campaign_views
from tonghop.compilation import views as compilation_views
from tonghop.documents import views as document_views
from tonghop.reports import views as report_views

reports_patterns = (
    [
        path("", report_views.my_assignments, name="mine"),
        path("<int:pk>/", report_views.report_form, name="form"),
    ],
    "reports",
)

campaign_patterns = (
    [
        path("", campaign_views.campaign_list, name="list"),
        path("new/", campaign_views.campaign_new, name="new"),
        path("<slug:slug>/", campaign_views.campaign_detail, name="detail"),
        path("<slug:slug>/missing/", campaign_views.missing_units, name="missing"),
        path("<slug:slug>/export.<str:fmt>", campaign_views.export_reports, name="export"),
        path("<slug:slug>/units/<int:pk>/", campaign_views.review, name="review"),
        re_path(
            r"^(?P<slug>[-\w]+)/units/(?P<pk>\d+)/(?P<step>accept|return)/$",
            campaign_views.review_step,
            name="review-step",
        ),
        path("<slug:slug>/units/<int:pk>/extend/", campaign_views.extend, name="extend"),
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
        path("<slug:slug>/<uuid:uid>/issue/", compilation_views.issue, name="issue"),
        path("<slug:slug>/<uuid:uid>/email/", compilation_views.email, name="email"),
        path("<slug:slug>/<uuid:uid>/news/", compilation_views.news, name="news"),
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
    ],
    "documents",
)

news_patterns = (
    [
        path("", compilation_views.news_list, name="list"),
        path("feed/", compilation_views.NewsFeed(), name="feed"),
        path("<uuid:uid>/", compilation_views.news_item, name="item"),
    ],
    "news",
)

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.login, name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("reports/", include(reports_patterns)),
    path("campaigns/", include(campaign_patterns)),
    path("compile/", include(compilation_patterns)),
    path("documents/", include(document_patterns)),
    path("units/<slug:code>/", campaign_views.unit_duties, name="unit-duties"),
    path("reminders/", include("tonghop.reminders.urls")),
    path("news/", include(news_patterns)),
    path("verify/", compilation_views.verify, name="verify"),
    path("audit/", include("tonghop.audit.urls")),
    path("admin/", admin.site.urls),
]
