"""The one reader of tabular and zipped uploads, on files built here: every encoding, `;` CSVs, workbooks, zips."""

from __future__ import annotations

import csv
import io
import random
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from gisportal import tabular
from gisportal.errors import InvalidInput, PortalError

HEADER = ["STT", "Số nhà", "Tên đường", "Vĩ độ", "Kinh độ", "Ghi chú"]
STREETS = ["Nguyễn Thị Minh Khai", "Điện Biên Phủ", "Võ Văn Tần", "Trần Quốc Thảo", "Lê Quý Đôn"]


def make_rows(n: int, seed: int = 14) -> list[list[str]]:
    """n rows of house numbers in District 3, the same for the same seed."""
    rng = random.Random(seed)
    return [
        [
            str(i + 1),
            f"{rng.randint(1, 400)}/{rng.randint(1, 30)}",
            rng.choice(STREETS),
            f"{rng.uniform(10.77, 10.79):.6f}",
            f"{rng.uniform(106.68, 106.70):.6f}",
            rng.choice(["", "nhà góc", "hẻm; cụt"]),
        ]
        for i in range(n)
    ]


def csv_text(rows: list[list[str]], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows([HEADER, *rows])
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def read_all(source, fmt: str = "csv", **kwargs) -> tuple[list, list[tuple[int, list]]]:
    with tabular.read_sheet(source, fmt, **kwargs) as sheet:
        return sheet.header, list(sheet)


def refusal(call, *args, **kwargs) -> PortalError:
    with pytest.raises(PortalError) as caught:
        call(*args, **kwargs)
    err = caught.value
    assert 400 <= err.status_code < 500 and err.message and err.message_en  # both languages, never a 500
    return err


# --- encodings -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(lambda text: text.encode("utf-8"), id="utf-8"),
        pytest.param(lambda text: text.encode("utf-8-sig"), id="utf-8-bom"),
        pytest.param(lambda text: text.encode("utf-16"), id="utf-16-bom"),  # Excel's "Unicode Text"
        pytest.param(lambda text: b"\xfe\xff" + text.encode("utf-16-be"), id="utf-16-be-bom"),
        pytest.param(lambda text: text.encode("utf-16-le"), id="utf-16-le-no-bom"),
        pytest.param(lambda text: text.encode("utf-16-be"), id="utf-16-be-no-bom"),
    ],
)
def test_every_unicode_encoding_reads_the_same_rows(tmp_path, encoded):
    rows = make_rows(40)
    path = write(tmp_path / "houses.csv", encoded(csv_text(rows)))
    header, body = read_all(path)
    assert header == HEADER
    assert [cells for _, cells in body] == rows
    assert [row_no for row_no, _ in body] == list(range(2, 42))


@pytest.mark.parametrize("codec", ["cp1258", "cp1252"])
def test_a_windows_code_page_is_refused_with_the_way_to_save_utf8(tmp_path, codec):
    # Both decode without error in their own code page, into letters no one can check: refused, never guessed.
    text = "so_nha,duong\r\n12," + ("Văn Đông Hà" if codec == "cp1258" else "Café Ô") + "\r\n"
    path = write(tmp_path / "houses.csv", text.encode(codec, errors="strict"))
    err = refusal(read_all, path)
    assert err.code == "bad_encoding" and err.status_code == 400
    assert "CSV UTF-8" in err.message and "CSV UTF-8" in err.message_en


def test_an_open_upload_is_read_and_left_open(tmp_path):
    rows = make_rows(5, seed=3)
    upload = SimpleUploadedFile("houses.csv", csv_text(rows).encode("utf-8-sig"))
    header, body = read_all(upload)
    assert header == HEADER and [cells for _, cells in body] == rows
    upload.seek(0)  # the reader did not close the caller's file
    assert upload.read(3) == b"\xef\xbb\xbf"


# --- CSV dialect and rows ------------------------------------------------------------------------


def test_semicolon_csv_as_vietnamese_excel_saves_it(tmp_path):
    rows = make_rows(25, seed=7)
    text = csv_text(rows, delimiter=";").replace(".", ",")  # the decimal comma is why Excel uses ';'
    header, body = read_all(write(tmp_path / "houses.csv", text.encode("utf-8-sig")))
    assert header == HEADER
    assert [cells for _, cells in body] == [[c.replace(".", ",") for c in r] for r in rows]
    assert "hẻm; cụt" in [cells[5] for _, cells in body]  # a quoted ';' stays in its cell


def test_tab_separated_and_the_header_decides_the_delimiter(tmp_path):
    rows = make_rows(10, seed=9)
    header, body = read_all(write(tmp_path / "houses.csv", csv_text(rows, delimiter="\t").encode()))
    assert header == HEADER and [cells for _, cells in body] == rows
    assert tabular.sniff_delimiter("a;b;c,d") == ";" and tabular.sniff_delimiter("") == ","


def test_blank_rows_are_skipped_and_rows_keep_their_line_numbers(tmp_path):
    text = '\r\n ; \r\nso_nha;duong\r\n12;"Võ Văn\nTần"\r\n\r\n;\r\n14;Lê Quý Đôn\r\n'
    header, body = read_all(write(tmp_path / "h.csv", text.encode()))
    assert header == ["so_nha", "duong"]
    assert body == [(4, ["12", "Võ Văn\nTần"]), (8, ["14", "Lê Quý Đôn"])]


def test_empty_too_many_and_malformed_files_are_refused(tmp_path):
    assert refusal(read_all, write(tmp_path / "e.csv", b"\r\n ,, \r\n")).code == "empty_file"
    assert refusal(read_all, write(tmp_path / "e.csv", b"")).code == "empty_file"
    many = write(tmp_path / "m.csv", csv_text(make_rows(11)).encode())
    assert len(read_all(many, max_rows=11)[1]) == 11
    err = refusal(read_all, many, max_rows=10)
    assert err.code == "too_many_rows" and "10" in err.message_en
    huge_cell = write(tmp_path / "b.csv", b'a,b\n1,"' + b"x" * (csv.field_size_limit() + 1) + b'"\n')
    assert refusal(read_all, huge_cell).code == "bad_csv"


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_values_with_their_row_numbers(tmp_path):
    rng = random.Random(5)
    wb = openpyxl.Workbook()
    wb.active.append([])  # a blank first row: the header is the first non-blank one
    wb.active.append(HEADER)
    values = [[i, rng.randint(1, 400), rng.choice(STREETS), 10.78, 106.69, None] for i in range(1, 31)]
    for i, row in enumerate(values):
        wb.active.append(row)
        if i == 9:
            wb.active.append([None, "  "])  # a blank row inside the data
    path = tmp_path / "houses.xlsx"
    wb.save(path)
    header, body = read_all(path, "xlsx")
    assert header == HEADER
    assert [cells for _, cells in body] == values  # typed values, not text
    assert [n for n, _ in body] == list(range(3, 13)) + list(range(14, 34))


def test_an_xlsx_formula_is_refused(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["so_nha", "duong"])
    wb.active.append(["12", '=A2&" Lê Lợi"'])
    path = tmp_path / "f.xlsx"
    wb.save(path)
    err = refusal(read_all, path, "xlsx")
    assert err.code == "xlsx_formula" and err.details == {"cell": "B2"}


# --- headers -------------------------------------------------------------------------------------

ALIASES = tabular.alias_table(
    {
        "number": ("so nha", "house number", "Số nhà"),
        "street": ("Tên đường", "duong"),
        "lat": ("vi do", "latitude"),
        "lon": ("kinh do", "longitude", "lng"),
    }
)


def test_header_aliases_map_to_field_names_whatever_the_spelling():
    assert tabular.header_key("  Số_NHÀ ") == "so nha" and tabular.header_key("Đường (phố)") == "duong pho"
    assert tabular.header_key(None) == "" and tabular.header_key(2025) == "2025"
    head = tabular.map_header(
        ["STT", "SO_NHA", "tên  đường", "Vĩ Độ", "KINH ĐỘ", "Màu", None, "Ghi chú"], ALIASES, {"stt", "ghi chu"}
    )
    assert head.fields == [None, "number", "street", "lat", "lon", None, None, None]
    assert head.keys[6] == "" and head.unknown == ["Màu"] and head.duplicate == []
    assert head.index("lon") == 4 and head.index("ward") is None


def test_a_second_column_for_the_same_field_is_a_duplicate():
    head = tabular.map_header(["Số nhà", "house number", "Lng", "longitude"], ALIASES)
    assert head.fields == ["number", None, "lon", None]
    assert head.duplicate == ["house number", "longitude"]


def test_headers_read_from_a_file_map_through_the_aliases(tmp_path):
    path = write(tmp_path / "h.csv", csv_text(make_rows(3)).encode("utf-16"))
    with tabular.read_sheet(path, "csv") as sheet:
        head = tabular.map_header(sheet.header, ALIASES, {"stt"})
    assert head.fields == [None, "number", "street", "lat", "lon", None] and head.unknown == ["Ghi chú"]


# --- zips ----------------------------------------------------------------------------------------


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def test_a_file_inside_a_folder_is_found_and_extracted_flat(tmp_path):
    rows = make_rows(12, seed=21)
    data = csv_text(rows).encode()
    archive = make_zip(
        tmp_path / "export.zip",
        {
            "Xuat du lieu/2025/": b"",
            "Xuat du lieu/2025/houses.csv": data,
            "Xuat du lieu/2025/houses.prj": b"GEOGCS",
            "Xuat du lieu/2025/other.txt": b"not a sibling",
            "__MACOSX/Xuat du lieu/2025/._houses.csv": b"\x00\x05\x16\x07",
            "Xuat du lieu/.DS_Store": b"\x00",
        },
    )
    files = tabular.zip_files(archive)
    assert [i.filename for i in files] == [
        "Xuat du lieu/2025/houses.csv",
        "Xuat du lieu/2025/houses.prj",
        "Xuat du lieu/2025/other.txt",
    ]
    main = files[0]
    parts = tabular.siblings(files, main)
    assert sorted(parts) == [".csv", ".prj"]
    out = tabular.extract(archive, parts.values(), tmp_path / "out")
    assert out[main.filename] == tmp_path / "out" / "houses.csv"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["houses.csv", "houses.prj"]
    header, body = read_all(out[main.filename])
    assert header == HEADER and [cells for _, cells in body] == rows


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/houses.csv", "/tmp/houses.csv", "a\\..\\..\\houses.csv", "C:/houses.csv"]
)
def test_a_zip_with_paths_outside_itself_is_refused_before_extraction(tmp_path, name):
    archive = make_zip(tmp_path / "evil.zip", {"houses.csv": b"so_nha,duong\n1,A\n", name: b"x"})
    err = refusal(tabular.zip_files, archive, "zip")
    assert isinstance(err, InvalidInput) and err.status_code == 400 and err.code == "unsafe_zip"
    assert err.details == {"members": [name]} and name in err.message and "unsafe" in err.message_en
    assert not (tmp_path / "out").exists()


def test_not_a_zip_is_a_clear_refusal(tmp_path):
    err = refusal(tabular.zip_files, write(tmp_path / "x.zip", b"PK\x03\x04 broken"), "Shapefile")
    assert err.code == "bad_zip" and "Shapefile" in err.message_en
