"""VSIC 2018 (Decision 27/2018/QĐ-TTg): the 21 sections and the codes ward businesses use most.

The full tables (88/242/486/734 codes at levels 2–5) and VSIC 2025 (Decision 36/2025) load
from the official spreadsheet with `manage.py import_industries`; this reference set is what a
fresh portal (and the demo ward) needs to work.
"""

from __future__ import annotations

SECTIONS_2018 = {
    "A": "Nông nghiệp, lâm nghiệp và thủy sản",
    "B": "Khai khoáng",
    "C": "Công nghiệp chế biến, chế tạo",
    "D": "Sản xuất và phân phối điện, khí đốt, nước nóng, hơi nước và điều hòa không khí",
    "E": "Cung cấp nước; hoạt động quản lý và xử lý rác thải, nước thải",
    "F": "Xây dựng",
    "G": "Bán buôn và bán lẻ; sửa chữa ô tô, mô tô, xe máy và xe có động cơ khác",
    "H": "Vận tải kho bãi",
    "I": "Dịch vụ lưu trú và ăn uống",
    "J": "Thông tin và truyền thông",
    "K": "Hoạt động tài chính, ngân hàng và bảo hiểm",
    "L": "Hoạt động kinh doanh bất động sản",
    "M": "Hoạt động chuyên môn, khoa học và công nghệ",
    "N": "Hoạt động hành chính và dịch vụ hỗ trợ",
    "O": "Hoạt động của Đảng Cộng sản, tổ chức chính trị - xã hội, quản lý Nhà nước, an ninh quốc phòng; "
    "bảo đảm xã hội bắt buộc",
    "P": "Giáo dục và đào tạo",
    "Q": "Y tế và hoạt động trợ giúp xã hội",
    "R": "Nghệ thuật, vui chơi và giải trí",
    "S": "Hoạt động dịch vụ khác",
    "T": "Hoạt động làm thuê các công việc trong các hộ gia đình, sản xuất sản phẩm vật chất và dịch vụ "
    "tự tiêu dùng của hộ gia đình",
    "U": "Hoạt động của các tổ chức và cơ quan quốc tế",
}

# (level-4 code, section, Vietnamese name): the lines most business households register.
CODES_2018 = [
    ("1071", "C", "Sản xuất các loại bánh từ bột"),
    ("1410", "C", "May trang phục (trừ trang phục từ da lông thú)"),
    ("4520", "G", "Bảo dưỡng, sửa chữa ô tô và xe có động cơ khác"),
    ("4542", "G", "Bảo dưỡng và sửa chữa mô tô, xe máy"),
    (
        "4711",
        "G",
        "Bán lẻ lương thực, thực phẩm, đồ uống, thuốc lá, thuốc lào chiếm tỷ trọng lớn "
        "trong các cửa hàng kinh doanh tổng hợp",
    ),
    ("4722", "G", "Bán lẻ thực phẩm trong các cửa hàng chuyên doanh"),
    ("4723", "G", "Bán lẻ đồ uống trong các cửa hàng chuyên doanh"),
    ("4724", "G", "Bán lẻ sản phẩm thuốc lá, thuốc lào trong các cửa hàng chuyên doanh"),
    (
        "4741",
        "G",
        "Bán lẻ máy vi tính, thiết bị ngoại vi, phần mềm và thiết bị viễn thông trong các cửa hàng chuyên doanh",
    ),
    (
        "4752",
        "G",
        "Bán lẻ đồ ngũ kim, sơn, kính và thiết bị lắp đặt khác trong xây dựng trong các cửa hàng chuyên doanh",
    ),
    ("4771", "G", "Bán lẻ hàng may mặc, giày dép, hàng da và giả da trong các cửa hàng chuyên doanh"),
    ("4772", "G", "Bán lẻ thuốc, dụng cụ y tế, mỹ phẩm và vật phẩm vệ sinh trong các cửa hàng chuyên doanh"),
    ("4781", "G", "Bán lẻ lương thực, thực phẩm, đồ uống, thuốc lá, thuốc lào lưu động hoặc tại chợ"),
    ("4933", "H", "Vận tải hàng hóa bằng đường bộ"),
    ("5510", "I", "Dịch vụ lưu trú ngắn ngày"),
    ("5610", "I", "Nhà hàng và các dịch vụ ăn uống phục vụ lưu động"),
    ("5630", "I", "Dịch vụ phục vụ đồ uống"),
    ("6810", "L", "Kinh doanh bất động sản, quyền sử dụng đất thuộc chủ sở hữu, chủ sử dụng hoặc đi thuê"),
    ("7420", "M", "Hoạt động nhiếp ảnh"),
    ("8559", "P", "Giáo dục khác chưa được phân vào đâu"),
    ("8620", "Q", "Hoạt động của các phòng khám đa khoa, chuyên khoa và nha khoa"),
    ("9329", "R", "Hoạt động vui chơi giải trí khác chưa được phân vào đâu"),
    ("9511", "S", "Sửa chữa máy vi tính và thiết bị ngoại vi"),
    ("9512", "S", "Sửa chữa thiết bị liên lạc"),
    ("9602", "S", "Cắt tóc, làm đầu, gội đầu"),
    ("9620", "S", "Giặt là, làm sạch các sản phẩm dệt và lông thú"),
]


def reference_rows() -> list[dict]:
    """Rows for the Industry table: sections (level 1) and the common codes (level 4)."""
    rows = [
        {"version": "VSIC2018", "code": letter, "level": 1, "name": name, "section": letter}
        for letter, name in SECTIONS_2018.items()
    ]
    rows += [
        {"version": "VSIC2018", "code": code, "level": len(code), "name": name, "section": section}
        for code, section, name in CODES_2018
    ]
    return rows


def ensure_reference(industry_model=None) -> int:
    """Insert the reference rows that are missing (after a flush, or on a fresh database). Returns how many."""
    if industry_model is None:
        from businesses.models import Industry as industry_model
    have = set(industry_model.objects.values_list("version", "code"))
    missing = [industry_model(**row) for row in reference_rows() if (row["version"], row["code"]) not in have]
    industry_model.objects.bulk_create(missing)
    return len(missing)
