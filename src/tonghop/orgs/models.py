"""The unit tree, people, and the roles people hold in units."""

from __future__ import annotations

from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tonghop import errors


class User(AbstractUser):
    """A person who signs in. Roles come from memberships, never from flags on the user."""

    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    # The image of the person's handwritten signature (PNG with transparency), shown at ô 7c
    # when they sign; uploaded once, checked by tonghop.issuing.images.
    signature_png = models.BinaryField(_("signature image"), blank=True, default=b"")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # A password typed by someone else (an administrator) is changed by its owner at the next
    # sign-in: the middleware sends them to the change page until they have.
    must_change_password = models.BooleanField(_("must change password"), default=False)
    # When the office last invited this person by email; the account has no usable password
    # until the invitation's link is used.
    invited_at = models.DateTimeField(_("invited"), null=True, blank=True)

    def __str__(self) -> str:
        return self.full_name or self.username

    def display_name(self) -> str:
        return self.full_name or self.get_username()

    @property
    def invitation_pending(self) -> bool:
        """Invited, and the link not used yet (the account has no password of its own)."""
        return self.is_active and self.invited_at is not None and not self.has_usable_password()

    def office_units(self) -> models.QuerySet[Unit]:
        """Offices where this person works as specialist, head or administrator."""
        return Unit.objects.filter(
            memberships__user=self, memberships__role__in=Role.office_roles()
        ).distinct()

    def reporting_units(self) -> models.QuerySet[Unit]:
        return Unit.objects.filter(
            memberships__user=self, memberships__role=Role.REPORTER
        ).distinct()

    def manages_people(self) -> bool:
        """Administrator or head of an office: manages its people (tonghop.people)."""
        return self.is_active and self.memberships.filter(role__in=(Role.ADMIN, Role.HEAD)).exists()

    def has_office_role(self, office: Unit, *roles: Role) -> bool:
        wanted = roles or Role.office_roles()
        return self.is_active and self.memberships.filter(unit=office, role__in=wanted).exists()


class UnitKind(models.TextChoices):
    OFFICE = "office", _("Office")
    COMMUNE = "commune", _("Commune")
    SCHOOL = "school", _("School")
    AGENCY = "agency", _("Agency")
    OTHER = "other", _("Other")


class TreeLoop(errors.Invalid):
    """The unit tree loops back on itself (a parent set to a unit of its own branch behind the
    application's back): refused instead of walking it forever."""


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> UnitQuerySet:
        return self.filter(is_active=True)


class Unit(models.Model):
    """An organisation in the tree: the office itself, or a commune, school or agency below it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    # The image of the office's seal (PNG with transparency), shown with its signature (ô 8).
    seal_png = models.BinaryField(_("seal image"), blank=True, default=b"")
    name = models.CharField(_("name"), max_length=255)
    short_name = models.CharField(_("short name"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=16, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # The body above, written as ND 30 puts it in a header (e.g. "UBND HUYỆN ĐÔNG SƠN").
    parent_body = models.CharField(_("parent body"), max_length=255, blank=True)
    place = models.CharField(_("place name"), max_length=100, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # Mã định danh of the body for document exchange (edXML), e.g. 000.00.11.H53.
    organ_id = models.CharField(_("organ code"), max_length=40, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects: ClassVar[UnitQuerySet] = UnitQuerySet.as_manager()  # type: ignore[assignment]

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    def __str__(self) -> str:
        return self.name

    def descendants(self) -> list[Unit]:
        """Every unit below this one, breadth first, one query per level of depth. A unit met
        twice means the tree loops back on itself: refused (TreeLoop), never walked forever."""
        found: list[Unit] = []
        seen = {self.pk}
        frontier = [self.pk]
        while frontier:
            level = list(Unit.objects.filter(parent_id__in=frontier))
            for unit in level:
                if unit.pk in seen:
                    raise TreeLoop(
                        gettext(
                            "The unit tree has a loop at “%(unit)s”: fix the parent units first."
                        )
                        % {"unit": unit.name}
                    )
                seen.add(unit.pk)
            found.extend(level)
            frontier = [u.pk for u in level]
        return found

    def would_loop_under(self, parent: Unit | None) -> bool:
        """Whether putting this unit under `parent` would close a loop: `parent` is the unit
        itself or a unit of its own branch. Walks up from `parent`, one query per level, and
        stops at a loop already there (a parent below a loop is refused too)."""
        if parent is None:
            return False
        if self.pk is None:
            return False  # a new unit has no branch yet
        seen: set[int] = set()
        current: int | None = parent.pk
        while current is not None:
            if current == self.pk or current in seen:
                return True
            seen.add(current)
            current = Unit.objects.filter(pk=current).values_list("parent_id", flat=True).first()
        return False

    def clean(self) -> None:
        """Every form that edits a unit (the administration pages among them) refuses a parent
        that would make the tree loop."""
        super().clean()
        if self.parent_id is not None and self.would_loop_under(self.parent):
            raise ValidationError(
                {"parent": gettext("A unit cannot move under itself or a unit of its own branch.")}
            )


class Role(models.TextChoices):
    REPORTER = "reporter", _("Unit reporter")
    SPECIALIST = "specialist", _("Office specialist")
    HEAD = "head", _("Office head")
    # Văn thư: numbers, dates and issues what the head signed, with the office's signature.
    CLERK = "clerk", _("Office clerk")
    ADMIN = "admin", _("Administrator")

    @classmethod
    def office_roles(cls) -> tuple[Role, ...]:
        return (cls.SPECIALIST, cls.HEAD, cls.CLERK, cls.ADMIN)


class Membership(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role")
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.unit}"
