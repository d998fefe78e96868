"""Provinces, the 2025 merger and legacy districts (search/ingest/provinces.py and its data)."""

from __future__ import annotations

import importlib.util
import json
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.text.normalize import fold
from search.ingest.provinces import (
    DATA_FILE,
    canonical_province,
    canonical_province_2025,
    district_provinces,
    find_district_mentions,
    find_province_mentions,
    is_centrally_run,
    place_province,
    predecessors,
    province_2025,
    provinces,
    provinces_2025,
    vote_districts,
)

# shared/domain.md A2: new province ← old provinces (Nghị quyết 202/2025/QH15).
MERGER = {
    "Hà Nội": ["Hà Nội"],
    "Huế": ["Thừa Thiên Huế"],
    "Cao Bằng": ["Cao Bằng"],
    "Điện Biên": ["Điện Biên"],
    "Hà Tĩnh": ["Hà Tĩnh"],
    "Lai Châu": ["Lai Châu"],
    "Lạng Sơn": ["Lạng Sơn"],
    "Nghệ An": ["Nghệ An"],
    "Quảng Ninh": ["Quảng Ninh"],
    "Sơn La": ["Sơn La"],
    "Thanh Hóa": ["Thanh Hóa"],
    "Tuyên Quang": ["Hà Giang", "Tuyên Quang"],
    "Lào Cai": ["Lào Cai", "Yên Bái"],
    "Thái Nguyên": ["Bắc Kạn", "Thái Nguyên"],
    "Phú Thọ": ["Hòa Bình", "Phú Thọ", "Vĩnh Phúc"],
    "Bắc Ninh": ["Bắc Giang", "Bắc Ninh"],
    "Hưng Yên": ["Hưng Yên", "Thái Bình"],
    "Hải Phòng": ["Hải Dương", "Hải Phòng"],
    "Ninh Bình": ["Hà Nam", "Nam Định", "Ninh Bình"],
    "Quảng Trị": ["Quảng Bình", "Quảng Trị"],
    "Đà Nẵng": ["Đà Nẵng", "Quảng Nam"],
    "Quảng Ngãi": ["Quảng Ngãi", "Kon Tum"],
    "Gia Lai": ["Bình Định", "Gia Lai"],
    "Đắk Lắk": ["Phú Yên", "Đắk Lắk"],
    "Khánh Hòa": ["Khánh Hòa", "Ninh Thuận"],
    "Lâm Đồng": ["Bình Thuận", "Đắk Nông", "Lâm Đồng"],
    "Đồng Nai": ["Bình Phước", "Đồng Nai"],
    "Hồ Chí Minh": ["Bình Dương", "Bà Rịa - Vũng Tàu", "Hồ Chí Minh"],
    "Tây Ninh": ["Tây Ninh", "Long An"],
    "Đồng Tháp": ["Tiền Giang", "Đồng Tháp"],
    "Vĩnh Long": ["Bến Tre", "Trà Vinh", "Vĩnh Long"],
    "An Giang": ["An Giang", "Kiên Giang"],
    "Cần Thơ": ["Cần Thơ", "Hậu Giang", "Sóc Trăng"],
    "Cà Mau": ["Bạc Liêu", "Cà Mau"],
}
OLD_TO_NEW = {old: new for new, olds in MERGER.items() for old in olds}

KON_TUM_DISTRICTS = ["Kon Tum", "Đắk Glei", "Đăk Glei", "Ngọc Hồi", "Đắk Tô", "Đăk Tô",
                     "Kon Plông", "Kon Rẫy", "Đăk Hà", "Sa Thầy", "Tu Mơ Rông", "Ia H'Drai",
                     "Ia H’Drai", "IA H'DRAI"]
QUANG_NGAI_DISTRICTS = ["Quảng Ngãi", "Bình Sơn", "Trà Bồng", "Sơn Tịnh", "Tư Nghĩa",
                        "Sơn Hà", "Minh Long", "Nghĩa Hành", "Mộ Đức", "Đức Phổ", "Ba Tơ",
                        "Lý Sơn", "ba tơ", "BA TƠ"]


def test_counts() -> None:
    assert len(provinces()) == 63 and len(set(provinces())) == 63
    assert len(provinces_2025()) == 34 and len(set(provinces_2025())) == 34


def test_the_test_table_covers_everything() -> None:
    assert sorted(OLD_TO_NEW) == sorted(provinces())
    assert sorted(MERGER) == sorted(provinces_2025())


@pytest.mark.parametrize("old", sorted(OLD_TO_NEW))
def test_merger_matches_domain_table(old: str) -> None:
    assert province_2025(old) == OLD_TO_NEW[old]
    assert province_2025(old) in provinces_2025()


@pytest.mark.parametrize("new", sorted(MERGER))
def test_predecessors(new: str) -> None:
    assert sorted(predecessors(new)) == sorted(MERGER[new])


def test_predecessors_order_and_unknown() -> None:
    assert predecessors("Quảng Ngãi") == ["Kon Tum", "Quảng Ngãi"]
    assert predecessors("TP HCM") == ["Bà Rịa - Vũng Tàu", "Bình Dương", "Hồ Chí Minh"]
    assert predecessors("Kon Tum") == []  # absorbed, not one of the 34
    assert predecessors("Atlantis") == []


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("Kon Tum", "Kon Tum"),
        ("kon tum", "Kon Tum"),
        ("KON TUM", "Kon Tum"),
        ("Kontum", "Kon Tum"),
        ("tỉnh Kon Tum", "Kon Tum"),
        ("Tỉnh Kon Tum", "Kon Tum"),
        ("Đắk Lắk", "Đắk Lắk"),
        ("Đăk Lăk", "Đắk Lắk"),
        ("Dak Lak", "Đắk Lắk"),
        ("Đăk Nông", "Đắk Nông"),
        ("Thừa Thiên Huế", "Thừa Thiên Huế"),
        ("Thừa Thiên - Huế", "Thừa Thiên Huế"),
        ("THỪA THIÊN - HUẾ", "Thừa Thiên Huế"),
        ("Huế", "Thừa Thiên Huế"),
        ("Bà Rịa - Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("Bà Rịa Vũng Tàu", "Bà Rịa - Vũng Tàu"),
        ("BR-VT", "Bà Rịa - Vũng Tàu"),
        ("TP. Hồ Chí Minh", "Hồ Chí Minh"),
        ("TP Hồ Chí Minh", "Hồ Chí Minh"),
        ("Thành phố Hồ Chí Minh", "Hồ Chí Minh"),
        ("TP HCM", "Hồ Chí Minh"),
        ("TP.HCM", "Hồ Chí Minh"),
        ("Hồ Chí Minh", "Hồ Chí Minh"),
        ("Thành phố Hà Nội", "Hà Nội"),
        ("Thanh Hoá", "Thanh Hóa"),
        ("Thanh Hóa", "Thanh Hóa"),
        ("Khánh Hoà", "Khánh Hòa"),
        ("Hoà Bình", "Hòa Bình"),
        ("HOÀ BÌNH", "Hòa Bình"),
        ("Bắc Cạn", "Bắc Kạn"),
        ("Quang Ngai", "Quảng Ngãi"),
        ("Ke\u0302\u0301", None),
        ("", None),
        ("Tỉnh ủy Kon Tum", None),
        ("Sài Gòn Giải Phóng", None),
        ("Ba Tơ", None),  # a district, not a province
    ],
)
def test_canonical_province(name: str, expected: str | None) -> None:
    assert canonical_province(name) == expected


def test_canonical_province_accepts_nfd() -> None:
    import unicodedata

    assert canonical_province(unicodedata.normalize("NFD", "Quảng Ngãi")) == "Quảng Ngãi"


@pytest.mark.parametrize("name", provinces())
def test_every_canonical_name_is_a_fixed_point(name: str) -> None:
    assert canonical_province(name) == name
    assert canonical_province(name.upper()) == name
    assert canonical_province(fold(name)) == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [("Quảng Ngãi", "Quảng Ngãi"), ("Huế", "Huế"), ("Thừa Thiên Huế", "Huế"),
     ("TP HCM", "Hồ Chí Minh"), ("Kon Tum", None), ("Bình Dương", None), ("", None)],
)
def test_canonical_province_2025(name: str, expected: str | None) -> None:
    assert canonical_province_2025(name) == expected


def test_province_2025_of_aliases_and_unknowns() -> None:
    assert province_2025("kon tum") == "Quảng Ngãi"
    assert province_2025("Thừa Thiên - Huế") == "Huế"
    assert province_2025("BR-VT") == "Hồ Chí Minh"
    assert province_2025("Bình Dương") == "Hồ Chí Minh"
    assert province_2025("nowhere") is None


def test_centrally_run_cities() -> None:
    for city in ("Hà Nội", "Hồ Chí Minh", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"):
        assert is_centrally_run(city)
    assert not is_centrally_run("Kon Tum")
    assert not is_centrally_run("Thừa Thiên Huế")  # a tỉnh until 2025


@pytest.mark.parametrize("district", KON_TUM_DISTRICTS)
def test_kon_tum_districts(district: str) -> None:
    assert district_provinces(district) == ["Kon Tum"]


@pytest.mark.parametrize("district", QUANG_NGAI_DISTRICTS)
def test_quang_ngai_districts(district: str) -> None:
    assert district_provinces(district) == ["Quảng Ngãi"]


@pytest.mark.parametrize(
    ("district", "expected"),
    [
        ("Sơn Tây", ["Hà Nội", "Quảng Ngãi"]),
        ("thị xã Sơn Tây", ["Hà Nội"]),  # the type decides
        ("huyện Sơn Tây", ["Quảng Ngãi"]),
        ("Bảo Lâm", ["Cao Bằng", "Lâm Đồng"]),
        ("Phù Ninh", ["Phú Thọ"]),  # the tones decide between Phù Ninh and Phú Ninh
        ("Phú Ninh", ["Quảng Nam"]),
        ("Phu Ninh", ["Phú Thọ", "Quảng Nam"]),
        ("Điện Biên Phủ", ["Điện Biên"]),
        ("Mường Nhé", ["Điện Biên"]),
        ("Thông Nông", ["Cao Bằng"]),  # merged into Hà Quảng in 2020, still in old texts
        ("Huế", ["Thừa Thiên Huế"]),
        ("Nowhere", []),
        ("", []),
    ],
)
def test_district_provinces(district: str, expected: list[str]) -> None:
    assert district_provinces(district) == expected


def test_chau_thanh_is_everywhere() -> None:
    found = district_provinces("Châu Thành")
    assert len(found) >= 8 and "Tiền Giang" in found and "Tây Ninh" in found


def test_place_province() -> None:
    assert place_province("Kon Tum") == "Kon Tum"
    assert place_province("Điện Biên Phủ") == "Điện Biên"
    assert place_province("Châu Thành") is None
    assert place_province("TP. Hồ Chí Minh") == "Hồ Chí Minh"


def test_district_data_size() -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    assert 690 <= sum(len(v) for v in data["districts"].values()) <= 710
    assert sorted(data["districts"]) == sorted(provinces())


def test_data_header_and_size() -> None:
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    meta = data["_meta"]
    assert meta["source"].startswith("vietnamadminunits 1.0.4")
    assert meta["license"] == "MIT" and "Tran Ngoc Minh Hieu" in meta["copyright"]
    assert "do not edit by hand" in meta["note"] and "gen_provinces.py" in meta["note"]
    assert len(meta["generated"]) == 10
    assert DATA_FILE.stat().st_size < 200_000


@pytest.mark.skipif(importlib.util.find_spec("vietnamadminunits") is None,
                    reason="vietnamadminunits (the data extra) not installed")
def test_data_file_is_what_the_generator_writes() -> None:
    import datetime as dt

    sys.path.insert(0, str(DATA_FILE.parent.parent.parent / "scripts"))
    try:
        import gen_provinces
    finally:
        sys.path.pop(0)
    committed = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    when = dt.date.fromisoformat(committed["_meta"]["generated"])
    fresh = gen_provinces.build(*gen_provinces.package_paths(), when)
    assert json.loads(gen_provinces.dump(fresh)) == committed


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trên địa bàn tỉnh Kon Tum và tỉnh Gia Lai", ["Kon Tum", "Gia Lai"]),
        ("TỈNH KON TUM", ["Kon Tum"]),
        ("thành phố Hồ Chí Minh; TP. Hà Nội", ["Hồ Chí Minh", "Hà Nội"]),
        ("tỉnh Bà Rịa - Vũng Tàu", ["Bà Rịa - Vũng Tàu"]),
        ("tỉnh Thừa Thiên - Huế", ["Thừa Thiên Huế"]),
        ("Tỉnh ủy Kon Tum, tỉnh nghèo, các tỉnh miền núi", []),
        ("Ban Chấp hành Đảng bộ tỉnh Cao Bằng ban hành", ["Cao Bằng"]),
    ],
)
def test_find_province_mentions(text: str, expected: list[str]) -> None:
    assert [m.name for m in find_province_mentions(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("các huyện Ba Tơ, Sơn Hà, Minh Long đã được công nhận",
         [("Ba Tơ", ("Quảng Ngãi",)), ("Sơn Hà", ("Quảng Ngãi",)), ("Minh Long", ("Quảng Ngãi",))]),
        ("tại các huyện: Ia H’Drai, Tu Mơ Rông và thành phố Kon Tum",
         [("Ia H'Drai", ("Kon Tum",)), ("Tu Mơ Rông", ("Kon Tum",)), ("Kon Tum", ("Kon Tum",))]),
        ("Huyện ủy Đăk Glei; HUYỆN ỦY BA TƠ",
         [("Đắk Glei", ("Kon Tum",)), ("Ba Tơ", ("Quảng Ngãi",))]),
        ("các huyện miền núi, huyện nghèo", []),
    ],
)
def test_find_district_mentions(text: str, expected: list) -> None:
    assert [(m.name, m.provinces) for m in find_district_mentions(text)] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("các huyện Ba Tơ, Sơn Hà, Minh Long", ("Quảng Ngãi", ["Ba Tơ", "Sơn Hà", "Minh Long"])),
        ("huyện Châu Thành", (None, [])),  # ambiguous: no vote
        ("huyện Ba Tơ và huyện Mường Nhé", (None, [])),  # a tie
        # twice the runner-up is enough
        ("huyện Ba Tơ, huyện Sơn Hà, huyện Mường Nhé", ("Quảng Ngãi", ["Ba Tơ", "Sơn Hà"])),
        ("huyện Ba Tơ, huyện Ba Tơ, huyện Mường Nhé", (None, [])),  # repeats count once
        ("các huyện Ba Tơ, Bảo Lâm", ("Quảng Ngãi", ["Ba Tơ"])),  # Bảo Lâm: 2 provinces
        # "huyện" narrows Sơn Tây to the huyện in Quảng Ngãi (the thị xã is in Hà Nội)
        ("các huyện Ba Tơ, Sơn Tây", ("Quảng Ngãi", ["Ba Tơ", "Sơn Tây"])),
        ("thị xã Sơn Tây", ("Hà Nội", ["Sơn Tây"])),
    ],
)
def test_vote_districts(text: str, expected: tuple) -> None:
    assert vote_districts(text) == expected


@given(st.text(max_size=60))
def test_canonical_province_is_idempotent(name: str) -> None:
    once = canonical_province(name)
    assert once is None or canonical_province(once) == once


@given(st.sampled_from(provinces()), st.sampled_from(["lower", "upper", "fold", "nfd", "tinh"]))
def test_canonical_province_variants(name: str, how: str) -> None:
    import unicodedata

    variant = {
        "lower": name.lower(), "upper": name.upper(), "fold": fold(name),
        "nfd": unicodedata.normalize("NFD", name), "tinh": f"tỉnh {name}",
    }[how]
    assert canonical_province(variant) == name


@given(st.text(max_size=300))
def test_scanners_never_raise(text: str) -> None:
    find_province_mentions(text)
    find_district_mentions(text)
    vote_districts(text)
    district_provinces(text)


# --- the name as issued: Huế from 2025-01-01, the 34 from 2025-07-01 ---------------------

import datetime as dt  # noqa: E402

from search.ingest.provinces import (  # noqa: E402
    HUE_CITY_DATE,
    MERGER_DATE,
    district_name,
    province_as_issued,
)


@pytest.mark.parametrize(
    ("name", "on", "expected"),
    [
        ("Thừa Thiên Huế", dt.date(2024, 12, 31), "Thừa Thiên Huế"),
        ("Thừa Thiên Huế", dt.date(2025, 1, 1), "Huế"),  # NQ 175/2024/QH15
        ("Thừa Thiên - Huế", dt.date(2025, 3, 1), "Huế"),
        ("Huế", dt.date(2020, 5, 1), "Thừa Thiên Huế"),
        ("Huế", dt.date(2025, 9, 1), "Huế"),
        ("Huế", None, "Thừa Thiên Huế"),  # no date: the 63-list name
        ("Kon Tum", dt.date(2025, 6, 30), "Kon Tum"),
        ("Kon Tum", dt.date(2025, 7, 1), None),  # absorbed by Quảng Ngãi
        ("Quảng Ngãi", dt.date(2025, 7, 1), "Quảng Ngãi"),
        ("Hà Nội", dt.date(2025, 1, 1), "Hà Nội"),
        ("Atlantis", dt.date(2020, 1, 1), None),
    ],
)
def test_province_as_issued(name: str, on: dt.date | None, expected: str | None) -> None:
    assert province_as_issued(name, on) == expected


@given(st.sampled_from(provinces()), st.dates(dt.date(2000, 1, 1), dt.date(2030, 12, 31)))
def test_the_name_as_issued_has_the_same_successor(name: str, on: dt.date) -> None:
    issued = province_as_issued(name, on)
    assert issued is not None or on >= MERGER_DATE
    if issued is not None:
        assert province_2025(issued) == province_2025(name)
        assert (issued == "Huế") == (name == "Thừa Thiên Huế" and on >= HUE_CITY_DATE)


@pytest.mark.parametrize(
    ("province", "on", "expected"),
    [
        ("Thừa Thiên Huế", dt.date(2024, 12, 31), False),
        ("Thừa Thiên Huế", dt.date(2025, 1, 1), True),
        ("Huế", dt.date(2019, 1, 1), False),
        ("Huế", None, True),
        ("Hà Nội", dt.date(2010, 1, 1), True),
        ("Kon Tum", dt.date(2025, 1, 1), False),
    ],
)
def test_centrally_run_on_a_date(province: str, on: dt.date | None, expected: bool) -> None:
    assert is_centrally_run(province, on) is expected


@pytest.mark.parametrize(
    ("written", "kind", "province", "expected"),
    [
        ("KỲ SƠN", "Huyện", None, "Kỳ Sơn"),
        ("Kỳ Sơn", "Huyện", "Nghệ An", "Kỳ Sơn"),
        ("quận 8", "Quận", None, "8"),
        ("Vinh", "Thành phố", None, "Vinh"),
        ("Atlantis", None, None, None),
    ],
)
def test_district_name(written: str, kind: str | None, province: str | None,
                       expected: str | None) -> None:
    assert district_name(written, kind, province=province) == expected
