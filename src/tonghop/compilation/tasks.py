"""Background work of the compilation app, run by `tonghop worker`."""

from __future__ import annotations

from django.tasks import task

from tonghop.compilation.models import Compilation


@task()
def run_compilation(compilation_id: int) -> str:
    from tonghop.compilation import actions

    compilation = Compilation.objects.select_related("campaign").get(pk=compilation_id)
    return actions.run(compilation).status
