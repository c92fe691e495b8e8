from django.contrib import admin

from tonghop.documents.models import Document


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin[Document]):
    list_display = ("reference", "doc_type", "issuer", "issued_on", "direction", "subject")
    list_filter = ("direction", "doc_type")
    search_fields = ("number", "symbol", "subject", "issuer")
    # Reading, registering and revoking go through documents.actions (audited), never here.
    readonly_fields = ("status", "version")
