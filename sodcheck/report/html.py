"""One self-contained HTML page: summary cards, inline-SVG charts, a violations table that filters
and sorts, notices, data issues, the assessment items at risk and the grant path of permission
findings. It loads nothing from anywhere (a Content-Security-Policy says so to the browser too),
so it opens offline and can be mailed or archived as it is.

Names, posts and file names come from uploaded files: every one of them goes through
html.escape, and the data the script reads sits in a JSON block with <, > and & escaped.
"""
from __future__ import annotations

import base64
import hashlib
import json
from collections import Counter
from html import escape

from .. import __version__
from ..model import SEVERITY_RANK, Evidence, Report, Violation
from ..text import labelled
from .text import as_shown, assessment_rows, evidence_line, file_names, location, path_step, subject_id, units_text
from .wording import HTML, words
from .xlsx import SEVERITIES, status_text, text_width
from .xlsx import WORDS as SHEET_WORDS

WORDS = {lang: {**SHEET_WORDS[lang], **words(HTML, lang)} for lang in ("zh", "en")}
BAR = {"high": "#c0392b", "medium": "#e08e0b", "low": "#d4b106"}
RULE_BAR = "#2f5d8a"

CSS = """
:root{--ink:#1f2933;--muted:#5f6b7a;--line:#d9dee5;--head:#1f4e78;--bg:#f6f8fa}
*{box-sizing:border-box}
body{margin:0;padding:24px 32px;color:var(--ink);background:#fff;
 font:14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","Microsoft YaHei","PingFang SC",
 "Hiragino Sans GB","WenQuanYi Micro Hei",system-ui,sans-serif}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;color:var(--head);
 border-bottom:2px solid var(--head);padding-bottom:3px}h3{font-size:14px;margin:0 0 6px}
.meta{color:var(--muted);margin:0}.meta b{color:var(--ink);font-weight:600}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin:18px 0}
.card{flex:1 1 120px;border:1px solid var(--line);border-radius:8px;padding:10px 14px;background:var(--bg)}
.card .n{font-size:26px;font-weight:700;line-height:1.2}.card .l{color:var(--muted);font-size:13px}
.card.bad{border-color:#e6a5a0;background:#fdf0ef}.card.bad .n{color:#c0392b}
.card.warn{border-color:#eccb8a;background:#fdf7ea}.card.note{border-color:#a9c6e8;background:#eef5fc}
.charts{display:flex;flex-wrap:wrap;gap:16px;margin-top:18px}
.chart{flex:1 1 300px;border:1px solid var(--line);border-radius:8px;padding:10px 12px}
.chart svg{display:block;max-width:100%;height:auto}
svg text{font-family:inherit}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid var(--line);padding:5px 7px;text-align:left;vertical-align:top}
th{background:var(--head);color:#fff;font-weight:600;white-space:nowrap}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th::after{content:" \\2195";opacity:.45;font-size:11px}
table.sortable th[aria-sort=ascending]::after{content:" \\25B2";opacity:1}
table.sortable th[aria-sort=descending]::after{content:" \\25BC";opacity:1}
tbody tr:nth-child(even){background:#fafbfc}
td.num{text-align:right;white-space:nowrap}
.sev{display:inline-block;min-width:2.6em;text-align:center;border-radius:4px;padding:0 6px;
 font-weight:600;white-space:nowrap}
.sev-high{background:#FFC7CE;color:#9c0006}.sev-medium{background:#FFE699;color:#7a5200}
.sev-low{background:#FFF2CC;color:#6b5a00}.sev-notice{background:#DDEBF7;color:#1f4e78}
tr.high td:first-child{box-shadow:inset 4px 0 #c0392b}tr.medium td:first-child{box-shadow:inset 4px 0 #e08e0b}
tr.low td:first-child{box-shadow:inset 4px 0 #d4b106}
.id{color:var(--muted);font-size:12px;white-space:nowrap}.sub{color:var(--muted);font-size:12px}
table.findings td:last-child{min-width:19em}table.findings td:nth-child(4){min-width:8em}
.ev{margin:0;padding:0;list-style:none}.ev li{margin:0 0 2px}
.ev .loc{color:var(--muted);font-size:12px}
.path svg{display:block;max-width:100%;height:auto;margin:4px 0}
.status{color:var(--muted);font-size:12px}
.remedy{color:#1f4e78;font-size:12px}
.filters{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:0 0 8px}
.filters select,.filters input{font:inherit;padding:4px 6px;border:1px solid #b8c0cc;border-radius:4px}
.filters input{flex:1 1 220px}.filters .count,.hint{color:var(--muted);font-size:12px}
.empty{color:#2e7d32;font-weight:600}
.items td:first-child{white-space:nowrap;font-weight:600}
footer{margin-top:32px;color:var(--muted);font-size:12px}
.print-only{display:none}
.sign{margin-top:28px;display:grid;grid-template-columns:1fr 1fr;gap:22px 40px;break-inside:avoid}
.sign div{display:flex;align-items:flex-end;gap:6px;white-space:nowrap}
.sign span{flex:1;border-bottom:1px solid var(--ink);min-height:1.4em}
@media screen{thead th{position:sticky;top:0}}
@page{size:A4;margin:14mm 10mm 16mm;
 @bottom-right{content:counter(page) " / " counter(pages);font-size:9pt;color:#5f6b7a}}
@media print{
 body{padding:0;font-size:10pt}
 h2{break-after:avoid;margin-top:16px}
 .filters,.hint{display:none}
 .print-only{display:block}
 .print-only[hidden]{display:none}
 .sign.print-only{display:grid}
 table{font-size:9pt}thead{display:table-header-group}
 th{white-space:normal}
 .id,.sub,.loc,.remedy,.status,footer,.card .l{font-size:9pt}
 .charts{flex-direction:column;gap:8px}
 table.sortable th::after{content:none}
 table.findings{table-layout:fixed}
 table.findings td:last-child,table.findings td:nth-child(4){min-width:0}
 table.findings th:nth-child(1){width:7%}table.findings th:nth-child(2){width:17%}
 table.findings th:nth-child(3){width:12%}table.findings th:nth-child(4){width:12%}
 table.findings th:nth-child(5){width:26%}table.findings th:nth-child(6){width:26%}
 td{overflow-wrap:anywhere}
 tr,.card,.chart{break-inside:avoid}
 .cards{gap:6px;flex-wrap:nowrap}.card{flex:1 1 0;padding:4px 8px}.card .n{font-size:16pt}
 .id{white-space:normal;overflow-wrap:anywhere}
 .chart{flex:none}
 th{background:#dde6f0 !important;color:#000}
 *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
"""

SCRIPT = """
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sodcheck-data").textContent);
  var lang = document.documentElement.lang;

  function key(cell) {
    var k = cell.getAttribute("data-sort");
    return k !== null ? k : cell.textContent.trim();
  }
  function compare(a, b) {
    var x = Number(a), y = Number(b);
    if (a !== "" && b !== "" && !isNaN(x) && !isNaN(y)) { return x - y; }
    return a.localeCompare(b, lang);
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var heads = table.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, column) {
      th.tabIndex = 0;
      function sort() {
        var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) { return dir * compare(key(r1.cells[column]), key(r2.cells[column])); });
        rows.forEach(function (r) { body.appendChild(r); });
      }
      th.addEventListener("click", sort);
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
      });
    });
  });

  var table = document.getElementById("violations-table");
  if (!table) { return; }
  var severity = document.getElementById("f-severity"), rule = document.getElementById("f-rule");
  var unit = document.getElementById("f-unit"), text = document.getElementById("f-text");
  var count = document.getElementById("f-count"), note = document.getElementById("f-note");
  function apply() {
    var q = text.value.trim().toLowerCase(), shown = 0;
    Array.prototype.forEach.call(table.tBodies[0].rows, function (tr) {
      var d = data.violations[Number(tr.getAttribute("data-i"))];
      var ok = (!severity.value || d.severity === severity.value) &&
               (!rule.value || d.rule === rule.value) &&
               (!unit.value || d.units.indexOf(unit.value) !== -1) &&
               (!q || d.text.indexOf(q) !== -1);
      tr.hidden = !ok;
      if (ok) { shown += 1; }
    });
    var total = data.violations.length;
    count.textContent = data.words.shown.replace("{shown}", shown).replace("{total}", total);
    note.textContent = data.words.filtered.replace("{shown}", shown).replace("{total}", total);
    note.hidden = shown === total;
  }
  [severity, rule, unit].forEach(function (el) { el.addEventListener("change", apply); });
  text.addEventListener("input", apply);
  apply();
})();
"""


def e(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def script_json(value: object) -> str:
    """JSON that cannot close the <script> block it sits in, whatever the names say."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


# ----------------------------------------------------------------------------- SVG

def _label_px(text: str, size: int = 12) -> int:
    """Rough pixel width of a label: a CJK glyph is a full em, Latin about 0.62 em."""
    return int(sum(size if text_width(ch) == 2 else size * 0.62 for ch in text)) + 4


def _fit_label(text: str, room: int) -> str:
    """The label cut short with an ellipsis until it fits room pixels; the full text goes in a
    <title>, so nothing is lost to the reader."""
    shown = text
    while _label_px(shown) > room and len(shown) > 2:
        shown = shown[:-2] + "…"
    return shown


def points(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value if value is not None else "")


def bar_chart(title: str, items: list[tuple[str, int, str]], empty: str) -> str:
    """A horizontal bar chart: one bar per (label, value, colour)."""
    if not items or not any(v for _, v, _ in items):
        return f'<div class="chart"><h3>{e(title)}</h3><p class="empty">{e(empty)}</p></div>'
    label_w = min(200, max(_label_px(label) for label, _, _ in items)) + 8
    # The three charts sit side by side in about 380 px each: bars take what the labels leave.
    bar_w, row_h, top = max(120, 340 - label_w), 24, 4
    width = label_w + bar_w + 40
    height = top + row_h * len(items) + 4
    top_value = max(v for _, v, _ in items)
    parts = [f'<svg viewBox="0 0 {width} {height}" width="{width}" '
             f'height="{height}" role="img" aria-label="{e(title)}">']
    for n, (label, value, colour) in enumerate(items):
        y = top + n * row_h
        length = 0 if not top_value else max(2, round(bar_w * value / top_value)) if value else 0
        parts.append(f'<text x="{label_w - 6}" y="{y + 16}" text-anchor="end" font-size="12" '
                     f'fill="#1f2933"><title>{e(label)}</title>{e(_fit_label(label, label_w - 8))}</text>')
        parts.append(f'<rect x="{label_w}" y="{y + 4}" width="{length}" height="{row_h - 8}" rx="2" '
                     f'fill="{colour}"/>')
        parts.append(f'<text x="{label_w + length + 5}" y="{y + 16}" font-size="12" '
                     f'fill="#1f2933">{value}</text>')
    parts.append("</svg>")
    return f'<div class="chart"><h3>{e(title)}</h3>{"".join(parts)}</div>'


def path_graph(nodes: list[str], title: str, max_width: int = 380) -> str:
    """A grant path (account → role → … → duty) as boxes joined by arrows. A path too long for
    the evidence column goes on in a new line that starts with an arrow, instead of shrinking."""
    gap, pad, height, line_gap = 26, 8, 30, 10
    widths = [min(max_width - gap - 2, _label_px(n) + 2 * pad) for n in nodes]
    placed: list[tuple[float, int]] = []          # (x, line) of each box
    x, line = 1.0, 0
    for n, w in enumerate(widths):
        if n and x + w > max_width:
            x, line = 1.0 + gap, line + 1
        placed.append((x, line))
        x += w + gap
    total = int(max(px + w for (px, _), w in zip(placed, widths))) + 2
    lines = placed[-1][1] + 1
    full = lines * height + (lines - 1) * line_gap + 2
    parts = [f'<svg viewBox="0 0 {total} {full}" width="{total}" height="{full}" role="img" '
             f'aria-label="{e(title)}">']

    def arrow(x0: float, x1: float, y: float) -> None:
        parts.append(f'<line x1="{x0:.1f}" y1="{y:.1f}" x2="{x1 - 6:.1f}" y2="{y:.1f}" '
                     'stroke="#5f6b7a" stroke-width="1.5"/>')
        parts.append(f'<polygon points="{x1 - 7:.1f},{y - 4:.1f} {x1:.1f},{y:.1f} {x1 - 7:.1f},{y + 4:.1f}" '
                     'fill="#5f6b7a"/>')

    for n, (node, w, (bx, bl)) in enumerate(zip(nodes, widths, placed)):
        last = n == len(nodes) - 1
        top = 1 + bl * (height + line_gap)
        middle = top + height / 2
        if n:
            px, pl = placed[n - 1]
            arrow(px + widths[n - 1] + 2 if pl == bl else 1, bx - 2, middle)
        parts.append(f'<rect x="{bx:.1f}" y="{top}" width="{w}" height="{height}" rx="5" '
                     f'fill="{"#FFC7CE" if last else "#eef3f8"}" '
                     f'stroke="{"#c0392b" if last else "#2f5d8a"}"/>')
        parts.append(f'<text x="{bx + w / 2:.1f}" y="{middle + 4:.1f}" text-anchor="middle" '
                     f'font-size="12" fill="#1f2933"><title>{e(node)}</title>'
                     f'{e(_fit_label(node, w - 2 * pad + 1))}</text>')
    parts.append("</svg>")
    return "".join(parts)


# ----------------------------------------------------------------------------- sections

def _table(head: list[str], rows: list[str], attributes: str = 'class="sortable"') -> str:
    return (f"<table {attributes}><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head)
            + "</tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def _evidence_html(v: Violation, report: Report, lang: str) -> str:
    w = WORDS[lang]
    items = []
    for ev in v.evidence:
        if ev.path:
            nodes = [path_step(s, lang) for s in ev.path] + [report.duty_label(ev.duty, lang)]
            more = f' <span class="loc">({e(w["more_paths"].format(n=ev.more_paths))})</span>' \
                if ev.more_paths else ""
            where = location(as_shown(ev, report), lang)
            items.append(f'<li class="path"><span class="loc">{e(w["path"])}'
                         f'{": " + e(where) if where else ""}</span>{more}'
                         f'{path_graph(nodes, " → ".join(nodes))}</li>')
        else:
            items.append(f"<li>{_evidence_text(ev, report, lang)}</li>")
    return f'<ul class="ev">{"".join(items)}</ul>' if items else ""


def _evidence_text(ev: Evidence, report: Report, lang: str) -> str:
    shown = as_shown(ev, report)
    what = evidence_line(shown, report, lang)
    where = location(shown, lang)
    if where and what.startswith(where):
        return f'<span class="loc">{e(where)}</span> {e(what[len(where):].lstrip(":").strip())}'
    return e(what)


def _findings_table(items, report: Report, lang: str, show_ids: bool, table_id: str,
                    notice: bool) -> str:
    w = WORDS[lang]
    head = [w["severity"], w["rule"], w["subject"], w["unit"], w["message"], w["evidence"]]
    rows = []
    for n, v in enumerate(items):
        rule = report.rule(v.rule_id)
        subject = e(v.subject.name)
        if v.subject.kind != "person":
            subject += f' <span class="id">({e(w["subject_kinds"].get(v.subject.kind, v.subject.kind))})</span>'
        shown_id = subject_id(v, show_ids)
        if shown_id:
            subject += f'<br><span class="id">{e(shown_id)}</span>'
        status = status_text(v, lang)
        message = e(v.message.get(lang))
        remedy = report.remedy(v.rule_id, lang)
        if remedy:
            message += f'<br><span class="remedy">{e(labelled(w["remedy"], remedy, lang))}</span>'
        if status:
            message += f'<br><span class="status">{e(status)}</span>'
        css = "notice" if notice else v.severity
        label = w["notice"] if notice else w[v.severity]
        rows.append(
            f'<tr class="{v.severity}" data-i="{n}">'
            f'<td data-sort="{SEVERITY_RANK[v.severity]}"><span class="sev sev-{css}">{e(label)}</span></td>'
            f'<td><b>{e(v.rule_id)}</b><br><span class="sub">{e(rule.title.get(lang) if rule else "")}</span></td>'
            f"<td>{subject}</td><td>{e(units_text(v, lang))}</td><td>{message}</td>"
            f"<td>{_evidence_html(v, report, lang)}</td></tr>")
    return _table(head, rows, f'id="{table_id}" class="sortable findings"')


def _filters(report: Report, lang: str) -> str:
    w = WORDS[lang]
    rules = sorted({v.rule_id for v in report.violations})
    units = sorted({u for v in report.violations for u in v.units})

    def select(ident: str, everything: str, options: list[tuple[str, str]]) -> str:
        return (f'<select id="{ident}" aria-label="{e(everything)}"><option value="">{e(everything)}</option>'
                + "".join(f'<option value="{e(value)}">{e(label)}</option>' for value, label in options)
                + "</select>")

    return ('<div class="filters">'
            + select("f-severity", w["all_severities"], [(s, w[s]) for s in SEVERITIES])
            + select("f-rule", w["all_rules"], [(r, r) for r in rules])
            + select("f-unit", w["all_units"], [(u, u) for u in units])
            + f'<input id="f-text" type="search" placeholder="{e(w["search"])}" aria-label="{e(w["search"])}">'
            + '<span class="count" id="f-count"></span></div>'
            + f'<p class="hint">{e(w["sort_hint"])}</p>'
            + '<p class="print-only" id="f-note" hidden></p>')


def _search_text(v: Violation, report: Report, lang: str, show_ids: bool) -> str:
    parts = [v.rule_id, v.subject.name, v.subject.unit or "", v.message.get(lang),
             subject_id(v, show_ids) or ""]
    parts += [evidence_line(ev, report, lang) for ev in v.evidence]
    rule = report.rule(v.rule_id)
    if rule:
        parts.append(rule.title.get(lang))
    return " ".join(parts).lower()


def _cards(report: Report, lang: str) -> str:
    w = WORDS[lang]
    counted = sum(1 for v in report.violations if v.counts)
    cards = [(w["violations"], len(report.violations), "bad" if report.violations else ""),
             (w["counted"], counted, "bad" if counted else ""),
             (w["notices"], len(report.notices), "note" if report.notices else ""),
             (w["warnings"], len(report.warnings), "warn" if report.warnings else "")]
    if report.stat("people") is not None:
        cards.append((w["people"], report.stat("people"), ""))
    if report.stat("units") is not None:
        cards.append((w["units"], report.stat("units"), ""))
    return '<section class="cards">' + "".join(
        f'<div class="card {css}"><div class="n">{e(n)}</div><div class="l">{e(label)}</div></div>'
        for label, n, css in cards) + "</section>"


def _assessment(report: Report, lang: str) -> str:
    w = WORDS[lang]
    items = assessment_rows(report, lang)
    out = f'<h2 id="assessment">{e(w["assessment"])}</h2>'
    if not items:
        return out + f'<p class="empty">{e(w["no_assessment"])}</p>'
    rows = [f'<tr><td>{e(w["item_value"].format(item=i["item"]))}</td><td>{e(i["title"])}</td>'
            f'<td class="num">{e(points(i["points"]))}</td><td class="num">{i["count"]}</td>'
            f'<td>{e(", ".join(i["rules"]))}</td></tr>' for i in items]
    head = [w["item"], w["item_title"], w["points"], w["count"], w["rules"]]
    return out + _table(head, rows, 'class="items"')


def _charts(report: Report, lang: str) -> str:
    w = WORDS[lang]
    by_rule = Counter(v.rule_id for v in report.violations)
    by_unit = Counter(u for v in report.violations for u in (v.units or ("",)))
    severity = [(w[s], sum(1 for v in report.violations if v.severity == s), BAR[s]) for s in SEVERITIES]
    # Bars are named by the rule's title, which officers read; the id stays in the tables.
    rules = [(r.title.get(lang), by_rule[r.id], BAR[r.severity]) for r in report.rules if by_rule[r.id]]
    units = [(u or "—", n, RULE_BAR) for u, n in sorted(by_unit.items(), key=lambda x: (-x[1], x[0]))]
    return ('<section class="charts">'
            + bar_chart(w["by_severity_chart"], severity, w["no_violations"])
            + bar_chart(w["by_rule_chart"], rules, w["no_violations"])
            + bar_chart(w["by_unit_chart"], units, w["no_violations"]) + "</section>")


def _warnings(report: Report, lang: str) -> str:
    w = WORDS[lang]
    out = f'<h2 id="warnings">{e(w["warnings"])} ({len(report.warnings)})</h2>'
    if not report.warnings:
        return out + f'<p class="empty">{e(w["no_warnings"])}</p>'
    rows = [f'<tr><td><span class="sev sev-notice">{e(x.code)}</span></td><td>{e(x.file)}</td>'
            f'<td>{e(x.sheet)}</td><td class="num">{e(x.row)}</td><td>{e(x.column)}</td>'
            f"<td>{e(x.message.get(lang))}</td></tr>" for x in report.warnings]
    head = [w["code"], w["file"], w["sheet"], w["row"], w["column"], w["message"]]
    return out + _table(head, rows)


def _rules(report: Report, lang: str) -> str:
    w = WORDS[lang]
    counts = Counter(v.rule_id for v in report.violations)
    rows = []
    for rule in report.rules:
        a = dict(rule.assessment)
        item = ""
        if a:
            title = a.get("title")
            item = w["item_value"].format(item=a["item"]) + " " + (
                title.get(lang) if hasattr(title, "get") else str(title or ""))
            if a.get("points") is not None:
                item += f" ({points(a['points'])})"
        rows.append(f'<tr><td><b>{e(rule.id)}</b></td><td><span class="sev sev-{rule.severity}">'
                    f'{e(w[rule.severity])}</span></td><td>{e(rule.title.get(lang))}</td>'
                    f"<td>{e(rule.source)}</td><td>{e(item)}</td>"
                    f'<td class="num">{counts[rule.id]}</td></tr>')
    head = [w["rule"], w["severity"], w["rule_title"], w["source"], w["item"], w["count"]]
    return f'<h2 id="rules">{e(w["rules_title"])} ({len(report.rules)})</h2>' + _table(head, rows)


def _sign_block(lang: str) -> str:
    """填报单位 / 日期 / 检查人 / 审核人 with a line to sign on, at the end of the printed report."""
    w = WORDS[lang]
    fields = "".join(f"<div>{e(w[key])}<span></span></div>"
                     for key in ("sign_unit", "sign_date", "sign_checker", "sign_reviewer"))
    return f'<section class="sign print-only">{fields}</section>'


def page_numbers_css(lang: str) -> str:
    """The page number in the printed page's bottom margin, in the report's language (the shared
    stylesheet has a bare "3 / 10")."""
    return f'@page{{@bottom-right{{content:"{WORDS[lang]["page_counter"]}"}}}}'


def render(report: Report, options) -> str:
    lang, show_ids = options.lang, options.show_ids
    w = WORDS[lang]
    data = {
        "words": {"shown": w["shown"], "filtered": w["filtered"]},
        "violations": [{"severity": v.severity, "rule": v.rule_id, "units": list(v.units),
                        "text": _search_text(v, report, lang, show_ids)} for v in report.violations],
    }
    body = [f"<header><h1>{e(w['title'])}</h1>",
            f'<p class="meta"><b>{e(w["as_of"])}</b> {e(report.as_of.isoformat())} · '
            f'<b>{e(w["inputs"])}</b> {e(", ".join(file_names(report).values()))}</p>',
            f'<p class="meta"><b>{e(w["ruleset"])}</b> '
            f'{e(w["ruleset_value"].format(n=len(report.rules), ids=", ".join(r.id for r in report.rules)))}'
            "</p></header>",
            _cards(report, lang), _assessment(report, lang), _charts(report, lang),
            f'<h2 id="violations">{e(w["violations"])} ({len(report.violations)})</h2>']
    if report.violations:
        body.append(_filters(report, lang))
        body.append(_findings_table(report.violations, report, lang, show_ids, "violations-table", False))
    else:
        body.append(f'<p class="empty">{e(w["no_violations"])}</p>')
    body.append(f'<h2 id="notices">{e(w["notices"])} ({len(report.notices)})</h2>')
    body.append(_findings_table(report.notices, report, lang, show_ids, "notices-table", True)
                if report.notices else f'<p class="empty">{e(w["no_notices"])}</p>')
    body.append(_warnings(report, lang))
    body.append(_rules(report, lang))
    body.append(_sign_block(lang))
    body.append(f"<footer>{e(w['generated'].format(version=__version__))}</footer>")
    css = CSS + page_numbers_css(lang)
    csp = (f"default-src 'none'; style-src {csp_hash(css)}; script-src {csp_hash(SCRIPT)}; "
           "img-src data:; base-uri 'none'; form-action 'none'")
    return ("<!DOCTYPE html>\n"
            f'<html lang="{w["lang"]}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            '<meta name="referrer" content="no-referrer">'
            f"<title>{e(w['title'])} {e(report.as_of.isoformat())}</title>"
            f"<style>{css}</style></head><body>"
            + "".join(body)
            + f'<script type="application/json" id="sodcheck-data">{script_json(data)}</script>'
            + f"<script>{SCRIPT}</script></body></html>\n")
