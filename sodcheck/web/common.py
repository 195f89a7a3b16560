"""What every part of the upload page shares: its messages in both languages, how a request says
which language it wants, and how a failure is logged without personal data."""
from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path

from ..model import Text

log = logging.getLogger("sodcheck.web")
PACKAGE = Path(__file__).resolve().parent.parent
MAX_FILES = 50

MESSAGES = {
    "unauthorized": Text("需要访问令牌：请先登录", "an access token is needed: log in first"),
    "too_large": Text("上传的文件太大：每次最多 {mb} MB", "the upload is too large: at most {mb} MB at a time"),
    "bad_length": Text("请求头 Content-Length 无效", "invalid Content-Length header"),
    "no_input": Text("请至少上传一个人员分工表（或权限导出、操作日志）",
                     "upload at least one staffing sheet (or permission export, or operation log)"),
    "no_ops": Text("月度抽查需要操作日志：请上传上月的操作日志", "the monthly sample is drawn from operation "
                   "logs: upload last month's operation log"),
    "bad_month": Text("抽查月份应为 YYYY-MM 格式，例如 2024-03", "the sample month must be YYYY-MM, e.g. 2024-03"),
    "bad_seed": Text("随机种子应为不超过 18 位的非负整数", "the random seed must be a whole number from 0, "
                     "at most 18 digits"),
    "too_many": Text(f"一次最多上传 {MAX_FILES} 个文件", f"at most {MAX_FILES} files at a time"),
    "bad_date": Text("检查基准日应为 YYYY-MM-DD 格式的日期", "the as-of date must be a date in the form YYYY-MM-DD"),
    "bad_request": Text("请求格式不对：{detail}", "bad request: {detail}"),
    "empty": Text("文件是空的", "the file is empty"),
    "bad_ext": Text("不支持的文件类型：这里需要 {kinds_zh}", "unsupported file type: expected {kinds_en} here"),
    "not_parquet": Text("文件扩展名是 parquet，但内容不是 parquet 文件（可能已损坏或被改名）",
                        "named like a parquet file, but the content is not parquet (damaged or renamed?)"),
    "not_xlsx": Text("这是 zip 压缩包，但不是 Excel 工作簿", "this is a zip archive, but not an Excel workbook"),
    "broken_zip": Text("文件不是有效的 xlsx（zip 结构损坏）", "not a valid xlsx (broken zip)"),
    "binary": Text("文件内容不是电子表格或文本（可能已损坏或被改名）",
                   "the content is neither a spreadsheet nor text (damaged or renamed?)"),
    "not_excel": Text("文件扩展名是 Excel，但内容不是 Excel 工作簿（可能已损坏或被改名）",
                      "named like an Excel file, but the content is not an Excel workbook "
                      "(damaged or renamed?)"),
    "workbook_not_here": Text("这里需要 {kinds_zh} 文件，但上传的是 Excel 工作簿",
                              "expected {kinds_en} here, but the upload is an Excel workbook"),
    "internal": Text("内部错误：检查没有完成，请联系管理员", "internal error: the check did not finish; "
                     "tell the administrator"),
    "too_slow": Text("检查超过了 {seconds} 秒的时间上限，已停止：请把文件拆小后分别检查，或请管理员调高 "
                     "--check-timeout",
                     "the check took longer than its limit of {seconds} s and was stopped: check smaller "
                     "files one at a time, or ask the administrator to raise --check-timeout"),
    "too_much_memory": Text("检查需要的内存超过了 {mb} MB 的上限，已停止：请把文件拆小后分别检查，或请管理员调高 "
                            "--check-memory-mb",
                            "the check needed more memory than its limit of {mb} MB and was stopped: check "
                            "smaller files one at a time, or ask the administrator to raise --check-memory-mb"),
    "busy": Text("服务器正忙，检查没有开始：请稍后再试", "the server is busy and the check did not start: try "
                 "again in a minute"),
    "stopping": Text("服务正在停止，检查没有完成：请稍后再试", "the service is stopping and the check did not "
                     "finish: try again shortly"),
    "not_found": Text("没有这个地址", "no such address"),
    "bad_method": Text("这个地址不支持该请求方法", "this address does not take that method"),
}


def msg(key: str, lang: str, **values: object) -> str:
    return MESSAGES[key].format(**values).get(lang) if values else MESSAGES[key].get(lang)


def lang_of(*given: str | None) -> str:
    """The first language asked for; Chinese, the page's own language, when none is."""
    return next((value for value in given if value in ("zh", "en")), "zh")


def scope_lang(scope) -> str:
    if scope.get("sodcheck.lang"):  # set once the form said which language
        return scope["sodcheck.lang"]
    query = scope.get("query_string", b"").decode("latin-1")
    match = re.search(r"(?:^|&)lang=(zh|en)(?:&|$)", query)
    return lang_of(match.group(1) if match else None)


def code_location(exc: BaseException) -> str:
    """Where in sodcheck's own code an exception was raised, as ``web/app.py:12``: the one detail a
    log may carry about a failure, since its message can quote a cell or a file name."""
    frames = traceback.extract_tb(exc.__traceback__)
    return next((f"{Path(f.filename).relative_to(PACKAGE)}:{f.lineno}" for f in reversed(frames)
                 if Path(f.filename).is_relative_to(PACKAGE)), "?")
