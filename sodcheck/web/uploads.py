"""An upload from arriving to being read: its name made safe, written into the check's own folder
under that name, and its content vetted before any parser opens it.

The name an officer gave a file is the name the report shows, so each upload is saved under its
display name inside the request's folder and the check reads it by that relative name: every
warning, evidence line and marked-up sheet then names the file as uploaded, and nothing has to be
rewritten afterwards. A name never chooses a path: only its last part is kept, control and bidi
characters are dropped, leading dots and spreadsheet formula characters are stripped, its length is
bounded, and two uploads of one name become ``a.xlsx`` and ``a (2).xlsx``."""
from __future__ import annotations

import re
import shutil
import unicodedata
import zipfile
import zlib
from pathlib import Path

from fastapi import UploadFile

from ..loaders.grid import decode, sniff
from ..loaders.safety import check_zip
from ..model import SodcheckError
from .common import MESSAGES

SPREADSHEET = ("xlsx", "xlsm", "xls", "csv")
EXCEL = ("xlsx", "xlsm", "xls")
RULE_FILES = ("yaml", "yml")
OPERATION_LOGS = ("csv", "xlsx", "xls", "parquet")
# A parquet file begins and ends with these four bytes (the footer's length sits just before the end).
PARQUET_MAGIC = b"PAR1"
# What each upload field accepts, judged by name here and by content in check_content.
FIELD_TYPES: dict[str, tuple[str, ...]] = {
    "staff": SPREADSHEET,
    "perms": SPREADSHEET + ("txt", "tsv"),
    "roles": RULE_FILES + ("json",),
    "rules": RULE_FILES,
    "ops": OPERATION_LOGS,
}
# Linux allows 255 bytes in a file name; Chinese characters take three each in UTF-8.
NAME_BYTES = 200


def extension(name: str) -> str:
    ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    return ext if re.fullmatch(r"[a-z0-9]{1,7}", ext) else ""


def display_name(raw: str | None, index: int) -> str:
    """What the report calls an upload, and the name it is saved under: the base name only,
    without control or bidi characters, never hidden, never a formula, at most NAME_BYTES long."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    ext = extension(name)
    stem = (name[:-len(ext) - 1] if ext else name).lstrip("=+-@. ")
    suffix = f".{ext}" if ext else ""
    while len((stem + suffix).encode("utf-8")) > NAME_BYTES:
        stem = stem[:-1]
    stem = stem.rstrip(" .")
    return stem + suffix if stem else f"upload-{index}{suffix}"


def unused_name(name: str, used: set[str]) -> str:
    """``a.xlsx``, then ``a (2).xlsx``: the extension stays last, where the readers look for it."""
    ext = extension(name)
    stem, suffix = (name[:-len(ext) - 1], f".{ext}") if ext else (name, "")
    candidate, n = name, 2
    while candidate in used:
        candidate, n = f"{stem} ({n}){suffix}", n + 1
    used.add(candidate)
    return candidate


def save_uploads(by_field: dict[str, list[UploadFile]], folder: Path) -> dict[str, list[str]]:
    """Write every upload into ``folder`` under its display name; the names, by field, relative to it.
    Runs in a worker thread of the server: the bytes are only copied, never parsed, here."""
    names: dict[str, list[str]] = {field: [] for field in by_field}
    used: set[str] = set()
    index = 0
    for field, files in by_field.items():
        for upload in files:
            index += 1
            name = unused_name(display_name(upload.filename, index), used)
            upload.file.seek(0)
            with (folder / name).open("xb") as out:  # "x": never onto anything already there
                shutil.copyfileobj(upload.file, out, 1024 * 1024)
            names[field].append(name)
    return names


def check_content(path: Path, allowed: tuple[str, ...]) -> None:
    """Refuse a file whose bytes are not what its field takes. Workbooks are vetted for zip bombs
    and XML tricks here, before any parser opens them. Runs inside the check's worker process."""
    label = str(path)
    kinds = {"kinds_zh": "、".join(allowed), "kinds_en": ", ".join(allowed)}
    with path.open("rb") as handle:
        head = handle.read(8192)
    if not head:
        raise SodcheckError(MESSAGES["empty"], file=label)
    ext = extension(path.name)
    if ext not in allowed:
        raise SodcheckError(MESSAGES["bad_ext"].format(**kinds), file=label)
    if ext == "parquet":
        check_parquet(path, head, label)
        return
    kind = sniff(path, head)
    if kind in ("xlsx", "xls"):
        if not set(allowed) & set(EXCEL):
            raise SodcheckError(MESSAGES["workbook_not_here"].format(**kinds), file=label)
        if kind == "xlsx":
            check_workbook_zip(path, label)
        return
    if ext in EXCEL:
        raise SodcheckError(MESSAGES["not_excel"], file=label)
    if kind != "text":
        raise SodcheckError(MESSAGES["binary"], file=label)
    decode(path.read_bytes(), label)


def check_parquet(path: Path, head: bytes, label: str) -> None:
    """Only the frame is vetted here: the magic at both ends, with room for a footer between. Pages
    that inflate beyond reason are the memory limit's to stop, in the worker that reads them."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - len(PARQUET_MAGIC)))
        tail = handle.read()
    if size < 3 * len(PARQUET_MAGIC) or not head.startswith(PARQUET_MAGIC) or tail != PARQUET_MAGIC:
        raise SodcheckError(MESSAGES["not_parquet"], file=label)


def check_workbook_zip(path: Path, label: str) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, NotImplementedError, ValueError, OSError, EOFError):
        raise SodcheckError(MESSAGES["broken_zip"], file=label) from None
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        raise SodcheckError(MESSAGES["not_xlsx"], file=label)
    check_zip(path, label)
    try:
        # Every part must inflate to its checksum: a damaged part would otherwise surface as an
        # odd exception deep inside a reader. Sizes were vetted just above.
        with zipfile.ZipFile(path) as archive:
            damaged = archive.testzip()
    except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError, ValueError, OSError):
        raise SodcheckError(MESSAGES["broken_zip"], file=label) from None
    if damaged is not None:
        raise SodcheckError(MESSAGES["broken_zip"], file=label)
