"""edXML packages (QCVN 102:2016/BTTTT): what agencies' document systems exchange.

``build_package`` writes an issued document with its attachments (the signed PDF) in the exact
shape of the real packages in ``shared/reference/edxml``: same namespaces and prefixes (default
namespace on ``<edXML>``, ``edXML:`` from the envelope on, the unprefixed ``AttachmentEncoded``
part), same element order, dates of the header as ``dd/MM/yyyy`` (as ``edoc_new.edxml`` writes
them: a common checker reads any date leniently as ``dd/MM/yyyy`` and would turn ``2026/12/06``
into a wrong day), ``yyyy/MM/dd`` inside the DocumentId and the trace timestamps as the samples
do (and ``ResponseFor/PromulgationDate``, as ``status_processing_05.edxml``), and base64
content on one line. The XML-DSig ``<Signature>`` of the samples is added by
``dispatch.xmldsig.sign_package`` with the office's key, over the package as written here.

``parse_package`` reads real and our packages into the same dataclasses. Input is untrusted:
it is parsed with defusedxml with any DTD refused (no edXML has one, and a DTD is how XML bombs
and external entities get in), size-capped before parsing, and every problem is an
``EdxmlError`` whose message is a Vietnamese sentence for the clerk. Elements are matched by
local name, not namespace, because senders differ in how they declare it.

Status messages (like ``status_processing_05.edxml``) are a different message: ``parse_package``
refuses them with a message saying so, ``parse_status`` reads them, ``build_status`` writes one.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import enum
import io
import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

from tonghop import errors

if TYPE_CHECKING:  # types only: parsing always goes through defusedxml
    from xml.etree.ElementTree import Element


NAMESPACE = "http://www.mic.gov.vn/TBT/QCVN_102_2016"
MAX_BYTES = 100 * 1024 * 1024
# One attachment, decoded. Measured on the base64 text before it is decoded, so an oversized
# file costs nothing but the parse.
MAX_ATTACHMENT_BYTES = 50 * 1024 * 1024
# Vietnam has kept UTC+7 without daylight saving since 1975, so a fixed offset is exact and
# needs no tz database.
ICT = datetime.timezone(datetime.timedelta(hours=7))

# What each required element is, for the clerk reading the error.
_LABELS = {
    "edXMLEnvelope": "phong bì",
    "edXMLHeader": "phần đầu",
    "MessageHeader": "thông tin văn bản",
    "From": "cơ quan gửi",
    "To": "cơ quan nhận",
    "OrganId": "mã định danh cơ quan",
    "Code": "số và ký hiệu",
    "CodeNumber": "số văn bản",
    "CodeNotation": "ký hiệu văn bản",
    "PromulgationInfo": "thông tin ban hành",
    "PromulgationDate": "ngày ban hành",
    "Subject": "trích yếu",
    "ResponseFor": "văn bản được phản hồi",
    "StatusCode": "mã trạng thái",
    "Timestamp": "thời điểm",
    "ContentTransferEncoded": "nội dung tệp đính kèm",
}


class EdxmlError(errors.Invalid, ValueError):
    """A package we cannot build or read; ``str(e)`` is a Vietnamese sentence for the clerk."""


class Priority(enum.IntEnum):
    """OtherInfo/Priority: độ khẩn."""

    NORMAL = 0
    URGENT = 1  # Khẩn
    VERY_URGENT = 2  # Thượng khẩn
    FLASH = 3  # Hỏa tốc


class BusinessType(enum.IntEnum):
    """Bussiness/BussinessDocType (the standard's spelling): what this package does."""

    NEW = 0
    REVOKE = 1
    UPDATE = 2
    REPLACE = 3


@dataclass(frozen=True)
class Organ:
    """From / To: an agency, identified by its mã định danh (``000.00.11.H53``)."""

    organ_id: str
    organization_in_charge: str = ""
    organ_name: str = ""
    organ_add: str = ""
    email: str = ""
    telephone: str = ""
    fax: str = ""
    website: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file carried in the package. ``name`` comes from the sender: never use it as a path."""

    name: str
    content_type: str
    data: bytes = field(repr=False)
    description: str = ""


@dataclass(frozen=True)
class DocumentType:
    """DocumentType: the samples send a công văn as Type 1, TypeDetail 0, TypeName "Công văn"."""

    type: int = 1
    type_detail: int = 0
    type_name: str = "Công văn"


# DocumentType/Type: 1 an administrative document (văn bản hành chính, ND 30 Art. 7),
# 2 a legal normative one (văn bản quy phạm pháp luật). TypeDetail numbers the kinds of the
# administrative documents. The standard's own code table (QCVN 102:2016 annex) is not among the
# references this project has: only the samples, which confirm Công văn = 1/0. The other kinds
# follow, numbered in the order of ND 30 Art. 7 (its 29 kinds, checked against the decree's text
# by tests/compilation/test_edxml.py), so that each kind has its own code and its own name (a
# Báo cáo is never sent as a Công văn). Names match without case, with either placement of the
# tone mark ("uỷ"/"ủy", "thoả"/"thỏa", both in official use) and without "(cá biệt)".
ADMINISTRATIVE = 1
LEGAL_NORMATIVE = 2
ND30_KINDS = (
    "Công văn", "Nghị quyết", "Quyết định", "Chỉ thị", "Quy chế", "Quy định",
    "Thông cáo", "Thông báo", "Hướng dẫn", "Chương trình", "Kế hoạch", "Phương án",
    "Đề án", "Dự án", "Báo cáo", "Biên bản", "Tờ trình", "Hợp đồng", "Công điện",
    "Bản ghi nhớ", "Bản thỏa thuận", "Giấy ủy quyền", "Giấy mời", "Giấy giới thiệu",
    "Giấy nghỉ phép", "Phiếu gửi", "Phiếu chuyển", "Phiếu báo", "Thư công",
)  # fmt: skip
# Old-style tone placement (on the second vowel of a word-final oa, oe, uy: "thoả", "uỷ") to
# the new style ND 30 uses ("thỏa", "ủy").
_OLD_TONES = {
    "oá": "óa", "oà": "òa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oé": "óe", "oè": "òe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uý": "úy", "uỳ": "ùy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}  # fmt: skip
_OLD_TONE = re.compile(r"(?<!q)(" + "|".join(_OLD_TONES) + r")\b")


def kind_key(name: str) -> str:
    """The comparable form of a kind's name: NFC, one space, lower case, new-style tones,
    without "(cá biệt)"."""
    text = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    text = re.sub(r"\s*\(cá biệt\)$", "", text)
    return _OLD_TONE.sub(lambda m: _OLD_TONES[m[1]], text)


DOCUMENT_TYPES: dict[str, DocumentType] = {
    kind_key(name): DocumentType(ADMINISTRATIVE, detail, name)
    for detail, name in enumerate(ND30_KINDS)
}


def document_type_for(name: str) -> DocumentType:
    """The catalogue's code for a kind of document ("Báo cáo" → 1/14/"Báo cáo")."""
    found = DOCUMENT_TYPES.get(kind_key(name))
    if found is None:
        raise EdxmlError(f"Loại văn bản {name!r} không có trong danh mục mã loại văn bản.")
    return found


# What the Nơi nhận of a document holds besides the bodies it goes to: the archive copy
# ("Lưu: VT, VHTT"), "Như trên", and the purpose in brackets ("(b/c)", "(để báo cáo)").
_NOT_A_PLACE = re.compile(r"^(lưu\b|như trên\b)", re.IGNORECASE)
_PURPOSE = re.compile(
    r"\s*[(\[]\s*(để\s+)?(b/c|báo cáo|t/h|thực hiện|p/h|phối hợp|biết|đăng tải|đăng|"
    r"chỉ đạo|theo dõi|t/d|đ/c)\s*[)\]]\s*$",
    re.IGNORECASE,
)


_AS_ABOVE = re.compile(r"^như trên\b", re.IGNORECASE)


def to_places_from(
    recipients: tuple[str, ...] | list[str], addressees: tuple[str, ...] | list[str] = ()
) -> tuple[str, ...]:
    """ToPlaces from a Nơi nhận list: the bodies only, without the archive copy, the list marks
    and the purpose in brackets. "Như trên" stands for the addressees (Kính gửi), named here."""
    places: list[str] = []
    for line in recipients:
        text = " ".join(line.split()).lstrip("-–+•* ").rstrip(";,. ")
        text = _PURPOSE.sub("", text).rstrip(";,. ")
        found = addressees if _AS_ABOVE.match(text) else (text,)
        for place in found:
            place = " ".join(place.split()).lstrip("-–+•* ").rstrip(";,. ")
            if place and not _NOT_A_PLACE.match(place) and place not in places:
                places.append(place)
    return tuple(places)


@dataclass(frozen=True)
class SignerInfo:
    competence: str = ""  # thẩm quyền ký: "KT. CHỦ TỊCH", "TL. BỘ TRƯỞNG"
    position: str = ""
    full_name: str = ""


@dataclass(frozen=True)
class ResponseFor:
    """The document this one answers (also the subject of a status message)."""

    organ_id: str
    code: str  # "7816/VPCP-TTĐT"
    promulgation_date: datetime.date
    document_id: str


@dataclass(frozen=True)
class StaffInfo:
    department: str = ""
    staff: str = ""
    email: str = ""
    mobile: str = ""


@dataclass(frozen=True)
class TraceHeader:
    """A hop of the package: which agency handled it and when (Asia/Ho_Chi_Minh)."""

    organ_id: str
    timestamp: datetime.datetime


@dataclass(frozen=True)
class Business:
    """TraceHeaderList/Bussiness: new, revoke, update or replace, and the clerk who sent it."""

    doc_type: BusinessType = BusinessType.NEW
    reason: str = "Văn bản điện tử mới"
    paper: int = 0  # 1 when a paper copy follows
    document_id: str = ""  # "" means the package's own DocumentId
    staff: StaffInfo | None = None


def make_document_id(organ_id: str, date: datetime.date, number: str, notation: str) -> str:
    """DocumentId as the samples build it: ``OrganId,yyyy/MM/dd,Number/Notation``."""
    return f"{organ_id},{date:%Y/%m/%d},{number}/{notation}"


@dataclass(frozen=True, kw_only=True)
class EdxmlDocument:
    """One document message. ``document_id`` left empty is built by ``make_document_id``."""

    sender: Organ
    receivers: tuple[Organ, ...]
    code_number: str  # text: numbers like "01" keep their zero
    code_notation: str
    promulgation_date: datetime.date
    subject: str
    place: str = ""
    document_type: DocumentType = DocumentType()
    content: str = ""
    signer: SignerInfo = SignerInfo()
    due_date: datetime.date | None = None
    priority: Priority = Priority.NORMAL
    sphere_of_promulgation: str = ""
    typer_notation: str = ""
    promulgation_amount: int = 1
    page_amount: int = 1
    direction: bool = False
    appendixes: tuple[str, ...] = ()
    response_for: tuple[ResponseFor, ...] = ()
    steering_type: int = 0
    to_places: tuple[str, ...] = ()
    trace: tuple[TraceHeader, ...] = ()
    business: Business = Business()
    attachments: tuple[Attachment, ...] = ()
    document_id: str = ""

    def __post_init__(self) -> None:
        if not self.document_id:
            made = make_document_id(
                self.sender.organ_id, self.promulgation_date, self.code_number, self.code_notation
            )
            object.__setattr__(self, "document_id", made)


@dataclass(frozen=True, kw_only=True)
class EdxmlStatus:
    """A status message: ``status_code`` "01" arrived … "06" completed (reference README)."""

    sender: Organ
    response_for: ResponseFor
    status_code: str
    description: str
    timestamp: datetime.datetime
    staff: StaffInfo | None = None


# ---------------------------------------------------------------------------------- writing

# Characters XML 1.0 cannot carry at all (stray form feeds from PDF text, NULs): dropped, since
# a package that no receiver can parse helps nobody.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _escape(text: str) -> str:
    text = _XML_INVALID.sub("", text)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    # A raw CR would come back as LF after parsing; the character reference survives.
    return text.replace("\r", "&#13;")


class _Writer:
    """Writes the samples' layout by hand: ElementTree cannot mix a default namespace on the
    root with an ``edXML:`` prefix below it, as every real package does."""

    def __init__(self) -> None:
        self.lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<edXML xmlns="{NAMESPACE}">']
        self.depth = 1
        self.prefix = "edXML:"

    @contextmanager
    def elem(self, tag: str, attrs: str = "") -> Iterator[None]:
        indent = "  " * self.depth
        self.lines.append(f"{indent}<{self.prefix}{tag}{attrs}>")
        self.depth += 1
        yield
        self.depth -= 1
        self.lines.append(f"{indent}</{self.prefix}{tag}>")

    def leaf(self, tag: str, value: object, attrs: str = "") -> None:
        text = _escape(str(value))
        name = self.prefix + tag
        indent = "  " * self.depth
        self.lines.append(
            f"{indent}<{name}{attrs}>{text}</{name}>" if text else f"{indent}<{name}{attrs}/>"
        )

    def result(self) -> bytes:
        return ("\n".join([*self.lines, "</edXML>", ""])).encode("utf-8")


def _date(value: datetime.date | None) -> str:
    return "" if value is None else f"{value:%d/%m/%Y}"


def _timestamp(value: datetime.datetime) -> str:
    local = value.astimezone(ICT) if value.tzinfo else value
    return f"{local:%Y/%m/%d %H:%M:%S}"


# Element names of the flat records, in the order of both their dataclass fields and the samples.
_ORGAN_TAGS = (
    "OrganId", "OrganizationInCharge", "OrganName", "OrganAdd",
    "Email", "Telephone", "Fax", "Website",
)  # fmt: skip
_SIGNER_TAGS = ("Competence", "Position", "FullName")
_STAFF_TAGS = ("Department", "Staff", "Email", "Mobile")


def _write_record(w: _Writer, tag: str, record: Organ | SignerInfo | StaffInfo) -> None:
    names = {Organ: _ORGAN_TAGS, SignerInfo: _SIGNER_TAGS, StaffInfo: _STAFF_TAGS}[type(record)]
    with w.elem(tag):
        for name, f in zip(names, fields(record), strict=True):
            w.leaf(name, getattr(record, f.name))


def _write_response_for(w: _Writer, rf: ResponseFor) -> None:
    with w.elem("ResponseFor"):
        w.leaf("OrganId", rf.organ_id)
        w.leaf("Code", rf.code)
        # yyyy/MM/dd here, as status_processing_05.edxml writes it and as the DocumentId
        # beside it spells the same date.
        w.leaf("PromulgationDate", f"{rf.promulgation_date:%Y/%m/%d}")
        w.leaf("DocumentId", rf.document_id)


def _write_message_header(w: _Writer, doc: EdxmlDocument) -> None:
    with w.elem("MessageHeader"):
        _write_record(w, "From", doc.sender)
        for receiver in doc.receivers:
            _write_record(w, "To", receiver)
        w.leaf("DocumentId", doc.document_id)
        with w.elem("Code"):
            w.leaf("CodeNumber", doc.code_number)
            w.leaf("CodeNotation", doc.code_notation)
        with w.elem("PromulgationInfo"):
            w.leaf("Place", doc.place)
            w.leaf("PromulgationDate", _date(doc.promulgation_date))
        with w.elem("DocumentType"):
            w.leaf("Type", doc.document_type.type)
            w.leaf("TypeDetail", doc.document_type.type_detail)
            w.leaf("TypeName", doc.document_type.type_name)
        w.leaf("Subject", doc.subject)
        w.leaf("Content", doc.content)
        _write_record(w, "SignerInfo", doc.signer)
        w.leaf("DueDate", _date(doc.due_date))
        with w.elem("OtherInfo"):
            w.leaf("Priority", int(doc.priority))
            w.leaf("SphereOfPromulgation", doc.sphere_of_promulgation)
            w.leaf("TyperNotation", doc.typer_notation)
            w.leaf("PromulgationAmount", doc.promulgation_amount)
            w.leaf("PageAmount", doc.page_amount)
            w.leaf("Direction", "true" if doc.direction else "false")
            with w.elem("Appendixes"):
                # The samples keep an empty <Appendix/> when there is none.
                for appendix in doc.appendixes or ("",):
                    w.leaf("Appendix", appendix)
        for rf in doc.response_for:
            _write_response_for(w, rf)
        w.leaf("SteeringType", doc.steering_type)
        with w.elem("ToPlaces"):
            for place in doc.to_places:
                w.leaf("Place", place)


def _write_trace(w: _Writer, doc: EdxmlDocument) -> None:
    with w.elem("TraceHeaderList"):
        for hop in doc.trace:
            with w.elem("TraceHeader"):
                w.leaf("OrganId", hop.organ_id)
                w.leaf("Timestamp", _timestamp(hop.timestamp))
        with w.elem("Bussiness"):
            w.leaf("DocumentId", doc.business.document_id or doc.document_id)
            w.leaf("BussinessDocType", int(doc.business.doc_type))
            w.leaf("BussinessDocReason", doc.business.reason)
            w.leaf("Paper", doc.business.paper)
            if doc.business.staff is not None:
                _write_record(w, "StaffInfo", doc.business.staff)


def build_package(doc: EdxmlDocument) -> bytes:
    """The document as an edXML package (UTF-8 bytes), laid out like ``edoc_new.edxml``."""
    for what, value in (
        ("mã định danh cơ quan gửi", doc.sender.organ_id),
        ("số văn bản", doc.code_number),
        ("ký hiệu văn bản", doc.code_notation),
        ("trích yếu", doc.subject),
    ):
        if not value.strip():
            raise EdxmlError(f"Không lập được gói edXML: thiếu {what}.")
    if not doc.receivers or any(not r.organ_id.strip() for r in doc.receivers):
        raise EdxmlError("Không lập được gói edXML: cần mã định danh của từng cơ quan nhận.")
    if not doc.trace:
        # Adapters built on the common edXML library read the first trace header.
        raise EdxmlError("Không lập được gói edXML: thiếu vết gửi (TraceHeader) của cơ quan gửi.")
    known = DOCUMENT_TYPES.get(kind_key(doc.document_type.type_name))
    if known is not None and known != doc.document_type:
        raise EdxmlError(
            f"Không lập được gói edXML: loại {doc.document_type.type_name!r} có mã "
            f"{known.type}/{known.type_detail}, không phải "
            f"{doc.document_type.type}/{doc.document_type.type_detail}."
        )
    if to_places_from(doc.to_places) != doc.to_places:
        raise EdxmlError(
            "Không lập được gói edXML: nơi nhận chỉ ghi cơ quan nhận, không ghi "
            "“Lưu”, “Như trên” hay mục đích trong ngoặc."
        )
    ids = [f"cid:{i}" for i in range(1, len(doc.attachments) + 1)]
    w = _Writer()
    with w.elem("edXMLEnvelope", f' xmlns:edXML="{NAMESPACE}"'):
        with w.elem("edXMLHeader"):
            _write_message_header(w, doc)
            _write_trace(w, doc)
        with w.elem("edXMLBody"), w.elem("edXMLManifest", ' version="1.0"'):
            for cid, att in zip(ids, doc.attachments, strict=True):
                with w.elem("Reference"):
                    w.leaf("ContentId", cid)
                    w.leaf("ContentType", att.content_type)
                    w.leaf("Description", att.description)
                    w.leaf("AttachmentName", att.name)
    if doc.attachments:
        # The samples put the files outside the envelope, unprefixed, with the prefix declared
        # again on each ContentTransferEncoded.
        w.prefix = ""
        with w.elem("AttachmentEncoded"):
            for cid, att in zip(ids, doc.attachments, strict=True):
                with w.elem("Attachment"):
                    w.leaf("ContentId", cid)
                    w.leaf("AttachmentName", att.name)
                    w.leaf("Description", att.description)
                    w.leaf("ContentType", att.content_type)
                    encoded = base64.b64encode(att.data).decode("ascii")
                    w.leaf("edXML:ContentTransferEncoded", encoded, f' xmlns:edXML="{NAMESPACE}"')
    return w.result()


def build_status(status: EdxmlStatus) -> bytes:
    """A status message laid out like ``status_processing_05.edxml``."""
    w = _Writer()
    envelope = w.elem("edXMLEnvelope", f' xmlns:edXML="{NAMESPACE}"')
    with envelope, w.elem("edXMLHeader"), w.elem("MessageHeader"):
        _write_record(w, "From", status.sender)
        _write_response_for(w, status.response_for)
        if status.staff is not None:
            _write_record(w, "StaffInfo", status.staff)
        w.leaf("StatusCode", status.status_code)
        w.leaf("Description", status.description)
        w.leaf("Timestamp", _timestamp(status.timestamp))
    return w.result()


# ---------------------------------------------------------------------------------- reading


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _children(el: Element, name: str) -> list[Element]:
    return [c for c in el if _local(c.tag) == name]


def _child(el: Element, name: str) -> Element | None:
    found = _children(el, name)
    return found[0] if found else None


def _need(el: Element, name: str) -> Element:
    found = _child(el, name)
    if found is None:
        label = f" ({_LABELS[name]})" if name in _LABELS else ""
        raise EdxmlError(f"Gói edXML thiếu thẻ {name}{label}.")
    return found


def _text(el: Element | None, name: str) -> str:
    found = None if el is None else _child(el, name)
    return "" if found is None else (found.text or "").strip()


def _need_text(el: Element, name: str) -> str:
    text = (_need(el, name).text or "").strip()
    if not text:
        label = f" ({_LABELS[name]})" if name in _LABELS else ""
        raise EdxmlError(f"Gói edXML có thẻ {name}{label} rỗng.")
    return text


def _int(el: Element | None, name: str, default: int) -> int:
    text = _text(el, name)
    if not text:
        return default
    try:
        return int(text)
    except ValueError:
        raise EdxmlError(f"Thẻ {name} phải là số, gặp {text!r}.") from None


# yyyy/MM/dd is the standard's; dd/MM/yyyy occurs in real packages (edoc_new.edxml).
_DATE_FORMATS = ("%Y/%m/%d", "%d/%m/%Y", "%Y-%m-%d")
_TIME_FORMATS = ("%Y/%m/%d %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S")


def _parse_when(name: str, text: str, formats: tuple[str, ...]) -> datetime.datetime:
    for fmt in formats:
        try:
            return datetime.datetime.strptime(text, fmt)
        except ValueError:
            continue
    label = f" ({_LABELS[name]})" if name in _LABELS else ""
    raise EdxmlError(f"Thẻ {name}{label} có ngày giờ không hợp lệ: {text!r}.")


def _date_of(el: Element | None, name: str) -> datetime.date | None:
    text = _text(el, name)
    return _parse_when(name, text, _DATE_FORMATS).date() if text else None


def _need_date(el: Element, name: str) -> datetime.date:
    return _parse_when(name, _need_text(el, name), _DATE_FORMATS).date()


def _time_of(el: Element, name: str) -> datetime.datetime:
    return _parse_when(name, _need_text(el, name), _TIME_FORMATS).replace(tzinfo=ICT)


def _organ(el: Element) -> Organ:
    _need_text(el, "OrganId")
    return Organ(*(_text(el, name) for name in _ORGAN_TAGS))


def _response_for(el: Element) -> ResponseFor:
    return ResponseFor(
        organ_id=_need_text(el, "OrganId"),
        code=_text(el, "Code"),
        promulgation_date=_need_date(el, "PromulgationDate"),
        document_id=_text(el, "DocumentId"),
    )


def _staff(el: Element | None) -> StaffInfo | None:
    return None if el is None else StaffInfo(*(_text(el, name) for name in _STAFF_TAGS))


def _enum[E: enum.IntEnum](kind: type[E], name: str, value: int) -> E:
    try:
        return kind(value)
    except ValueError:
        raise EdxmlError(f"Thẻ {name} có giá trị không hợp lệ: {value}.") from None


# A real package is about eight levels deep; thousands of nested elements are an attack on the
# parsers and tree walkers down the line, refused while reading, before the tree is whole.
MAX_DEPTH = 64


def _parse_shallow(data: bytes) -> Element:
    depth = 0
    root: Element | None = None
    for event, el in SafeET.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if root is None:
            root = el
        if depth > MAX_DEPTH:
            raise EdxmlError(
                f"Gói edXML bị từ chối: các thẻ lồng nhau quá {MAX_DEPTH} tầng, gói edXML hợp lệ "
                "không bao giờ sâu như vậy."
            )
    if root is None:  # pragma: no cover - expat refuses a document without an element
        raise EdxmlError("Không phải gói edXML: không có thẻ nào.")
    return root


def _root(data: bytes, max_bytes: int) -> Element:
    if not data or not data.strip():
        raise EdxmlError("Gói edXML rỗng.")
    if len(data) > max_bytes:
        size, limit = (f"{n:,}".replace(",", ".") for n in (len(data), max_bytes))
        raise EdxmlError(f"Gói edXML quá lớn: {size} byte, giới hạn {limit} byte.")
    try:
        root = _parse_shallow(data)
    except DefusedXmlException:
        raise EdxmlError(
            "Gói edXML bị từ chối: có khai báo DOCTYPE/ENTITY, là dấu hiệu của bom XML hoặc "
            "đọc trộm tệp (XXE); gói edXML hợp lệ không bao giờ có."
        ) from None
    except SafeET.ParseError as e:
        line, column = getattr(e, "position", (0, 0))
        raise EdxmlError(
            f"Không phải gói edXML: không đọc được XML (dòng {line}, cột {column})."
        ) from None
    if _local(root.tag) != "edXML":
        raise EdxmlError(f"Không phải gói edXML: thẻ gốc là <{_local(root.tag)}>.")
    return root


def _message_header(root: Element) -> Element:
    return _need(_need(_need(root, "edXMLEnvelope"), "edXMLHeader"), "MessageHeader")


def _attachments(root: Element, max_attachment_bytes: int) -> tuple[Attachment, ...]:
    body = _child(_need(root, "edXMLEnvelope"), "edXMLBody")
    manifest = None if body is None else _child(body, "edXMLManifest")
    declared = {
        _text(ref, "ContentId"): ref
        for ref in ([] if manifest is None else _children(manifest, "Reference"))
    }
    encoded = _child(root, "AttachmentEncoded")
    found: list[Attachment] = []
    seen: set[str] = set()
    for item in [] if encoded is None else _children(encoded, "Attachment"):
        cid = _text(item, "ContentId")
        ref = declared.get(cid)
        name = _text(item, "AttachmentName") or _text(ref, "AttachmentName") or cid
        raw = (_need(item, "ContentTransferEncoded").text or "").encode("ascii", "replace")
        declared_size = len(raw) * 3 // 4
        if declared_size > max_attachment_bytes + 2:
            size, limit = (
                f"{n // (1024 * 1024):,}".replace(",", ".")
                for n in (declared_size, max_attachment_bytes)
            )
            raise EdxmlError(
                f"Tệp đính kèm {name!r} quá lớn: khoảng {size} MB, giới hạn {limit} MB."
            )
        if not raw.strip():
            raise EdxmlError(f"Tệp đính kèm {name!r} rỗng (0 byte).")
        try:
            # Senders may wrap base64 lines; anything else than the alphabet is an error.
            data = base64.b64decode(re.sub(rb"\s+", b"", raw), validate=True)
        except (binascii.Error, ValueError):
            raise EdxmlError(f"Tệp đính kèm {name!r} không giải mã được base64.") from None
        seen.add(cid)
        found.append(
            Attachment(
                name=name,
                content_type=_text(item, "ContentType") or _text(ref, "ContentType"),
                data=data,
                description=_text(item, "Description") or _text(ref, "Description"),
            )
        )
    for cid, ref in declared.items():
        if cid not in seen:
            name = _text(ref, "AttachmentName") or cid
            raise EdxmlError(f"Tệp đính kèm {name!r} có trong danh mục nhưng thiếu nội dung.")
    return tuple(found)


def _texts(el: Element | None, name: str) -> tuple[str, ...]:
    """Non-empty texts of the ``name`` children (ToPlaces/Place, Appendixes/Appendix)."""
    found = [] if el is None else _children(el, name)
    return tuple(text for c in found if (text := (c.text or "").strip()))


def parse_package(
    data: bytes, *, max_bytes: int = MAX_BYTES, max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
) -> EdxmlDocument:
    """Read a document package; raises ``EdxmlError`` (also for a status message)."""
    root = _root(data, max_bytes)
    mh = _message_header(root)
    status_code = _text(mh, "StatusCode")
    if status_code:
        raise EdxmlError(
            f"Gói edXML là thông báo trạng thái xử lý (mã {status_code}), không phải văn bản."
        )
    receivers = tuple(_organ(to) for to in _children(mh, "To"))
    if not receivers:
        _need(mh, "To")
    code = _need(mh, "Code")
    info = _need(mh, "PromulgationInfo")
    doc_type = _child(mh, "DocumentType")
    signer = _child(mh, "SignerInfo")
    other = _child(mh, "OtherInfo")
    appendixes = _child(other, "Appendixes") if other is not None else None
    trace_list = _child(_need(_need(root, "edXMLEnvelope"), "edXMLHeader"), "TraceHeaderList")
    business = None if trace_list is None else _child(trace_list, "Bussiness")
    business_id = _text(business, "DocumentId")
    return EdxmlDocument(
        sender=_organ(_need(mh, "From")),
        receivers=receivers,
        document_id=_text(mh, "DocumentId"),
        code_number=_need_text(code, "CodeNumber"),
        code_notation=_need_text(code, "CodeNotation"),
        place=_text(info, "Place"),
        promulgation_date=_need_date(info, "PromulgationDate"),
        document_type=DocumentType(
            type=_int(doc_type, "Type", 1),
            type_detail=_int(doc_type, "TypeDetail", 0),
            type_name=_text(doc_type, "TypeName"),
        ),
        subject=_need_text(mh, "Subject"),
        content=_text(mh, "Content"),
        signer=SignerInfo(*(_text(signer, name) for name in _SIGNER_TAGS)),
        due_date=_date_of(mh, "DueDate"),
        priority=_enum(Priority, "Priority", _int(other, "Priority", 0)),
        sphere_of_promulgation=_text(other, "SphereOfPromulgation"),
        typer_notation=_text(other, "TyperNotation"),
        promulgation_amount=_int(other, "PromulgationAmount", 1),
        page_amount=_int(other, "PageAmount", 1),
        direction=_text(other, "Direction").lower() == "true",
        appendixes=_texts(appendixes, "Appendix"),
        response_for=tuple(_response_for(rf) for rf in _children(mh, "ResponseFor")),
        steering_type=_int(mh, "SteeringType", 0),
        to_places=_texts(_child(mh, "ToPlaces"), "Place"),
        trace=tuple(
            TraceHeader(organ_id=_need_text(hop, "OrganId"), timestamp=_time_of(hop, "Timestamp"))
            for hop in ([] if trace_list is None else _children(trace_list, "TraceHeader"))
        ),
        business=Business()
        if business is None
        else Business(
            doc_type=_enum(BusinessType, "BussinessDocType", _int(business, "BussinessDocType", 0)),
            reason=_text(business, "BussinessDocReason"),
            paper=_int(business, "Paper", 0),
            # Our own DocumentId repeated here reads back as "" (the default), so that
            # build and parse are inverse; another one (samples: the original's) is kept.
            document_id="" if business_id == _text(mh, "DocumentId") else business_id,
            staff=_staff(_child(business, "StaffInfo")),
        ),
        attachments=_attachments(root, max_attachment_bytes),
    )


def parse_status(data: bytes, *, max_bytes: int = MAX_BYTES) -> EdxmlStatus:
    """Read a status message (StatusCode 01 … 16); raises ``EdxmlError``."""
    mh = _message_header(_root(data, max_bytes))
    return EdxmlStatus(
        sender=_organ(_need(mh, "From")),
        response_for=_response_for(_need(mh, "ResponseFor")),
        status_code=_need_text(mh, "StatusCode"),
        description=_text(mh, "Description"),
        timestamp=_time_of(mh, "Timestamp"),
        staff=_staff(_child(mh, "StaffInfo")),
    )
