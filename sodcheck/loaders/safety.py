"""Refusing hostile workbooks before a parser sees them.

An xlsx is a zip of XML: a tiny upload can unpack to gigabytes (a zip bomb) or carry XML entity
tricks. Sizes are judged from the zip directory, and the XML parts are parsed with defusedxml.
"""
from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from ..model import SodcheckError, Text

MAX_ENTRIES = 10_000
MAX_UNCOMPRESSED = 512 * 1024 * 1024
MAX_RATIO = 200


def check_zip(path: Path, display: str) -> None:
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
                if info.filename.endswith((".xml", ".rels")) and info.file_size < 64 * 1024 * 1024:
                    _check_xml(archive.read(info), info.filename, display)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, ValueError) as exc:
        raise SodcheckError(Text(f"文件不是有效的 xlsx（zip 结构损坏：{exc}）",
                                 f"not a valid xlsx (broken zip: {exc})"), file=display) from None


def _check_xml(data: bytes, member: str, display: str) -> None:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        fromstring(data)
    except DefusedXmlException as exc:
        raise SodcheckError(Text(f"xlsx 的 {member} 含有不安全的 XML（{type(exc).__name__}），已拒绝",
                                 f"xlsx part {member} holds unsafe XML ({type(exc).__name__}); refused"),
                            file=display) from None
    except ParseError as exc:
        raise SodcheckError(Text(f"xlsx 的 {member} 不是有效的 XML：{exc}",
                                 f"xlsx part {member} is not valid XML: {exc}"), file=display) from None
