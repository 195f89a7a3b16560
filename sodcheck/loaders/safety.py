"""Refusing hostile workbooks before a parser sees them.

An xlsx is a zip of XML: a tiny upload can unpack to gigabytes (a zip bomb) or carry XML entity
tricks. Sizes are judged from the zip directory, before any part is unpacked: the whole package,
its ratio to the packed size, and each part (a 480 MB sheet in a 38 MB zip is refused before it
costs minutes and gigabytes). The XML parts are then parsed with defusedxml, or, by the streaming
xlsx reader, as a stream that refuses any document type declaration.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ..model import SodcheckError, Text
from .workbook import check_part

MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_RATIO = 200
# One XML part unpacked: a sheet of a million rows of a dozen short columns is about 150 MB.
MAX_PART = 256 * 1024 * 1024


def check_zip(path: Path, display: str, parse_xml: bool = True) -> None:
    """parse_xml: also check that every XML part is well-formed and declares no document type (for
    openpyxl, which does not guard itself); the streaming reader checks as it parses and passes False."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_ENTRIES:
                raise SodcheckError(Text(f"xlsx 内含 {len(infos)} 个条目，已拒绝（疑似压缩炸弹）",
                                         f"xlsx holds {len(infos)} entries; refused (zip bomb?)"),
                                    file=display)
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            if total > MAX_UNCOMPRESSED or (total > 50 * 1024 * 1024 and total / packed > MAX_RATIO):
                raise SodcheckError(Text(
                    f"xlsx 解压后有 {total // (1024 * 1024)} MB，已拒绝（疑似压缩炸弹）",
                    f"xlsx unpacks to {total // (1024 * 1024)} MB; refused (zip bomb?)"), file=display)
            for info in infos:
                if info.file_size > MAX_PART:
                    raise SodcheckError(Text(
                        f"xlsx 的 {info.filename} 解压后有 {info.file_size // (1024 * 1024)} MB，超过上限 "
                        f"{MAX_PART // (1024 * 1024)} MB，已拒绝",
                        f"xlsx part {info.filename} unpacks to {info.file_size // (1024 * 1024)} MB, more than "
                        f"the limit of {MAX_PART // (1024 * 1024)} MB; refused"), file=display)
            for info in infos if parse_xml else []:
                if info.filename.endswith((".xml", ".rels")):
                    problem = check_part(archive, info.filename)
                    if problem is not None:
                        raise SodcheckError(Text(f"xlsx 的 {info.filename} {problem.zh}",
                                                 f"xlsx part {info.filename} {problem.en}"), file=display)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise SodcheckError(Text(f"文件不是有效的 xlsx（zip 结构损坏：{exc}）",
                                 f"not a valid xlsx (broken zip: {exc})"), file=display) from None

