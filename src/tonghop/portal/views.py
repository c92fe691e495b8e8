"""The news item written on a compilation's page, and the public news pages and feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tonghop.access import signed_in_user
from tonghop.compilation.actions import CompilationError
from tonghop.compilation.forms import NewsForm
from tonghop.compilation.views import get_compilation_for_staff
from tonghop.inputs import clean_text
from tonghop.orgs.models import Unit, UnitKind
from tonghop.portal.actions import save_news
from tonghop.portal.models import NewsItem


@login_required
@require_POST
def news(request: HttpRequest, slug: str, uid: str) -> HttpResponse:
    compilation = get_compilation_for_staff(request, slug, uid)
    form = NewsForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, str(message))
        return redirect("compilation:detail", slug=slug, uid=uid)
    try:
        item = save_news(
            signed_in_user(request),
            compilation,
            title=form.cleaned_data["title"],
            summary=form.cleaned_data["summary"],
            body=form.cleaned_data["body"],
            publish=form.cleaned_data["publish"],
            item=compilation.news.first(),
        )
    except CompilationError as exc:
        messages.error(request, str(exc))
        return redirect("compilation:detail", slug=slug, uid=uid)
    messages.success(
        request, _("Published on the portal.") if item.published_at else _("Saved, not published.")
    )
    return redirect("compilation:detail", slug=slug, uid=uid)


def news_list(request: HttpRequest) -> HttpResponse:
    """The public page the portal links to: only what offices chose to publish."""
    items = NewsItem.objects.filter(published_at__isnull=False).select_related("office")[:50]
    # The page says whose news it is: the offices at the top of this install's tree.
    offices = Unit.objects.filter(kind=UnitKind.OFFICE, parent__isnull=True).active()
    names = [office.name for office in offices.order_by("name")[:5]]
    return TemplateResponse(request, "portal/news_list.html", {"items": items, "offices": names})


def news_item(request: HttpRequest, uid: str) -> HttpResponse:
    item = get_object_or_404(NewsItem, uid=uid, published_at__isnull=False)
    return TemplateResponse(request, "portal/news_item.html", {"item": item})


class NewsFeed(Feed[NewsItem, None]):
    feed_type = Atom1Feed
    title = "tonghop: tin kết quả báo cáo"
    subtitle = "Tin về kết quả tổng hợp báo cáo do cơ quan chọn đăng."
    description = subtitle

    def link(self) -> str:
        return reverse("news:list")

    def items(self) -> list[NewsItem]:
        return list(
            NewsItem.objects.filter(published_at__isnull=False).select_related("office")[:50]
        )

    # Cleaned again here: an item saved before text was cleaned where it enters must not make
    # the whole feed fail (XML cannot carry control characters).
    def item_title(self, item: NewsItem) -> str:
        return clean_text(item.title)

    def item_description(self, item: NewsItem) -> str:
        return clean_text(item.summary, multiline=True)

    def item_link(self, item: NewsItem) -> str:
        return reverse("news:item", args=[item.uid])

    def item_pubdate(self, item: NewsItem) -> Any:
        return item.published_at

    def item_updateddate(self, item: NewsItem) -> Any:
        return item.updated_at

    def item_author_name(self, item: NewsItem) -> str:
        return clean_text(item.office.name)
