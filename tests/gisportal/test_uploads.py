"""The shared upload checks on real files: zips built with zipfile, workbooks with openpyxl."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.test import RequestFactory

from gisportal.errors import InvalidInput, TooLarge
from gisportal.tabular import xlsx_rows
from gisportal.uploads import (
    ZIP_MAX_MEMBERS,
    check_content_length,
    check_upload_size,
    check_xlsx,
    check_zip,
    stream_size,
)


def make_zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def make_xlsx(rows: list[list], formula_cell: str | None = None) -> bytes:
    wb = openpyxl.Workbook()
    for row in rows:
        wb.active.append(row)
    if formula_cell:
        wb.active[formula_cell] = "=A1&B1"
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def refusal(call, *args, **kwargs) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        call(*args, **kwargs)
    return caught.value


def test_size_limit_is_413_with_both_languages(settings):
    settings.MAX_UPLOAD_MB = 1
    check_upload_size(2**20)
    with pytest.raises(TooLarge) as caught:
        check_upload_size(2**20 + 1)
    err = caught.value
    assert err.status_code == 413 and err.code == "too_large"
    assert err.message == "Tệp quá lớn (1.0 MB; tối đa 1 MB)."
    assert err.message_en == "The file is too large (1.0 MB; at most 1 MB)."
    assert err.details == {"size": 2**20 + 1, "max_mb": 1}
    with pytest.raises(TooLarge, match=r"at most 0\.5 MB"):
        check_upload_size(2**20, max_mb=0.5)


def test_content_length_is_refused_before_the_body_is_read(settings):
    settings.MAX_UPLOAD_MB = 1
    factory = RequestFactory()
    check_content_length(factory.post("/", data=b"x" * 100, content_type="text/csv"))
    check_content_length(factory.get("/"))  # no Content-Length: the file's own size is checked later
    with pytest.raises(TooLarge):
        check_content_length(factory.post("/", data=b"x" * (2**20 + 1), content_type="text/csv"))


def test_stream_size_leaves_the_file_at_its_start():
    f = io.BytesIO(b"abcdef")
    f.read(3)
    assert stream_size(f) == 6 and f.tell() == 0


def test_a_sound_zip_gives_its_members(tmp_path):
    path = make_zip(tmp_path / "ok.zip", {"a.shp": b"x" * 5000, "dir/a..b.dbf": b"y"})
    assert [i.filename for i in check_zip(path)] == ["a.shp", "dir/a..b.dbf"]


def test_a_zip_bomb_is_refused_from_the_central_directory(tmp_path):
    path = make_zip(tmp_path / "bomb.zip", {"small.txt": b"ok", "zeros.shp": bytes(4 * 2**20)})
    err = refusal(check_zip, path, "KMZ")
    assert err.code == "zip_bomb" and err.details["members_over_ratio"] == ["zeros.shp"]
    assert err.message.startswith("Tệp KMZ bị từ chối") and "zip bomb" in err.message_en


def test_uncompressed_total_and_member_count_are_capped(tmp_path):
    path = make_zip(tmp_path / "big.zip", {"a.csv": b"1,2\n" * 1000})
    assert refusal(check_zip, path, max_uncompressed=1000).code == "zip_bomb"
    many = make_zip(tmp_path / "many.zip", {f"{i}.txt": b"" for i in range(ZIP_MAX_MEMBERS + 1)})
    assert refusal(check_zip, many).details["members"] == ZIP_MAX_MEMBERS + 1


@pytest.mark.parametrize("name", ["../evil.txt", "/etc/cron.d/x", "a\\..\\..\\x.txt", "C:/Windows/x.dll"])
def test_paths_outside_the_zip_are_refused(tmp_path, name):
    path = make_zip(tmp_path / "escape.zip", {"ok.txt": b"ok", name: b"x"})
    err = refusal(check_zip, path)
    assert err.code == "unsafe_zip" and err.details == {"members": [name]}


def test_not_a_zip(tmp_path):
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    assert refusal(check_zip, path, "Shapefile").code == "bad_zip"
    assert refusal(check_xlsx, path).code == "bad_xlsx"


def test_xlsx_rows_from_a_path_and_from_an_upload(tmp_path):
    data = make_xlsx([["so_nha", "duong"], [None, None], ["12", "Lê Lợi"]])
    path = tmp_path / "houses.xlsx"
    path.write_bytes(data)
    expected = [(1, ["so_nha", "duong"]), (2, [None, None]), (3, ["12", "Lê Lợi"])]
    assert list(xlsx_rows(path)) == expected
    assert list(xlsx_rows(io.BytesIO(data))) == expected


def test_a_formula_refuses_the_workbook():
    err = refusal(list, xlsx_rows(io.BytesIO(make_xlsx([["a", "b"], ["c", "d"]], formula_cell="B2"))))
    assert err.code == "xlsx_formula" and err.details == {"cell": "B2"}
    assert err.message.startswith("Ô B2 chứa công thức")


def test_macros_refuse_the_workbook():
    out = io.BytesIO(make_xlsx([["a"]]))
    with zipfile.ZipFile(out, "a") as zf:
        zf.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    assert refusal(check_xlsx, out).code == "xlsx_macros"
    assert refusal(list, xlsx_rows(out)).code == "xlsx_macros"


def test_a_zip_that_is_no_workbook_is_bad_xlsx():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr("hello.txt", b"hi")
    assert refusal(list, xlsx_rows(out)).code == "bad_xlsx"
