"""The monthly report as one offline HTML page: the same tables as the workbook, printable."""
from __future__ import annotations

from html import escape

from .monthly import MonthlyReport
from .monthly_tables import lead, sections
from .wording import REPORT_WORDS

STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.5em; } h2 { font-size: 1.15em; margin-top: 1.6em; border-bottom: 2px solid #1F4E78; }
table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
th { background: #1F4E78; color: #fff; text-align: left; }
th, td { border: 1px solid #BFBFBF; padding: 4px 6px; vertical-align: top; }
tr:nth-child(even) td { background: #F5F8FC; }
.signature { margin-top: 3em; font-size: 1.05em; white-space: pre; }
@media print { body { margin: 0; } h2 { page-break-after: avoid; } }
"""


def render(report: MonthlyReport, lang: str) -> str:
    w = REPORT_WORDS[lang]
    parts = [f'<!DOCTYPE html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
             f"<title>{escape(w['title'])}</title><style>{STYLE}</style></head><body>",
             f"<h1>{escape(w['title'])}</h1>",
             f"<p>{escape(w['months'])}: {escape(', '.join(report.months) or w['none'])}</p>",
             f"<p>{escape(lead(report, lang))}</p>"]
    for section in sections(report, lang):
        parts.append(f'<h2 id="{section.key}">{escape(section.title)}</h2>')
        if not section.rows:
            parts.append(f"<p>{escape(w['none'])}</p>")
            continue
        head = "".join(f"<th>{escape(h)}</th>" for h in section.headers)
        body = "".join("<tr>" + "".join(f"<td>{escape(str(v))}</td>" for v in row) + "</tr>" for row in section.rows)
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append(f'<p class="signature">{escape(w["signature"])}</p></body></html>')
    return "\n".join(parts) + "\n"
