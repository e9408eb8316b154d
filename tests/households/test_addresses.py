"""The address parser on the forms HCMC addresses really take; pure Python, no database."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
from django.core.management import call_command

from households.addresses import AddressError, HouseNumber, parse_address, parse_house_number

HCM = "Thành phố Hồ Chí Minh"


# --- House numbers ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "main", "suffix", "alleys", "canonical"),
    [
        ("123/4/5A", 123, "", ("4", "5A"), "123/4/5A"),
        ("1806/127/2/6/15/48/2A", 1806, "", ("127", "2", "6", "15", "48", "2A"), "1806/127/2/6/15/48/2A"),
        ("12A", 12, "A", (), "12A"),
        ("12a", 12, "A", (), "12A"),
        ("Số 12", 12, "", (), "12"),
        ("so 12", 12, "", (), "12"),
        ("hẻm 34/2", 34, "", ("2",), "34/2"),
        ("HXH 330/", 330, "", (), "330"),
        ("109F/10bis", 109, "F", ("10bis",), "109F/10bis"),
        ("109f/10BIS", 109, "F", ("10bis",), "109F/10bis"),
        ("1/ 113", 1, "", ("113",), "1/113"),
        ("61 /7", 61, "", ("7",), "61/7"),
        ("428/16c", 428, "", ("16C",), "428/16C"),
        ("120/1N1", 120, "", ("1N1",), "120/1N1"),
        ("123 - 125", 123, "", (), "123"),
    ],
)
def test_house_number_forms(text, main, suffix, alleys, canonical):
    house = parse_house_number(text)
    assert (house.main, house.main_suffix, house.alleys) == (main, suffix, alleys)
    assert house.canonical() == canonical


def test_house_number_lot_prefix():
    assert parse_house_number("B8/214") == HouseNumber(8, "", ("214",), "B")
    assert parse_house_number("B8/214").canonical() == "B8/214"
    assert parse_house_number("K52").canonical() == "K52"


@pytest.mark.parametrize("text", ["", "   ", "abc", "12 Lê Lợi", "Đường 3/2", "???"])
def test_house_number_rejects(text):
    with pytest.raises(AddressError):
        parse_house_number(text)


# --- Whole addresses --------------------------------------------------------------------------------


def test_full_address_with_every_component():
    p = parse_address("123/4/5A Lê Văn Việt, KP 3, P. Hiệp Phú, TP. Thủ Đức, TP.HCM")
    assert p.house == HouseNumber(123, "", ("4", "5A"))
    assert p.is_alley and not p.names_alley
    assert (p.street, p.street_key) == ("Lê Văn Việt", "le van viet")
    assert (p.khu_pho, p.khu_pho_kind) == ("3", "Khu phố")
    assert (p.ward, p.ward_key) == ("Phường Hiệp Phú", "phuong hiep phu")
    assert (p.district, p.district_key) == ("Thành phố Thủ Đức", "thanh pho thu duc")
    assert p.city == HCM
    assert p.missing == () and p.guessed == ()
    assert p.canonical() == (
        "123/4/5A Lê Văn Việt, Khu phố 3, Phường Hiệp Phú, Thành phố Thủ Đức, Thành phố Hồ Chí Minh"
    )


# The same address, typed six ways.
SAME_ADDRESS = [
    "12 Lê Lợi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh",
    unicodedata.normalize("NFD", "12 Lê Lợi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh"),
    "12 LÊ LỢI, PHƯỜNG BẾN THÀNH, QUẬN 1, TP.HCM",
    " ,, 12   Lê  Lợi ,, P. Bến Thành ,Q.1,, TPHCM. ",
    "số 12 đường Lê Lợi phường Bến Thành quận 1 tp hcm",
    "12 Đ. Lê Lợi, P.Bến Thành, Q1, Sài Gòn",
]


@pytest.mark.parametrize("text", SAME_ADDRESS)
def test_spellings_of_one_address_agree(text):
    p = parse_address(text)
    assert p.canonical() == "12 Lê Lợi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh"
    assert (p.street_key, p.ward_key, p.district_key) == ("le loi", "phuong ben thanh", "quan 1")
    assert p.missing == ("khu_pho",)
    assert p.guessed == ()


def test_street_in_its_own_segment_without_keyword_is_guessed():
    p = parse_address("12, Lê Lợi, Phường Bến Thành, Quận 1")
    assert p.canonical() == "12 Lê Lợi, Phường Bến Thành, Quận 1, Thành phố Hồ Chí Minh"
    assert p.guessed == ("street", "city")


def test_nfd_input_gives_nfc_output():
    p = parse_address(unicodedata.normalize("NFD", "Hẻm 34/2 Nguyễn Trãi, Phường 9, Quận 5"))
    assert p.street == unicodedata.normalize("NFC", "Nguyễn Trãi")
    assert unicodedata.is_normalized("NFC", p.canonical())


def test_no_accents_stay_ascii_but_keys_match():
    plain = parse_address("123 le van viet, kp3, phuong hiep phu, tp thu duc, tp hcm")
    accented = parse_address("123 Lê Văn Việt, KP3, Phường Hiệp Phú, TP Thủ Đức, TP HCM")
    assert plain.street == "Le Van Viet"  # we cannot invent the tones
    assert plain.ward == "Phường Hiep Phu"
    assert plain.district == "Thành phố Thủ Đức"  # the closed list of districts we do know
    for attr in ("street_key", "khu_pho", "ward_key", "district_key"):
        assert getattr(plain, attr) == getattr(accented, attr)


def test_look_alike_eth_is_read_as_d_stroke():
    p = parse_address("\u00d0ường Lê Lợi, Phường Bến Thành, Quận 1")
    assert p.street == "Lê Lợi"


@pytest.mark.parametrize(
    ("text", "ward", "district"),
    [
        ("1 Lê Lợi, P9, Q1", "Phường 9", "Quận 1"),
        ("1 Lê Lợi, F9, Q.1", "Phường 9", "Quận 1"),
        ("1 Lê Lợi, P.09, Quận 11", "Phường 9", "Quận 11"),
        ("1 Lê Lợi, Phường 9, District 4", "Phường 9", "Quận 4"),
        ("1 Lê Lợi, Ward 9, Dist. 4", "Phường 9", "Quận 4"),
        ("1 Lê Lợi, Xã Bình Hưng, Huyện Bình Chánh", "Xã Bình Hưng", "Huyện Bình Chánh"),
        ("1 Lê Lợi, Thị trấn Củ Chi, H. Củ Chi", "Thị trấn Củ Chi", "Huyện Củ Chi"),
        ("1 Lê Lợi, Phường 5, Gò Vấp", "Phường 5", "Quận Gò Vấp"),
        ("1 Lê Lợi, Phường 5, Go Vap", "Phường 5", "Quận Gò Vấp"),
        ("1 Lê Lợi, Phường 13, Q. Tân Bình", "Phường 13", "Quận Tân Bình"),
    ],
)
def test_ward_and_district_spellings(text, ward, district):
    p = parse_address(text)
    assert (p.ward, p.district) == (ward, district)
    assert p.street == "Lê Lợi"


@pytest.mark.parametrize(
    ("text", "khu_pho", "kind"),
    [
        ("1 Lê Lợi, KP 3, Phường 1, Quận 1", "3", "Khu phố"),
        ("1 Lê Lợi, KP.3, Phường 1, Quận 1", "3", "Khu phố"),
        ("1 Lê Lợi, khu phố 3, Phường 1, Quận 1", "3", "Khu phố"),
        ("Đường Phan Văn Hớn, ấp 7 Xã Xuân Thới Thượng, Hóc Môn", "7", "Ấp"),
        ("Ấp Tiền Lân, Đường Bà Điểm 4, Xã Bà Điểm, Hóc Môn", "Tiền Lân", "Ấp"),
    ],
)
def test_khu_pho_and_ap(text, khu_pho, kind):
    p = parse_address(text)
    assert (p.khu_pho, p.khu_pho_kind) == (khu_pho, kind)
    assert f"{kind} {khu_pho}" in p.canonical()


@pytest.mark.parametrize(
    "text", ["1 Lê Lợi, Phường 1, Quận 1, Hồ Chí Minh", "…, TP.HCM", "…, TPHCM", "…, Thành phố Hồ Chí Minh"]
)
def test_city_spellings_are_read(text):
    text = text.replace("…", "1 Lê Lợi, Phường 1, Quận 1")
    p = parse_address(text)
    assert p.city == HCM and "city" not in p.guessed


def test_city_implied_when_absent():
    p = parse_address("1 Lê Lợi, Phường 1, Quận 1")
    assert p.city == HCM
    assert p.guessed == ("city",)


# --- Streets that are numbers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "house", "street", "street_key"),
    [
        ("12 Đường 26/3, Phường Bình Hưng Hòa, Bình Tân", "12", "Đường 26/3", "26/3"),
        ("Đường 3/2, Phường 12, Quận 10", None, "Đường 3/2", "3/2"),
        ("Đ. 30/4, P.1, Q. Tân Bình", None, "Đường 30/4", "30/4"),
        ("197/26 Đường 19/5, Phường Sơn Kỳ, Tân Phú", "197/26", "Đường 19/5", "19/5"),
        ("số 12 đường số 7, Phường 4, Quận 4", "12", "Đường số 7", "so 7"),
        ("Số 16, Đường Số 7, Phường 4, Quận 4", "16", "Đường số 7", "so 7"),
        ("29 Đường 6, Phường Hiệp Bình Phước, Thủ Đức", "29", "Đường số 6", "so 6"),
        ("226, Street 48, Ward 5, District 4", "226", "Đường số 48", "so 48"),
        ("006, B5 Apartment, 12C Street, Ward 3, District 4", "6", "Đường số 12C", "so 12c"),
    ],
)
def test_numbered_streets_are_not_house_numbers(text, house, street, street_key):
    p = parse_address(text)
    assert (p.house.canonical() if p.house else None) == house
    assert (p.street, p.street_key) == (street, street_key)


def test_street_keyword_is_not_confused_with_names():
    # dương ≠ đường, phó/phổ ≠ phố, quân ≠ quận, huyền ≠ huyện, xa lộ ≠ xã
    assert parse_address("45 Đường Dương Bá Trạc, Phường 1, Quận 8").street_key == "duong ba trac"
    assert parse_address("5 Phó Đức Chính, Phường Nguyễn Thái Bình, Quận 1").street == "Phó Đức Chính"
    assert parse_address("12 Phổ Quang, Phường 2, Tân Bình").street == "Phổ Quang"
    assert parse_address("270 Lạc Long Quân Phường 10 Quận 11").street == "Lạc Long Quân"
    assert parse_address("88 Huyền Trân Công Chúa, Phường Bến Thành, Quận 1").street == "Huyền Trân Công Chúa"
    assert parse_address("12 Đường Xa Lộ Hà Nội, Phường Thảo Điền, Quận 2").street == "Xa Lộ Hà Nội"
    assert parse_address("Hẻm 958/1C, Đường Lò Gốm, Phường 8, Quận 6").street == "Lò Gốm"
    assert parse_address("The Eastern, 299, Đường Liên Phường, Phường Phú Hữu, Quận 9").street == "Liên Phường"


def test_phố_is_a_street_word():
    p = parse_address("Hẻm 31, Phố Trần Xuân Soạn, Phường Tân Thuận Tây, Quận 7")
    assert (p.street, p.street_key) == ("Trần Xuân Soạn", "tran xuan soan")


# --- Alleys -----------------------------------------------------------------------------------------


def test_alley_address_names_the_alley():
    p = parse_address("Hẻm 158/38/15, Đường Phạm Văn Chiêu, Phường 14, Gò Vấp, Hồ Chí Minh")
    assert p.house == HouseNumber(158, "", ("38", "15"))
    assert p.is_alley and p.names_alley
    assert p.street == "Phạm Văn Chiêu"
    assert p.canonical() == "Hẻm 158/38/15 Phạm Văn Chiêu, Phường 14, Quận Gò Vấp, Thành phố Hồ Chí Minh"


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("HXH 330/ Lê Văn Sỹ, Phường 13, Quận 3", "Hẻm 330 Lê Văn Sỹ"),
        ("Hẻm xe hơi 435/18/12, Đường Lê Văn Thọ, Phường 9, Gò Vấp", "Hẻm 435/18/12 Lê Văn Thọ"),
        ("Hẻm Số 1, Đường Cách Mạng Tháng Tám, Phường 7, Tân Bình", "Hẻm 1 Cách Mạng Tháng Tám"),
        ("Hẻm 343/.. Đường Nguyễn Trọng Tuyển, Phường 1, Tân Bình", "Hẻm 343 Nguyễn Trọng Tuyển"),
        ("66/x, Đường Phan Sào Nam, Phường 11, Tân Bình", "Hẻm 66 Phan Sào Nam"),
        ("7b/, Đường Thành Thái, Phường 12, Quận 10", "Hẻm 7B Thành Thái"),
        ("Kiệt 12 Lê Lợi, Phường 1, Quận 1", "Hẻm 12 Lê Lợi"),
        ("Lane 232 Doan Van Bo Street, Ward 10, District 4", "Hẻm 232 Doan Van Bo"),
    ],
)
def test_alley_words_and_open_slashes(text, canonical):
    p = parse_address(text)
    assert p.is_alley and p.names_alley
    assert p.canonical().startswith(canonical + ", ")


def test_house_in_an_alley_is_not_the_alley():
    p = parse_address("111/8/2B, Đường Đặng Thùy Trâm, Phường 13, Bình Thạnh")
    assert p.is_alley and not p.names_alley
    assert p.canonical().startswith("111/8/2B Đặng Thùy Trâm, ")
    assert not parse_address("12A Lê Lợi, Phường 1, Quận 1").is_alley


# --- English-ish POI addresses ----------------------------------------------------------------------


def test_english_district_4_form():
    p = parse_address("109F/10bis, Ben Van Don Street, Ward 9, District 4")
    assert p.house == HouseNumber(109, "F", ("10bis",))
    assert (p.street, p.street_key) == ("Ben Van Don", "ben van don")
    assert (p.ward, p.district) == ("Phường 9", "Quận 4")
    assert p.canonical() == "109F/10bis Ben Van Don, Phường 9, Quận 4, Thành phố Hồ Chí Minh"
    assert p.guessed == ("city",)


def test_english_ward_name_and_city():
    p = parse_address("12 Le Loi St., Ben Thanh Ward, Dist. 1, HCMC, Vietnam")
    assert (p.street, p.ward, p.district) == ("Le Loi", "Phường Ben Thanh", "Quận 1")
    assert "city" not in p.guessed


# --- Buildings, ranges, guesses ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Lô A, Chung cư Bàu Cát, 12 Đồng Đen, Phường 14, Quận Tân Bình",
        "Tầng 3, Căn hộ 5, Tòa nhà Sài Gòn, 12 Đồng Đen, Phường 14, Quận Tân Bình",
        "Dự án Galaxy 9, 12 Đường Đồng Đen, Phường 14, Quận Tân Bình",
        "Dream Home Palace, 12, Đường Đồng Đen, Phường 14, Quận Tân Bình",
    ],
)
def test_buildings_stay_out_of_the_house(text):
    p = parse_address(text)
    assert p.house == HouseNumber(12, "", ())
    assert p.street == "Đồng Đen"
    assert p.canonical().startswith("12 Đồng Đen, Phường 14")


def test_building_only_address_still_parses():
    p = parse_address("Dự án Carillon 7, Quận Tân Phú, Hồ Chí Minh")
    assert p.house is None and p.street is None
    assert p.district == "Quận Tân Phú"
    assert p.missing == ("house", "street", "khu_pho", "ward")


@pytest.mark.parametrize("text", ["123 - 125 Lê Lợi, Phường 1, Quận 1", "123-125, Đường Lê Lợi, Phường 1, Quận 1"])
def test_range_keeps_the_first_number_and_says_so(text):
    p = parse_address(text)
    assert p.house.canonical() == "123"
    assert "house" in p.guessed


def test_two_numbers_joined_by_và():
    p = parse_address("Số 38/28 và 38/28B, Đường Trần Khắc Chân, Phường Tân Định, Quận 1")
    assert p.house.canonical() == "38/28"
    assert "house" in p.guessed


def test_bare_number_without_street_is_a_guessed_house():
    p = parse_address("914, Phường Hiệp Bình Phước, Thủ Đức, Hồ Chí Minh")
    assert p.house.canonical() == "914"
    assert p.missing == ("street", "khu_pho")
    assert p.guessed == ("district", "house")  # bare "Thủ Đức": quận or thành phố
    assert p.district == "Thành phố Thủ Đức"


def test_bare_names_before_the_district_are_guessed():
    p = parse_address("Sim City, Lò Lu, Trường Thạnh, Quận 9, Hồ Chí Minh")
    assert (p.street, p.ward) == ("Lò Lu", "Phường Trường Thạnh")
    assert set(p.guessed) == {"street", "ward"}
    p = parse_address("Green Riverside, Huỳnh Tấn Phát, Phú Xuân, Nhà Bè, Hồ Chí Minh")
    assert (p.street, p.ward, p.district) == ("Huỳnh Tấn Phát", "Xã Phú Xuân", "Huyện Nhà Bè")
    p = parse_address("Trường Chinh, 14, Tân Bình, Hồ Chí Minh")
    assert (p.street, p.ward, p.house) == ("Trường Chinh", "Phường 14", None)


def test_missing_lists_every_absent_component():
    p = parse_address("Phường 9, Quận 5")
    assert p.missing == ("house", "street", "khu_pho")
    assert p.canonical() == "Phường 9, Quận 5, Thành phố Hồ Chí Minh"


def test_as_dict_is_json_ready():
    d = parse_address("HXH 330/ Lê Văn Sỹ, Phường 13, Quận 3").as_dict()
    assert json.loads(json.dumps(d, ensure_ascii=False)) == d
    assert d["house"] == {"main": 330, "main_suffix": "", "alleys": [], "prefix": "", "canonical": "330"}
    assert d["canonical"] == "Hẻm 330 Lê Văn Sỹ, Phường 13, Quận 3, Thành phố Hồ Chí Minh"
    assert d["missing"] == ["khu_pho"] and d["guessed"] == ["city"]


# --- Rejections -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\t\n", " , , ", "???", "---", "Lê Văn Việt", "Hồ Chí Minh"])
def test_unrecognisable_input_is_rejected(text):
    with pytest.raises(AddressError) as exc:
        parse_address(text)
    message = str(exc.value)
    assert " / " in message
    vietnamese, english = message.split(" / ", 1)
    assert any(ord(c) > 127 for c in vietnamese) and english.isascii()


# --- Management command -----------------------------------------------------------------------------


def test_parse_addresses_command(tmp_path):
    source = tmp_path / "addresses.txt"
    lines = [
        "123/4/5A Lê Văn Việt, KP 3, P. Hiệp Phú, TP. Thủ Đức, TP.HCM",
        "???",
        "109F/10bis, Ben Van Don Street, Ward 9, District 4",
        "",
    ]
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    call_command("parse_addresses", str(source), stdout=out, stderr=err)

    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [r["line"] for r in rows] == [1, 2, 3, 4]
    assert [r["raw"] for r in rows] == lines
    assert rows[0]["error"] == "" and rows[2]["error"] == ""
    assert rows[0]["canonical"] == (
        "123/4/5A Lê Văn Việt, Khu phố 3, Phường Hiệp Phú, Thành phố Thủ Đức, Thành phố Hồ Chí Minh"
    )
    assert rows[2]["house"]["canonical"] == "109F/10bis" and rows[2]["guessed"] == ["city"]
    assert rows[1]["error"] and rows[3]["error"]
    assert rows[1]["canonical"] is None and rows[1]["house"] is None and rows[1]["missing"] is None
    assert set(rows[1]) == set(rows[0])
    assert "Hồ Chí Minh" in out.getvalue()  # ensure_ascii=False
    assert err.getvalue().strip() == "4 lines, 2 parsed, 2 errors"


def test_parse_addresses_command_reads_stdin():
    out, err = io.StringIO(), io.StringIO()
    stdin = io.StringIO("Số 16, Đường Số 7, Phường 4, Quận 4\n")
    call_command("parse_addresses", "-", stdin=stdin, stdout=out, stderr=err)
    (row,) = [json.loads(line) for line in out.getvalue().splitlines()]
    assert row["street"] == "Đường số 7" and row["error"] == ""
    assert err.getvalue().strip() == "1 lines, 1 parsed, 0 errors"
