"""Ready-made forms a campaign can start from. The seed directive's form is the first.

These are the built-in templates: offered to every office beside its own FormTemplate rows, and
kept here in code rather than seeded as rows, so that they are the same in every deployment,
their names follow the language of the page, an upgrade improves them everywhere, and no office
can retire or change them for another. An office that wants its own version starts a campaign
from one, edits the form, and saves it as a template.
"""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tonghop.campaigns.actions import IndicatorSpec
from tonghop.campaigns.kinds import IndicatorKind

SEED_INDICATORS = (
    IndicatorSpec(
        "pano",
        "Pano tuyên truyền đã treo",
        IndicatorKind.INTEGER,
        "sum",
        "1. Tuyên truyền trực quan",
        "cái",
        required=True,
    ),
    IndicatorSpec(
        "bang_ron",
        "Băng rôn đã treo",
        IndicatorKind.INTEGER,
        "sum",
        "1. Tuyên truyền trực quan",
        "cái",
        required=True,
    ),
    IndicatorSpec(
        "ap_phich",
        "Áp phích khẩu hiệu đã treo",
        IndicatorKind.INTEGER,
        "sum",
        "1. Tuyên truyền trực quan",
        "tờ",
        required=True,
    ),
    IndicatorSpec(
        "bai_viet",
        "Bài viết, tin bài đã đăng tải (phối hợp Trung tâm VH-TT-DL)",
        IndicatorKind.INTEGER,
        "sum",
        "2. Thông tin, truyền thông",
        "bài",
        required=True,
    ),
    IndicatorSpec(
        "hoat_dong",
        "Hoạt động hưởng ứng đã tổ chức",
        IndicatorKind.INTEGER,
        "sum",
        "3. Hoạt động hưởng ứng",
        "hoạt động",
        required=True,
    ),
    IndicatorSpec(
        "luot_nguoi",
        "Số lượt người tham gia, được tiếp cận",
        IndicatorKind.INTEGER,
        "sum",
        "3. Hoạt động hưởng ứng",
        "lượt người",
        required=True,
    ),
    IndicatorSpec(
        "khau_hieu",
        "Khẩu hiệu tuyên truyền đã lựa chọn",
        IndicatorKind.TEXT,
        "list",
        "3. Hoạt động hưởng ứng",
    ),
    IndicatorSpec(
        "tap_the_khen",
        "Tập thể đề nghị khen thưởng",
        IndicatorKind.INTEGER,
        "sum",
        "4. Biểu dương, khen thưởng",
        "tập thể",
    ),
    IndicatorSpec(
        "ca_nhan_khen",
        "Cá nhân đề nghị khen thưởng",
        IndicatorKind.INTEGER,
        "sum",
        "4. Biểu dương, khen thưởng",
        "cá nhân",
    ),
    IndicatorSpec(
        "danh_sach_khen",
        "Tên tập thể, cá nhân đề nghị khen thưởng",
        IndicatorKind.LONG_TEXT,
        "list",
        "4. Biểu dương, khen thưởng",
    ),
)


# key -> (name shown to the clerk, indicators)
PRESETS: dict[str, tuple[str | Promise, tuple[IndicatorSpec, ...]]] = {
    "sang-tao": (
        _("Innovation Day activities (pano, banners, posters, articles, events)"),
        SEED_INDICATORS,
    ),
    "narrative": (_("Narrative only"), ()),
}
