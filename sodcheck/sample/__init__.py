"""The monthly internal-control sample (docs/sample.md): ``sodcheck sample`` draws last month's
completed businesses to re-check, reproducibly, and ``sodcheck sample report`` turns the filled
worksheets into the monthly 内部控制稽核情况 report. Writers take a finished Sample or MonthlyReport,
never the engine or the inputs."""
from __future__ import annotations

import importlib
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..model import SodcheckError, Text
from ..pipeline import CheckRequest, Progress, run
from ..ruleset import Ruleset
from .draw import Sample, default_seed, draw_from_log, previous_month

if TYPE_CHECKING:
    from ..model import Report
    from ..ops.frame import OpsLog
    from .filled import FilledWorksheet
    from .monthly import MonthlyReport

# --format of `sodcheck sample` -> writer module
SAMPLE_FORMATS = {"xlsx": "worksheet", "json": "sample_json", "csv": "sample_csv", "table": "sample_table"}
# --format of `sodcheck sample report` -> writer module
REPORT_FORMATS = {"xlsx": "monthly_xlsx", "html": "monthly_html", "json": "monthly_json"}


def draw_sample(request: CheckRequest, month: str | None = None, seed: int | None = None,
                ruleset: Ruleset | None = None, progress: Progress | None = None) -> Sample:
    """The sample of the month (default: the month before ``request.as_of``) from the operation logs
    of the request and the findings of a check run over all its inputs."""
    if not (request.ops or request.ops_tables):
        raise SodcheckError(Text("抽样需要操作日志：请用 --ops 给出上月的操作日志",
                                 "a sample is drawn from operation logs: give last month's logs with --ops"))
    chosen = month or previous_month(request.as_of)
    drawn: list[Sample] = []
    run(request, ruleset, progress,
        with_ops=lambda log, report: drawn.append(draw_from_log(log, report, chosen, default_seed(chosen)
                                                                if seed is None else seed)))
    return replace(drawn[0], inputs=tuple([Path(p).name for p in request.ops] + list(request.ops_tables)))


class Worksheets:
    """Filled monthly worksheets, and each one's sample drawn again from a check run's log and
    findings (``redraw`` is that run's ``with_ops``). Compared with the worksheets, a sample picked
    by hand, or one of other logs, then shows."""

    def __init__(self, paths: list[str]):
        from .filled import read_filled

        self.filled: list[FilledWorksheet] = [read_filled(path) for path in paths]
        self.redraws: dict[tuple[str, int], Sample] = {}

    def redraw(self, log: OpsLog, report: Report) -> None:
        for month, seed in sorted({(sheet.month, sheet.seed) for sheet in self.filled}):
            self.redraws[(month, seed)] = draw_from_log(log, report, month, seed)

    def report(self) -> MonthlyReport:
        from .monthly import build_report

        return build_report(self.filled, self.redraws)


def read_worksheets(paths: list[str], request: CheckRequest) -> MonthlyReport:
    """The monthly report of the filled worksheets at ``paths``, each compared with a redraw when the
    request has operation logs."""
    worksheets = Worksheets(paths)
    if request.ops or request.ops_tables:
        run(request, with_ops=worksheets.redraw)
    return worksheets.report()


def render_sample(fmt: str, sample: Sample, lang: str) -> str | bytes:
    return importlib.import_module(f"{__name__}.{SAMPLE_FORMATS[fmt]}").render(sample, lang)


def render_report(fmt: str, report, lang: str) -> str | bytes:
    return importlib.import_module(f"{__name__}.{REPORT_FORMATS[fmt]}").render(report, lang)
