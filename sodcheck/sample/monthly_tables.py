"""The monthly report's tables in one language, shared by the xlsx and HTML writers so that the
two always say the same."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..text import location_text
from .monthly import CheckedBusiness, MonthlyReport
from .wording import REPORT_WORDS, WORDS, type_text


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[object, ...], ...]


def lead(report: MonthlyReport, lang: str) -> str:
    return REPORT_WORDS[lang]["lead"].format(
        sampled=sum(t.sampled for t in report.types), checked=sum(t.checked for t in report.types),
        problems=sum(t.problems for t in report.types), pending=sum(t.pending for t in report.types),
        blank=sum(t.blank for t in report.types))


def sections(report: MonthlyReport, lang: str) -> list[Section]:
    w = REPORT_WORDS[lang]

    def listing(rows: tuple[CheckedBusiness, ...]) -> tuple[tuple[object, ...], ...]:
        return tuple((b.month, b.biz_id, type_text(b.biz_type, lang), WORDS[lang][b.reason], " ".join(b.rules),
                      b.description, b.checker, b.checked_on) for b in rows)

    business_headers = (w["month"], w["biz_id"], w["biz_type"], w["reason"], w["rules"], w["description"],
                        w["checker"], w["checked_on"])
    types = [(t.month, type_text(t.biz_type, lang), report.class_label(t.class_id, lang), t.sampled, t.checked,
              t.problems, t.pending, t.blank) for t in report.types]
    if types:
        counts = ("sampled", "checked", "problems", "pending", "blank")
        types.append((w["total"], "", "", *(sum(getattr(t, c) for t in report.types) for c in counts)))
    checkers = Counter((b.month, b.checker) for b in report.businesses if b.checker)
    redraw = {"match": w["match"], "mismatch": w["mismatch"], "": w["not_checked"]}
    return [
        Section("worksheets", w["worksheets"], (w["file"], w["month"], w["seed"], w["intact"], w["redraw"]),
                tuple((s.file, s.month, s.seed, w["yes"] if s.intact else w["no"], redraw[s.redraw])
                      for s in report.worksheets)),
        Section("by_type", w["by_type"], (w["month"], w["biz_type"], w["class"], w["sampled"], w["checked"],
                                          w["problems"], w["pending"], w["blank"]), tuple(types)),
        Section("problems", w["problem_list"], business_headers, listing(report.with_conclusion("problem"))),
        Section("pending", w["pending_list"], business_headers, listing(report.with_conclusion("pending"))),
        Section("checkers", w["checkers"], (w["month"], w["checker"], w["count"]),
                tuple((month, who, n) for (month, who), n in sorted(checkers.items()))),
        Section("flags", w["flags"], (w["file"], w["code"], w["message"]),
                tuple((location_text(lang, f.file or None, f.sheet or None, f.row or None, None, f.column or None),
                       f.code, f.message.get(lang)) for f in report.flags)),
    ]
