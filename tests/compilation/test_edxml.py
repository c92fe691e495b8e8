"""edXML packages: the real samples read, ours shaped like them, hostile input refused."""

from __future__ import annotations

import base64
import dataclasses
import datetime
import io
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from defusedxml import ElementTree as SafeET

from tonghop.dispatch import edxml
from tonghop.dispatch.edxml import (
    ICT,
    NAMESPACE,
    Attachment,
    Business,
    BusinessType,
    DocumentType,
    EdxmlDocument,
    EdxmlError,
    EdxmlStatus,
    Organ,
    Priority,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    TraceHeader,
    build_package,
    build_status,
    document_type_for,
    parse_package,
    parse_status,
)

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "reference" / "edxml"

# Starts and ends like a PDF and carries every byte value, so base64 has to be exact.
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n" + bytes(range(256)) * 40 + b"\n%%EOF\n"


def _sample(name: str) -> bytes:
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"mẫu edXML {path} không có (cần thư mục shared/reference cạnh repo)")
    return path.read_bytes()


def _report() -> EdxmlDocument:
    return EdxmlDocument(
        sender=Organ(
            organ_id="000.30.32.H26",
            organization_in_charge="UBND huyện Tứ Kỳ",
            organ_name="Phòng Văn hóa và Thông tin",
            organ_add="Thị trấn Tứ Kỳ, tỉnh Hải Dương",
            email="pvhtt@tuky.gov.vn",
            telephone="0220 3747 123",
            fax="0220 3747 124",
            website="tuky.haiduong.gov.vn",
        ),
        receivers=(Organ(organ_id="000.00.14.H26", organ_name="Sở Khoa học và Công nghệ"),),
        code_number="87",
        code_notation="BC-VHTT",
        place="Tứ Kỳ",
        promulgation_date=datetime.date(2025, 5, 5),
        document_type=document_type_for("Báo cáo"),
        subject="Kết quả tổ chức Ngày Sáng tạo và Đổi mới sáng tạo thế giới năm 2025",
        content="Tổng hợp kết quả của 3 đơn vị.\nSố băng rôn: 12 & áp phích < 40.",
        signer=SignerInfo(
            competence="KT. TRƯỞNG PHÒNG", position="PHÓ TRƯỞNG PHÒNG", full_name="Nguyễn Văn Ấn"
        ),
        due_date=datetime.date(2025, 5, 20),
        priority=Priority.URGENT,
        sphere_of_promulgation="Liên thông văn bản",
        typer_notation="VT",
        promulgation_amount=4,
        page_amount=3,
        direction=True,
        appendixes=("Phụ lục: Bảng tổng hợp theo đơn vị",),
        response_for=(
            ResponseFor(
                organ_id="000.00.14.H26",
                code="542/SKHCN-CN&ĐMST",
                promulgation_date=datetime.date(2025, 4, 10),
                document_id="000.00.14.H26,2025/04/10,542/SKHCN-CN&ĐMST",
            ),
        ),
        steering_type=1,
        to_places=("Sở Khoa học và Công nghệ", "UBND huyện"),
        trace=(TraceHeader("000.30.32.H26", datetime.datetime(2025, 5, 5, 16, 30, 5, tzinfo=ICT)),),
        business=Business(
            staff=StaffInfo("Văn thư", "Trần Thị Bích", "vt@tuky.gov.vn", "0912000001")
        ),
        attachments=(
            Attachment(
                name="87-BC-VHTT.signed.pdf",
                content_type="application/pdf",
                data=PDF,
                description="Báo cáo đã ký số",
            ),
        ),
    )


def _paths(el: Element, prefix: str = "") -> list[str]:
    """Ordered element paths under ``el``, namespaces included, values ignored."""
    out: list[str] = []
    for child in el:
        if child.tag == f"{{{NAMESPACE}}}Signature":  # the XML-DSig we do not write
            continue
        path = f"{prefix}/{child.tag}"
        out.append(path)
        out.extend(_paths(child, path))
    return out


def _header(data: bytes) -> Element:
    root = SafeET.fromstring(data, forbid_dtd=True)
    header: Element = root.find(f"{{{NAMESPACE}}}edXMLEnvelope/{{{NAMESPACE}}}edXMLHeader")
    return header


def _qualified_tags(data: bytes) -> list[str]:
    """Opening tags as written, prefixes included, without the Signature block."""
    text = re.sub(r"<Signature>.*</Signature>", "", data.decode("utf-8"), flags=re.S)
    return re.findall(r"<([A-Za-z][\w:]*)", text.split("?>", 1)[1])


def test_it_reads_the_new_document_sample() -> None:
    doc = parse_package(_sample("edoc_new.edxml"))
    assert (doc.code_number, doc.code_notation) == ("2491", "STC-BCTC")
    assert doc.sender.organ_id == "000.00.11.H53"
    assert doc.sender.organ_name == "Sở Tính"
    assert [r.organ_id for r in doc.receivers] == ["000.00.01.A53"]
    assert doc.promulgation_date == datetime.date(2020, 10, 30)  # written 30/10/2020
    assert doc.document_id == "000.00.11.H53,2020/10/30,2491/STC-BCTC"
    assert doc.subject == "Báo cáo tài chính tỉnh"
    assert doc.document_type == DocumentType(1, 0, "Công văn")
    assert doc.due_date is None
    assert (doc.priority, doc.steering_type, doc.page_amount) == (Priority.NORMAL, 1, 22)
    assert doc.to_places == ("Cac bo va co quan ngang bo", "Uy ban nhan dan cac tinh, TP")
    assert doc.trace == (TraceHeader("000.00.00.G22", datetime.datetime(2018, 9, 28, tzinfo=ICT)),)
    assert doc.business.doc_type is BusinessType.NEW
    assert doc.business.staff is not None and doc.business.staff.staff == "Nguyễn Thị Ngọc Trâm"
    [att] = doc.attachments
    assert (att.name, att.content_type) == ("1896_QD-TTg_m_294779.doc", "application/zip")
    assert len(att.data) == 270823
    assert zipfile.ZipFile(io.BytesIO(att.data)).testzip() is None


def test_it_reads_the_update_sample() -> None:
    doc = parse_package(_sample("edoc_update.edxml"))
    assert (doc.code_number, doc.code_notation) == ("7816", "VPCP-TTĐT")
    assert doc.sender.organ_id == "000.00.00.G22"
    assert [r.organ_id for r in doc.receivers] == [
        "000.00.00.H53",
        "000.00.12.H53",
        "000.00.00.G17",
    ]
    assert doc.promulgation_date == datetime.date(2018, 9, 28)
    # The sender's DocumentId is kept as sent, even where it disagrees with the date.
    assert doc.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert doc.due_date == datetime.date(2018, 9, 28)
    assert doc.signer.full_name == "Nguyen Thanh Phuc"
    assert doc.appendixes == ("Công văn về việc kết nối, liên thông phần mềm quản lý văn bản",)
    assert doc.business.doc_type is BusinessType.UPDATE
    assert [(a.name, len(a.data)) for a in doc.attachments] == [
        ("1896_QD-TTg_m_294779.doc", 270823)
    ]


def test_it_reads_the_status_sample_and_parse_package_refuses_it() -> None:
    data = _sample("status_processing_05.edxml")
    status = parse_status(data)
    assert status.sender.organ_id == "000.00.00.H41"
    assert status.response_for.document_id == "000.00.00.G22,2015/09/30,7816/VPCP-TTĐT"
    assert status.response_for.promulgation_date == datetime.date(2015, 9, 30)
    assert (status.status_code, status.description) == ("05", "Đang xử lý văn bản đến")
    assert status.timestamp == datetime.datetime(2015, 9, 20, 11, 8, 36, tzinfo=ICT)
    assert parse_status(build_status(status)) == status
    with pytest.raises(EdxmlError, match="thông báo trạng thái"):
        parse_package(data)


def test_it_round_trips_a_report_with_its_signed_pdf() -> None:
    doc = _report()
    data = build_package(doc)
    back = parse_package(data)
    assert back == doc  # every field, attachments' bytes included
    assert back.attachments[0].data == PDF
    assert back.document_id == "000.30.32.H26,2025/05/05,87/BC-VHTT"
    assert "Kết quả tổ chức Ngày Sáng tạo".encode() in data  # UTF-8, not character references
    assert b"<edXML:PromulgationDate>05/05/2025</edXML:PromulgationDate>" in data
    assert b"<edXML:Timestamp>2025/05/05 16:30:05</edXML:Timestamp>" in data


def test_it_rebuilds_the_real_samples_without_losing_a_field() -> None:
    for name in ("edoc_new.edxml", "edoc_update.edxml"):
        doc = parse_package(_sample(name))
        assert parse_package(build_package(doc)) == doc


def test_it_writes_the_structure_of_the_sample() -> None:
    sample = _sample("edoc_new.edxml")
    # The sample has no ResponseFor; otherwise ours has its shape (one receiver, two places).
    shaped = build_package(dataclasses.replace(_report(), response_for=()))
    assert _paths(_header(shaped)) == _paths(_header(sample))
    # Prefixes as written: default namespace on the root, edXML: inside the envelope, the
    # unprefixed attachment part.
    assert _qualified_tags(shaped) == _qualified_tags(sample)
    assert shaped.splitlines()[1] == f'<edXML xmlns="{NAMESPACE}">'.encode()


def _without(data: bytes, tag: str, count: int = 1) -> bytes:
    """``data`` less its first ``count`` ``tag`` elements (0: all of them)."""
    pattern = rf"\s*<edXML:{tag}[ >].*?</edXML:{tag}>".encode()
    return re.sub(pattern, b"", data, count=count, flags=re.S)


def _bad_base64(data: bytes) -> bytes:
    return re.sub(rb"(<edXML:ContentTransferEncoded [^>]*>)", rb"\1@@", data)


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol9;</edXML>"""


def _case(name: str, make: Callable[[bytes], bytes], message: str) -> object:
    return pytest.param(make, message, id=name)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        _case("empty", lambda d: b"", "Gói edXML rỗng"),
        _case("blank", lambda d: b"   \n", "Gói edXML rỗng"),
        _case("not-xml", lambda d: b"%PDF-1.7 no XML", "Không phải gói edXML: không đọc được XML"),
        _case("truncated", lambda d: d[: len(d) // 2], "Không phải gói edXML: không đọc được"),
        _case(
            "wrong-root", lambda d: b"<foo><bar/></foo>", "Không phải gói edXML: thẻ gốc là <foo>."
        ),
        _case(
            "no-number",
            lambda d: _without(d, "CodeNumber"),
            r"thiếu thẻ CodeNumber \(số văn bản\)\.",
        ),
        _case("no-subject", lambda d: _without(d, "Subject"), r"thiếu thẻ Subject \(trích yếu\)\."),
        _case(
            "no-envelope",
            lambda d: _without(d, "edXMLEnvelope"),
            r"thiếu thẻ edXMLEnvelope \(phong bì\)",
        ),
        _case(
            "no-receiver", lambda d: _without(d, "To", count=0), r"thiếu thẻ To \(cơ quan nhận\)"
        ),
        _case(
            "empty-number", lambda d: d.replace(b">87<", b"><"), r"CodeNumber \(số văn bản\) rỗng"
        ),
        _case(
            "bad-date",
            lambda d: d.replace(b"05/05/2025<", b"30/02/2025<", 1),
            "ngày giờ không hợp lệ",
        ),
        _case(
            "bad-priority",
            lambda d: d.replace(b"Priority>1<", b"Priority>9<"),
            "Thẻ Priority có giá trị",
        ),
        _case(
            "bad-base64",
            _bad_base64,
            "Tệp đính kèm '87-BC-VHTT.signed.pdf' không giải mã được base64.",
        ),
        _case(
            "lost-file",
            lambda d: d.split(b"  <AttachmentEncoded>")[0] + b"</edXML>",
            "thiếu nội dung",
        ),
        _case("billion-laughs", lambda d: BILLION_LAUGHS, "bom XML"),
    ],
)
def test_it_refuses_bad_packages_with_a_vietnamese_reason(
    make: Callable[[bytes], bytes], message: str
) -> None:
    data = make(build_package(_report()))
    with pytest.raises(EdxmlError, match=message):
        parse_package(data)


def test_it_refuses_an_external_entity_without_reading_it(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("mật khẩu quản trị")
    xxe = (
        f'<?xml version="1.0"?><!DOCTYPE edXML [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
        f'<edXML xmlns="{NAMESPACE}"><Subject>&x;</Subject></edXML>'
    ).encode()
    with pytest.raises(EdxmlError, match="XXE") as caught:
        parse_package(xxe)
    assert "mật khẩu" not in str(caught.value)


def test_it_refuses_a_package_over_the_size_limit() -> None:
    data = build_package(_report())
    with pytest.raises(EdxmlError, match="Gói edXML quá lớn"):
        parse_package(data, max_bytes=len(data) - 1)
    assert parse_package(data, max_bytes=len(data)) == _report()


def test_it_reads_wrapped_base64_from_other_senders() -> None:
    data = build_package(_report())
    encoded = base64.b64encode(PDF)
    wrapped = b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76))
    assert parse_package(data.replace(encoded, wrapped)).attachments[0].data == PDF


def test_it_will_not_build_a_package_without_a_receiver() -> None:
    doc = dataclasses.replace(_report(), receivers=())
    with pytest.raises(EdxmlError, match="cơ quan nhận"):
        build_package(doc)


def test_it_builds_a_status_reply() -> None:
    doc = _report()
    status = EdxmlStatus(
        sender=doc.receivers[0],
        response_for=ResponseFor(
            doc.sender.organ_id, "87/BC-VHTT", doc.promulgation_date, doc.document_id
        ),
        status_code="01",
        description="Đã đến",
        timestamp=datetime.datetime(2025, 5, 5, 9, 15, tzinfo=datetime.UTC),
    )
    data = build_status(status)
    assert b"<edXML:Timestamp>2025/05/05 16:15:00</edXML:Timestamp>" in data  # ICT
    # ResponseFor's date as the status sample writes it.
    assert b"<edXML:PromulgationDate>2025/05/05</edXML:PromulgationDate>" in data
    assert parse_status(data) == status


def test_the_type_codes_cover_the_29_kinds_of_nd30_article_7() -> None:
    """The QCVN 102:2016 code table is not among the references; the kinds are those of ND 30
    Art. 7, read from the decree's text, Công văn = 1/0 as the samples show, one code each."""
    decree = SAMPLES.parent / "nd30" / "30_2020_ND_CP.md"
    if not decree.is_file():
        pytest.skip(f"văn bản {decree} không có")
    text = decree.read_text(encoding="utf-8")
    listed = text.split("### Điều 7.", 1)[1].split("gồm các loại văn bản sau:", 1)[1]
    kinds = [k.strip() for k in listed.split("\n", 1)[0].rstrip(". ").split(",")]
    assert len(kinds) == 29
    found = [edxml.document_type_for(k) for k in kinds]
    assert sorted(t.type_detail for t in found) == list(range(29))
    assert {t.type for t in found} == {edxml.ADMINISTRATIVE}
    assert edxml.document_type_for("Công văn") == edxml.DocumentType(1, 0, "Công văn")
    # Both tone placements in official use, and "(cá biệt)", name the same kind.
    assert edxml.document_type_for("giấy uỷ quyền") == edxml.document_type_for("Giấy ủy quyền")
    assert edxml.document_type_for("Bản thoả thuận").type_name == "Bản thỏa thuận"
    assert edxml.document_type_for("Quyết định (cá biệt)").type_name == "Quyết định"
    with pytest.raises(edxml.EdxmlError, match="không có trong danh mục"):
        edxml.document_type_for("Thông tư")


def test_it_refuses_a_package_nested_too_deep_while_reading() -> None:
    deep = b"<x>" * 100_000 + b"</x>" * 100_000
    data = build_package(_report()).replace(b"<edXML:Content>", b"<edXML:Content>" + deep, 1)
    with pytest.raises(EdxmlError, match="lồng nhau quá 64 tầng"):
        parse_package(data)
    with pytest.raises(EdxmlError, match="lồng nhau quá 64 tầng"):
        parse_status(data)
    # Ordinary depth reads as before.
    assert parse_package(build_package(_report())).subject == _report().subject
