"""The self-assessment as one offline HTML page: total and section scores, the table with 自评得分
and 扣分依据 (each problem number links to its problem), the problems by item, scores per unit and
整改进度. Styled like the check report (its CSS), prints on A4."""
from __future__ import annotations

from .. import __version__
from ..report.html import CSS, csp_hash, e
from .scoring import Assessment
from .wording import WORDS, evidence_lines, item_text, ref_text, score_text, source_note, status_text, subject_text

EXTRA_CSS = """
.score{font-size:28px;font-weight:700;color:var(--head)}
tr.section td{background:#dde6f0;font-weight:600}tr.total td{background:#fff2cc;font-weight:700}
td.num{text-align:right}td.st{white-space:nowrap}.sign{margin-top:28px;white-space:pre-line}
@media print{@page{size:A4;margin:12mm 10mm;@bottom-center{content:counter(page)}}body{font-size:10pt}
 table{font-size:9pt}}
"""


def _table(head: list[str], rows: list[str]) -> str:
    return ("<table><thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table>")


def render(a: Assessment, options) -> str:
    lang = options.lang
    w = WORDS[lang]
    title = f"{a.plan.info.title.text().get(lang)}（{a.plan.info.source}）"
    body = [f"<header><h1>{e(w['title'])}</h1><p class=\"meta\"><b>{e(w['plan'])}</b> {e(title)} · "
            f"<b>{e(w['as_of'])}</b> {e(a.as_of.isoformat())} · <b>{e(w['scale'])}</b> "
            f"{e(a.scale.definition.title.text().get(lang))}</p>"
            f"<p class=\"meta\"><b>{e(w['agency'])}</b> {e(a.answers.agency or w['blank'])} · "
            f"<b>{e(w['inputs'])}</b> {e(', '.join(a.inputs))}</p></header>",
            f"<p class=\"score\">{e(w['total'])} "
            f"{e(w['total_value'].format(total=a.total, judged=a.judged, max=a.max))}"
            f"</p><p class=\"meta\">{e(w['unjudged'].format(points=a.max - a.judged))}</p>"]
    rows = []
    for s in a.sections:
        rows.append(f'<tr class="section"><td>{e(s.id)}</td><td>{e(s.title.get(lang))}</td>'
                    f'<td class="num">{s.points:g}</td><td></td><td class="num">{e(score_text(s.score))}</td>'
                    "<td></td><td></td><td></td></tr>")
        for i in (i for i in a.items if i.section == s.id):
            links = ", ".join(f'<a href="#p{f.ref}">{e(ref_text(f, lang))}</a>' for f in i.findings)
            answer = i.answer
            measures = " / ".join(x for x in ((answer.measures, answer.owner, answer.deadline) if answer else ()) if x)
            rows.append(f'<tr id="item{i.item}"><td>{i.item}</td><td>{e(item_text(i, lang))}</td>'
                        f'<td class="num">{i.points:g}</td><td>{e(w["methods"][i.method])}</td>'
                        f'<td class="num">{e(score_text(i.score))}</td><td class="st">{e(status_text(i, lang))}</td>'
                        f"<td>{e(i.basis.get(lang))}{'<br>' + links if links else ''}</td><td>{e(measures)}</td></tr>")
    rows.append(f'<tr class="total"><td></td><td>{e(w["grand_total"])}</td><td class="num">{a.max:g}</td><td></td>'
                f'<td class="num">{a.total:g}</td><td></td><td></td><td></td></tr>')
    body.append(f"<h2>{e(w['sheets']['items'])}</h2>")
    body.append(_table([w["no"], w["item_text"], w["points"], w["method"], w["score"], w["status"], w["basis"],
                        f"{w['measures']} / {w['owner']} / {w['deadline']}"], rows))
    body.append(f'<p class="sub">{e(source_note(a, lang))}</p>')
    body.append(f"<h2>{e(w['sheets']['findings'])} ({len(a.findings)})</h2>")
    if a.findings:
        body.append(_table([w["ref"], w["item"], w["severity"], w["subject"], w["units"], w["message"],
                            w["evidence"], w["remedy"]], [
            f'<tr id="p{f.ref}"><td>{e(ref_text(f, lang))}</td>'
            f'<td><a href="#item{f.item}">{e(w["item_value"].format(item=f.item))}</a></td>'
            f'<td><span class="sev sev-{f.violation.severity}">{e(w["severities"][f.violation.severity])}</span></td>'
            f"<td>{e(subject_text(f))}</td><td>{e('、'.join(f.units) if lang == 'zh' else ', '.join(f.units))}</td>"
            f"<td>{e(f.violation.message.get(lang))}{'' if f.counts else ' (' + e(w['waived']) + ')'}</td>"
            f"<td>{e(evidence_lines(f, a, lang)).replace(chr(10), '<br>')}</td>"
            f"<td>{e(a.report.remedy(f.violation.rule_id, lang))}</td></tr>" for f in a.findings]))
    else:
        body.append(f'<p class="empty">{e(w["no_findings"])}</p>')
    if a.units:
        body.append(f"<h2>{e(w['sheets']['units'])}</h2>")
        body.append(_table([w["unit"], w["unit_score"], w["unit_max"]], [
            f'<tr><td>{e(u.unit)}</td><td class="num">{u.score:g}</td><td class="num">{u.max:g}</td></tr>'
            for u in a.units]))
        body.append(f'<p class="sub">{e(w["unit_note"])}</p>')
    body.append(f"<h2>{e(w['progress'])}</h2>")
    if not a.baseline:
        body.append(f"<p>{e(w['no_baseline'])}</p>")
    elif not a.fixed:
        body.append(f"<p>{e(w['fixed_none'])}</p>")
    else:
        body.append(f"<p>{e(w['fixed'])} · {e(w['baseline'])} {e(a.baseline)}</p>")
        body.append(_table([w["item"], w["rule"], w["subject"], w["unit"]], [
            f"<tr><td>{e(w['item_value'].format(item=f.item))}</td><td>{e(f.rule_id)}</td><td>{e(f.name)}</td>"
            f"<td>{e(f.unit or '')}</td></tr>" for f in a.fixed]))
    body.append(f'<p class="sign">{e(w["signature"])}</p>')
    body.append(f"<footer>{e(w['generated'].format(version=__version__))}</footer>")
    css = CSS + EXTRA_CSS
    csp = f"default-src 'none'; style-src {csp_hash(css)}; base-uri 'none'; form-action 'none'"
    return ("<!DOCTYPE html>\n"
            f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
            f"<title>{e(w['title'])} {e(a.as_of.isoformat())}</title><style>{css}</style></head><body>"
            + "".join(body) + "</body></html>\n")
