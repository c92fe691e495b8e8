from django.contrib.admin.apps import AdminConfig


class AuditedAdminConfig(AdminConfig):
    """Django's admin, whose site copies every change made through it into the audit log."""

    default_site = "tonghop.audit.admin_site.AuditedAdminSite"
