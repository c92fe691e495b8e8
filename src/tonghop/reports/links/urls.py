"""Everything a personal link opens: its form, the form's autosave and files, and the directive
sent to the unit. The office's buttons live under campaigns/ (tonghop.urls)."""

from django.urls import path

from tonghop.reports.links import views

app_name = "links"

urlpatterns = [
    path("<str:token>/", views.link_page, name="page"),
    path("<str:token>/autosave/", views.link_autosave, name="autosave"),
    path("<str:token>/files/", views.link_upload, name="upload"),
    path("<str:token>/files/<int:file_pk>/", views.link_file, name="file"),
    path("<str:token>/files/<int:file_pk>/thumb/", views.link_thumb, name="thumb"),
    path("<str:token>/files/<int:file_pk>/remove/", views.link_remove_file, name="remove-file"),
    path("<str:token>/receipt/", views.link_confirm_receipt, name="confirm-receipt"),
    path("<str:token>/directive/", views.link_directive_document, name="directive-document"),
]
