"""The exchange channel: an outbox and an inbox of edXML messages, and the adapters that move
them between agencies.

Partners are listed in ``DATA/exchange/partners.json``, one object each::

    [{"organ_id": "000.00.21.H99", "url": "https://so.example.vn", "secret": "…"},
     {"organ_id": "000.30.26.H99", "directory": "/media/usb/lien-thong"}]

- ``url``: the HTTP adapter, between tonghop installs. The body is the edXML message; the
  headers carry the message id, the sender's organ code and an HMAC-SHA256 of both and the
  body under the shared secret. The receiver answers 200 (taken, or already taken: a message id
  is taken once), 4xx (refused: not retried) or 5xx (retried with backoff).
- ``directory``: the directory adapter, for a district without a connection or a USB
  hand-over: ``<directory>/<message id>.edxml`` with a ``.mac`` file beside it; the partner
  picks the files up from there into its inbox (``tonghop exchange run``).
- The national hub's API (sendEdoc / getReceivedEdocList / getEdoc / updateStatus) is the next
  adapter: ``Adapter.send`` and ``Adapter.fetch`` are its seam.

Every change of a message's state goes through ``change_state`` with the row locked, its
version bumped and an audit record, as MESSAGE_TRANSITIONS allows.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from tonghop import errors
from tonghop.audit.models import Action
from tonghop.audit.records import record
from tonghop.dispatch.edxml import (
    BusinessType,
    EdxmlDocument,
    EdxmlError,
    EdxmlStatus,
    Organ,
    ResponseFor,
    StaffInfo,
    build_status,
    parse_package,
    parse_status,
)
from tonghop.documents.exchange import ImportRefused, Received, receive
from tonghop.documents.models import (
    MESSAGE_TRANSITIONS,
    Direction,
    Document,
    ExchangeMessage,
    MessageKind,
    MessageState,
    MessageStep,
)
from tonghop.orgs.models import Unit, User

MAX_MESSAGE_BYTES = 100 * 1024 * 1024
HTTP_TIMEOUT = 20.0
BACKOFF_BASE = dt.timedelta(seconds=30)
BACKOFF_MAX = dt.timedelta(hours=6)
STATUS_TAG = b"<edXML:StatusCode>"


class StatusCode:
    """StatusCode of the hub's status messages (codes of the reference README; the reference
    status package is 05). When this install sends each, about a document received by exchange:
    01 when the package is taken in; 02 when a partner's package is refused (the reason in
    Description; nothing registered); 03 when the clerk registers it; 04 when a campaign is
    made from it; 05 when the office starts compiling the answer (the first compilation of that
    campaign); 06 when the campaign is closed; 15 when a recall is applied."""

    ARRIVED = "01"  # Đã đến
    REFUSED = "02"  # Từ chối tiếp nhận
    RECEIVED = "03"  # Đã tiếp nhận (vào sổ)
    ASSIGNED = "04"  # Đã phân công
    PROCESSING = "05"  # Đang xử lý
    DONE = "06"  # Hoàn thành
    RECALL_REQUEST = "13"  # Đề nghị thu hồi
    RECALL_AGREED = "15"  # Đồng ý thu hồi
    RECALL_REFUSED = "16"  # Từ chối thu hồi


STATUS_TEXT = {
    StatusCode.ARRIVED: "Đã đến",
    StatusCode.REFUSED: "Từ chối tiếp nhận",
    StatusCode.RECEIVED: "Đã tiếp nhận",
    StatusCode.ASSIGNED: "Đã phân công",
    StatusCode.PROCESSING: "Đang xử lý",
    StatusCode.DONE: "Hoàn thành",
    StatusCode.RECALL_REQUEST: "Đề nghị thu hồi",
    StatusCode.RECALL_AGREED: "Đồng ý thu hồi",
    StatusCode.RECALL_REFUSED: "Từ chối thu hồi",
}


class ChannelRefused(errors.Invalid):
    """A message refused at the door; str() is the reason."""


class DeliveryFailed(Exception):
    """A delivery to try again later."""


class DeliveryRefused(Exception):
    """The partner refused the message: trying again would not help."""


# --------------------------------------------------------------------------------- partners


@dataclass(frozen=True)
class Partner:
    organ_id: str
    url: str = ""
    secret: str = ""
    directory: str = ""


def partners_file() -> Path:
    return Path(settings.DATA_DIR) / "exchange" / "partners.json"


def partners() -> dict[str, Partner]:
    path = partners_file()
    if not path.is_file():
        return {}
    entries = json.loads(path.read_text(encoding="utf-8"))
    found = {}
    for entry in entries:
        partner = Partner(
            organ_id=str(entry["organ_id"]),
            url=str(entry.get("url", "")).rstrip("/"),
            secret=str(entry.get("secret", "")),
            directory=str(entry.get("directory", "")),
        )
        found[partner.organ_id] = partner
    return found


def mac(secret: str, message_id: str, sender: str, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    text = f"{message_id}\n{sender}\n{digest}".encode()
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


# --------------------------------------------------------------------------------- adapters


class Adapter(Protocol):
    def send(self, message_id: str, sender: str, body: bytes) -> None:
        """Deliver, or raise DeliveryFailed (retry) or DeliveryRefused (do not)."""

    def fetch(self) -> Iterator[tuple[str, str, bytes, str]]:
        """Messages waiting for us: (message id, sender, body, mac)."""


class DirectoryAdapter:
    def __init__(self, partner: Partner) -> None:
        self.partner = partner
        self.root = Path(partner.directory)

    def send(self, message_id: str, sender: str, body: bytes) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            final = self.root / f"{message_id}.edxml"
            temporary = self.root / f".{message_id}.part"
            temporary.write_bytes(body)
            (self.root / f"{message_id}.mac").write_text(
                json.dumps(
                    {"sender": sender, "mac": mac(self.partner.secret, message_id, sender, body)}
                ),
                encoding="utf-8",
            )
            # The package appears whole or not at all for the partner picking it up.
            os.replace(temporary, final)
        except OSError as exc:
            raise DeliveryFailed(str(exc)) from exc

    def fetch(self) -> Iterator[tuple[str, str, bytes, str]]:
        if not self.root.is_dir():
            return
        for path in sorted(self.root.glob("*.edxml")):
            side = path.with_suffix(".mac")
            if not side.is_file():
                continue
            try:
                facts = json.loads(side.read_text(encoding="utf-8"))
                body = path.read_bytes()
            except (OSError, ValueError):
                continue
            yield path.stem, str(facts.get("sender", "")), body, str(facts.get("mac", ""))

    def done(self, message_id: str) -> None:
        done = self.root / "done"
        done.mkdir(exist_ok=True)
        for suffix in (".edxml", ".mac"):
            source = self.root / f"{message_id}{suffix}"
            if source.exists():
                os.replace(source, done / source.name)


class HttpAdapter:
    def __init__(self, partner: Partner) -> None:
        self.partner = partner

    def send(self, message_id: str, sender: str, body: bytes) -> None:
        request = urllib.request.Request(  # noqa: S310 - the partner's configured URL
            f"{self.partner.url}/exchange/receive/",
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/xml",
                "X-Tonghop-Message-Id": message_id,
                "X-Tonghop-Sender": sender,
                "X-Tonghop-Mac": mac(self.partner.secret, message_id, sender, body),
            },
        )
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:  # noqa: S310
                response.read()
        except urllib.error.HTTPError as exc:
            reason = exc.read()[:500].decode("utf-8", "replace")
            if 400 <= exc.code < 500 and exc.code not in (408, 429):
                raise DeliveryRefused(f"HTTP {exc.code}: {reason}") from exc
            raise DeliveryFailed(f"HTTP {exc.code}: {reason}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise DeliveryFailed(str(exc)) from exc

    def fetch(self) -> Iterator[tuple[str, str, bytes, str]]:
        # The partner pushes to our endpoint; nothing to fetch.
        return iter(())


def adapter_for(partner: Partner) -> HttpAdapter | DirectoryAdapter:
    return HttpAdapter(partner) if partner.url else DirectoryAdapter(partner)


# ------------------------------------------------------------------------------ the states


def change_state(
    message: ExchangeMessage,
    step: MessageStep,
    *,
    changes: dict[str, Any] | None = None,
    details: dict[str, Any] | None = None,
    actor: User | None = None,
) -> None:
    """Move the locked message one step of MESSAGE_TRANSITIONS, bump its version, record it."""
    before = MessageState(message.state)
    after = MESSAGE_TRANSITIONS.get((before, step))
    if after is None:
        raise ChannelRefused(
            _("This exchange message cannot change now (%(state)s).") % {"state": before.label}
        )
    message.state = after
    message.version += 1
    for name, value in (changes or {}).items():
        setattr(message, name, value)
    message.save()
    record(
        Action.DATA,
        actor=actor,
        obj=message,
        details={
            "exchange": message.message_id,
            "from": before.value,
            "to": after.value,
            **(details or {}),
        },
    )


def _new_message(
    office: Unit,
    direction: str,
    kind: str,
    partner: str,
    body: bytes,
    *,
    message_id: str | None = None,
    document: Document | None = None,
    state: MessageState,
    status_code: str = "",
    description: str = "",
) -> ExchangeMessage:
    message = ExchangeMessage(
        message_id=message_id or uuid.uuid4().hex,
        direction=direction,
        kind=kind,
        office=office,
        partner=partner[:40],
        document=document,
        state=state,
        status_code=status_code,
        description=description,
        next_attempt_at=timezone.now() if direction == Direction.OUTGOING else None,
    )
    message.payload.save(f"{message.message_id}.edxml", ContentFile(body), save=False)
    message.save()
    return message


def queue_package(document: Document, package: bytes, to: str) -> ExchangeMessage:
    """Put an outgoing document's package in the outbox for the partner ``to``."""
    return _new_message(
        document.office,
        Direction.OUTGOING,
        MessageKind.DOCUMENT,
        to,
        package,
        document=document,
        state=MessageState.QUEUED,
    )


def queue_status(
    document: Document, code: str, description: str = "", staff: User | None = None
) -> ExchangeMessage | None:
    """Tell the sender of a received document what became of it. Only to a configured partner
    (a package brought by hand from an unknown body has no one to answer)."""
    if not document.exchange_id or document.sender_organ_id not in partners():
        return None
    number, _sep, notation = document.exchange_id.rsplit(",", 1)[-1].partition("/")
    return _queue_status(
        document.office,
        ResponseFor(
            organ_id=document.sender_organ_id,
            code=f"{number}/{notation}",
            promulgation_date=document.issued_on or timezone.localdate(),
            document_id=document.exchange_id,
        ),
        code,
        description,
        staff,
        document,
    )


def _queue_status(
    office: Unit,
    response_for: ResponseFor,
    code: str,
    description: str,
    staff: User | None,
    document: Document | None,
) -> ExchangeMessage:
    status = EdxmlStatus(
        sender=Organ(
            organ_id=office.organ_id,
            organization_in_charge=office.parent_body,
            organ_name=office.name,
            email=office.email,
        ),
        response_for=response_for,
        status_code=code,
        description=(description or STATUS_TEXT.get(code, ""))[:2000],
        timestamp=timezone.now(),
        staff=None
        if staff is None
        else StaffInfo(office.name, staff.display_name(), staff.email, staff.phone),
    )
    return _new_message(
        office,
        Direction.OUTGOING,
        MessageKind.STATUS,
        response_for.organ_id,
        build_status(status),
        document=document,
        state=MessageState.QUEUED,
        status_code=code,
        description=status.description,
    )


def refuse_package(
    office: Unit, package: EdxmlDocument, body: bytes, message_id: str, sender: str, reason: str
) -> ExchangeMessage:
    """A package from a partner that cannot be taken in: kept in the inbox as refused, with the
    reason, and answered 02 (từ chối tiếp nhận) with that reason, so the sender's clerk knows
    without a phone call. Nothing of the package is registered."""
    with transaction.atomic():
        message = _new_message(
            office,
            Direction.INCOMING,
            MessageKind.DOCUMENT,
            sender or package.sender.organ_id,
            body,
            message_id=message_id,
            state=MessageState.RECEIVED,
        )
        change_state(message, MessageStep.REFUSE, changes={"error": reason[:2000]})
        if package.sender.organ_id in partners():
            _queue_status(
                office,
                ResponseFor(
                    organ_id=package.sender.organ_id,
                    code=f"{package.code_number}/{package.code_notation}",
                    promulgation_date=package.promulgation_date,
                    document_id=package.document_id,
                ),
                StatusCode.REFUSED,
                f"{STATUS_TEXT[StatusCode.REFUSED]}: {reason}",
                None,
                None,
            )
        return message


# ----------------------------------------------------------------------------- sending


def messages_for(user: User) -> QuerySet[ExchangeMessage]:
    """The exchange messages a person may see: those of the offices where they hold an office
    role; a reporter or another office's staff sees none."""
    return ExchangeMessage.objects.filter(office__in=user.office_units()).select_related(
        "office", "document"
    )


def retry(user: User, message_pk: int, expected_version: int | None = None) -> ExchangeMessage:
    """Queue a failed outgoing message to be tried at the worker's next pass, at once rather
    than after its backoff; also one the partner refused, once the cause is put right."""
    with transaction.atomic():
        message = ExchangeMessage.objects.select_for_update().get(pk=message_pk)
        if not user.has_office_role(message.office):
            raise errors.NotAllowed(_("Only the office's staff can send exchange messages."))
        if expected_version is not None and expected_version != message.version:
            raise errors.Stale(
                _("This exchange message changed since the page was drawn; look again.")
            )
        change_state(
            message,
            MessageStep.RETRY,
            changes={"next_attempt_at": timezone.now(), "error": ""},
            details={"attempts": message.attempts, "error": message.error[:500]},
            actor=user,
        )
        return message


def _backoff(attempts: int) -> dt.timedelta:
    delay: dt.timedelta = BACKOFF_BASE * (2 ** max(0, attempts - 1))
    return min(delay, BACKOFF_MAX)


def deliver(message_pk: int, now: dt.datetime | None = None) -> ExchangeMessage:
    """Try one outgoing message: sent, or failed with the next try set (or given up on a
    refusal, which stays failed without a next try)."""
    now = now or timezone.now()
    message = ExchangeMessage.objects.get(pk=message_pk)
    partner = partners().get(message.partner)
    body = message.payload.read() if message.payload else b""
    sender = message.office.organ_id
    error = ""
    refused = False
    if partner is None:
        error = _("No exchange partner is configured for %(organ)s.") % {"organ": message.partner}
    else:
        try:
            adapter_for(partner).send(message.message_id, sender, body)
        except DeliveryRefused as exc:
            error, refused = str(exc), True
        except DeliveryFailed as exc:
            error = str(exc)
    with transaction.atomic():
        row = ExchangeMessage.objects.select_for_update().get(pk=message_pk)
        if row.state not in (MessageState.QUEUED, MessageState.FAILED):
            return row
        attempts = row.attempts + 1
        if not error:
            change_state(row, MessageStep.DELIVER, changes={"attempts": attempts, "error": ""})
        else:
            change_state(
                row,
                MessageStep.FAIL,
                changes={
                    "attempts": attempts,
                    "error": error[:2000],
                    "next_attempt_at": None if refused else now + _backoff(attempts),
                },
                details={"error": error[:500]},
            )
        return row


def send_due(now: dt.datetime | None = None) -> list[ExchangeMessage]:
    now = now or timezone.now()
    due = ExchangeMessage.objects.filter(
        direction=Direction.OUTGOING,
        state__in=(MessageState.QUEUED, MessageState.FAILED),
        next_attempt_at__lte=now,
    ).values_list("pk", flat=True)
    return [deliver(pk, now) for pk in list(due)]


# ----------------------------------------------------------------------------- receiving


def _office_for(organ_ids: list[str]) -> Unit:
    office = Unit.objects.filter(organ_id__in=[o for o in organ_ids if o]).first()
    if office is None:
        raise ChannelRefused(
            _("No office of this install has the organ code %(organ)s.")
            % {"organ": ", ".join(organ_ids)}
        )
    return office


def take_status(office: Unit | None, data: bytes) -> Document:
    """A status message about a document we sent: kept on that document as its trail."""
    try:
        status = parse_status(data)
    except EdxmlError as exc:
        raise ChannelRefused(str(exc)) from exc
    rf = status.response_for
    number, _sep, symbol = rf.code.partition("/")
    sent = Document.objects.filter(
        direction=Direction.OUTGOING,
        office__organ_id=rf.organ_id,
        number=number,
        symbol=symbol,
        issued_on=rf.promulgation_date,
    )
    if office is not None:
        sent = sent.filter(office=office)
    document = sent.first()
    if document is None:
        raise ChannelRefused(
            _("A status message for document %(id)s, which this office never sent.")
            % {"id": rf.document_id or rf.code}
        )
    return document


def accept(
    message_id: str, sender: str, body: bytes, *, given_mac: str | None
) -> tuple[str, Document | None]:
    """Take one message from a partner (HTTP endpoint, directory pick-up). Idempotent by
    message id: a message taken before answers "duplicate". ``given_mac`` None: a message the
    clerk brought in (no channel, no MAC)."""
    if len(body) > MAX_MESSAGE_BYTES:
        raise ChannelRefused(_("The message is too large."))
    if given_mac is not None:
        partner = partners().get(sender)
        if partner is None or not partner.secret:
            raise ChannelRefused(
                _("%(organ)s is not an exchange partner of this install.") % {"organ": sender}
            )
        if not hmac.compare_digest(mac(partner.secret, message_id, sender, body), given_mac):
            raise ChannelRefused(_("The message's MAC does not match: refused."))
    seen = ExchangeMessage.objects.filter(
        direction=Direction.INCOMING, message_id=message_id
    ).first()
    if seen is not None:
        if seen.state == MessageState.REFUSED:
            # The same message again gets the same refusal, not a silent "duplicate".
            raise ImportRefused(seen.error)
        return "duplicate", seen.document
    is_status = STATUS_TAG in body[:20000]
    try:
        if is_status:
            document = take_status(None, body)
            status = parse_status(body)
            with transaction.atomic():
                message = _new_message(
                    document.office,
                    Direction.INCOMING,
                    MessageKind.STATUS,
                    sender or status.sender.organ_id,
                    body,
                    message_id=message_id,
                    document=document,
                    state=MessageState.RECEIVED,
                    status_code=status.status_code,
                    description=status.description,
                )
                change_state(message, MessageStep.TAKE)
                for status_handler in _STATUS_TAKEN:
                    status_handler(document, message)
            return "status", document
        try:
            package = parse_package(body)
        except EdxmlError as exc:
            raise ChannelRefused(str(exc)) from exc
        office = _office_for([r.organ_id for r in package.receivers])
        try:
            result = take_in(None, office, body, message_id=message_id, partner=sender)
        except ImportRefused as exc:
            refuse_package(office, package, body, message_id, sender, str(exc))
            raise
        return result.status, result.document
    except IntegrityError:
        return "duplicate", None


# What a later package does with a document taken in from a partner (reports applies a
# district's tonghop.report/1 to its assignment): it comes after documents in the order of
# packages, so it registers its function from its AppConfig.ready and the channel imports none
# of them. A handler raising ImportRefused refuses the whole package: nothing is kept, and the
# sender gets status 02 with the reason.
TakenIn = Callable[[User | None, Unit, Received], None]
_TAKEN_IN: list[TakenIn] = []


def on_taken_in(handler: TakenIn) -> None:
    _TAKEN_IN[:] = [h for h in _TAKEN_IN if h is not handler] + [handler]


# What a status message from a partner about a document this office sent does beyond the
# document's trail (reports tells the district's staff that the Sở returned its report):
# registered the same way, called in the transaction that keeps the message.
StatusTaken = Callable[[Document, ExchangeMessage], None]
_STATUS_TAKEN: list[StatusTaken] = []


def on_status_taken(handler: StatusTaken) -> None:
    _STATUS_TAKEN[:] = [h for h in _STATUS_TAKEN if h is not handler] + [handler]


def take_in(
    user: User | None,
    office: Unit,
    data: bytes,
    *,
    forwarded: bool = False,
    message_id: str | None = None,
    partner: str = "",
) -> Received:
    """Receive a package (documents.exchange.receive), keep it in the inbox and answer the
    sender: "arrived" for a new document, "refused" with the reason when it cannot be taken."""
    with transaction.atomic():
        result = receive(user, office, data, forwarded=forwarded)
        if result.status == "received":
            for handler in _TAKEN_IN:
                handler(user, office, result)
        message = _new_message(
            office,
            Direction.INCOMING,
            MessageKind.DOCUMENT,
            partner or result.package.sender.organ_id,
            data,
            message_id=message_id,
            document=result.document,
            state=MessageState.RECEIVED,
        )
        change_state(message, MessageStep.TAKE, details={"result": result.status})
        if result.status == "received":
            queue_status(result.document, StatusCode.ARRIVED, staff=user)
        elif result.package.business.doc_type is BusinessType.REVOKE:
            # The recall answer: the document is marked revoked here.
            queue_status(result.document, StatusCode.RECALL_AGREED, staff=user)
        return result


def pick_up() -> list[tuple[str, str]]:
    """Directory adapters: take in what partners dropped, move it to ``done``."""
    outcomes = []
    for partner in partners().values():
        if partner.url or not partner.directory:
            continue
        adapter = DirectoryAdapter(partner)
        for message_id, sender, body, given in adapter.fetch():
            if sender != partner.organ_id:
                continue
            try:
                outcome, _doc = accept(message_id, sender, body, given_mac=given)
            except (ChannelRefused, ImportRefused) as exc:
                outcome = f"refused: {exc}"
            adapter.done(message_id)
            outcomes.append((message_id, outcome))
    return outcomes


def run_once(now: dt.datetime | None = None) -> dict[str, int]:
    """Move the outbox and the inbox once (``tonghop exchange run``; the worker repeats it)."""
    picked = pick_up()
    sent = send_due(now)
    return {
        "picked_up": len(picked),
        "sent": sum(1 for m in sent if m.state == MessageState.SENT),
        "failed": sum(1 for m in sent if m.state == MessageState.FAILED),
    }
