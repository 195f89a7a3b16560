"""Upload vetting by content, called as the worker calls it: every refusal is a SodcheckError naming
the file, before any parser opens it."""
from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sodcheck.model import SodcheckError
from sodcheck.web.uploads import FIELD_TYPES, check_content

from .conftest import HEADER, write_xlsx


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def zipped(path: Path, members: dict[str, bytes]) -> Path:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())
    return path


def damaged_xlsx(path: Path) -> Path:
    good = write_xlsx(path, {"Sheet1": [HEADER, ["张三", "中心", "在编", "会计", "2020.01"]]})
    data = bytearray(good.read_bytes())
    start = data.find(b"xl/worksheets/sheet1.xml")
    for i in range(start + 60, start + 90):     # inside the compressed sheet: its checksum breaks
        data[i] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


# A picture inside a workbook: a part no XML check reads, so only its checksum can tell it is damaged.
PICTURE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def xlsx_with_damaged_picture(path: Path, how: str) -> Path:
    """A sound workbook with a picture whose stored bytes no longer match their checksum ("stored"), or
    whose compressed stream cannot even be inflated ("deflated": its first block has the reserved type)."""
    write_xlsx(path, {"Sheet1": [HEADER, ["张三", "中心", "在编", "会计", "2020.01"]]})
    stored = how == "stored"
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/image1.png", PICTURE, zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED)
    data = bytearray(path.read_bytes())
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    start = data.find(PICTURE if stored else packer.compress(PICTURE) + packer.flush())
    assert start > 0, "the picture's bytes are not where the test looks for them"
    if stored:
        data[start + 100] ^= 0xFF
    else:
        data[start] = 0xFF
    path.write_bytes(bytes(data))
    return path


def parquet(path: Path) -> Path:
    pq.write_table(pa.table({"biz_id": ["B1"]}), path)
    return path


REFUSED = {
    "empty": ("staff", lambda p: write(p / "a.csv", b""), "empty"),
    "extension": ("staff", lambda p: write(p / "a.pdf", b"%PDF-1.4"), "pdf"),
    "workbook where none is taken": (
        "rules", lambda p: write_xlsx(p / "a.yaml", {"Sheet1": [["x"]]}), "yaml"),
    "text named xlsx": ("staff", lambda p: write(p / "a.xlsx", b"name,post\n"), "Excel"),
    "binary named csv": ("staff", lambda p: write(p / "a.csv", b"\x00\x01\x02" * 10), ""),
    "zip that is no workbook": ("staff", lambda p: zipped(p / "a.xlsx", {"a.txt": b"x"}), ""),
    "broken zip": ("staff", lambda p: write(p / "a.xlsx", b"PK\x03\x04broken"), ""),
    "damaged part": ("staff", lambda p: damaged_xlsx(p / "a.xlsx"), ""),
    "damaged picture": ("staff", lambda p: xlsx_with_damaged_picture(p / "a.xlsx", "stored"), "broken zip"),
    "picture that cannot inflate": ("staff", lambda p: xlsx_with_damaged_picture(p / "a.xlsx", "deflated"),
                                    "broken zip"),
    "parquet frame": ("ops", lambda p: write(p / "a.parquet", b"PAR1xx"), "parquet"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_file_that_is_not_what_its_field_takes_is_refused(tmp_path, case):
    field, make, word = REFUSED[case]
    path = make(tmp_path)
    with pytest.raises(SodcheckError) as caught:
        check_content(path, FIELD_TYPES[field])
    assert caught.value.file == str(path)
    assert word.lower() in caught.value.render("en").lower()


@pytest.mark.parametrize(("field", "make"), [
    ("staff", lambda p: write_xlsx(p / "a.xlsx", {"Sheet1": [HEADER]})),
    ("staff", lambda p: write(p / "a.csv", "姓名,岗位\n张三,会计\n".encode())),
    ("ops", lambda p: parquet(p / "a.parquet")),
])
def test_what_the_field_takes_passes(tmp_path, field, make):
    check_content(make(tmp_path), FIELD_TYPES[field])
