"""Moving a model from one app to another without touching its table.

The model keeps its table (`db_table`), so the move itself is a change of Django's picture only
(`SeparateDatabaseAndState`). What does name the app is data: the content type (permissions,
the administration's log) and the audit log's "app.model" labels. `move_content_types` returns
the migration step that renames those, both ways.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import migrations


def move_content_types(old_app: str, new_app: str, models: Iterable[str]) -> migrations.RunPython:
    names = tuple(models)

    def rename(apps: Any, frm: str, to: str) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        for name in names:
            if not content_type.objects.filter(app_label=to, model=name).exists():
                content_type.objects.filter(app_label=frm, model=name).update(app_label=to)
        try:
            audit_event = apps.get_model("audit", "AuditEvent")
        except LookupError:  # the audit app is not in this migration's picture
            return
        for name in names:
            audit_event.objects.filter(object_type=f"{frm}.{name}").update(
                object_type=f"{to}.{name}"
            )

    def forwards(apps: Any, schema_editor: Any) -> None:
        rename(apps, old_app, new_app)

    def backwards(apps: Any, schema_editor: Any) -> None:
        rename(apps, new_app, old_app)

    return migrations.RunPython(forwards, backwards, elidable=False)
