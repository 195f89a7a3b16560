"""The words of the self-assessment writers, zh and en side by side, and how a score reads."""
from __future__ import annotations

from typing import Any

from ..report.text import evidence_text
from ..report.wording import SEVERITY_WORDS, words
from .scoring import Assessment, ItemFinding, ItemResult

ASSESS: dict[str, Any] = {
    "title": ('内部控制自查自评表', 'Internal-control self-assessment'),
    "report_title": ('内部控制自查报告', 'Internal-control self-check report'),
    "draft": ('（草稿，请修改完善后签章报送）', '(draft: edit, sign and send)'),
    "plan": ('考核表', 'Assessment table'),
    "scale": ('扣分标准', 'Deduction scale'),
    "as_of": ('检查基准日', 'As of'),
    "inputs": ('检查依据的文件', 'Files checked'),
    "agency": ('填报单位', 'Agency'),
    "checker": ('检查人', 'Checked by'),
    "reviewer": ('审核人', 'Reviewed by'),
    "date": ('日期', 'Date'),
    "total": ('自评总分', 'Total score'),
    "total_value": ('{total:g} 分（已评 {judged:g} 分，满分 {max:g} 分）',
                    '{total:g} ({judged:g} of {max:g} points judged)'),
    "unjudged": ('未评分的项目共 {points:g} 分：未检查或待人工评分，不计满分。',
                 'Items worth {points:g} points have no score (unchecked or awaiting a person) '
                 'and count for nothing.'),
    "no": ('序号', 'No.'),
    "section": ('大项', 'Section'),
    "item_text": ('考核内容', 'Assessment item'),
    "points": ('分值', 'Points'),
    "method": ('评分方式', 'Judged by'),
    "score": ('自评得分', 'Score'),
    "status": ('状态', 'Status'),
    "basis": ('扣分依据', 'Basis'),
    "measures": ('整改措施', 'Measures'),
    "owner": ('责任人', 'Owner'),
    "deadline": ('整改时限', 'Deadline'),
    "progress": ('整改进度', 'Remediation progress'),
    "subtotal": ('小计', 'Subtotal'),
    "grand_total": ('合计', 'Total'),
    "methods": {"rules": ('规则检查', 'rules'), "person": ('人工评分', 'a person'),
                "sample": ('月度抽查', 'monthly sample')},
    "statuses": {"scored": ('已评分', 'scored'), "unchecked": ('未检查', 'unchecked'),
                 "manual": ('人工评分', 'manual'), "pending": ('待评分', 'not answered')},
    "note_paraphrase": ('注：{n}项考核内容为依据人社部发〔2018〕43号的转述，请按考核表原件核对',
                        'Note: {n} item texts are paraphrased from 人社部发〔2018〕43号; '
                        'check them against the original'),
    "note_missing": ('第{items}项原文缺失，请按原件核对', 'items {items} are missing from the source copy'),
    "sheets": {"items": ('自评表', 'Self-assessment'), "findings": ('发现的问题', 'Problems found'),
               "units": ('分单位得分', 'By unit'), "progress": ('整改进度', 'Progress'),
               "warnings": ('数据问题', 'Data issues')},
    "ref": ('问题编号', 'Ref.'),
    "item": ('考核项', 'Item'),
    "item_value": ('第{item}项', 'Item {item}'),
    "rule": ('规则', 'Rule'),
    "severity": ('严重程度', 'Severity'),
    "severities": SEVERITY_WORDS,
    "subject": ('对象', 'Subject'),
    "unit": ('单位', 'Unit'),
    "units": ('涉及单位', 'Units'),
    "no_unit": ('未对应到单位', 'No unit'),
    "message": ('问题说明', 'Problem'),
    "evidence": ('依据（文件、行）', 'Evidence (file, row)'),
    "remedy": ('整改建议', 'Suggested remedy'),
    "waived": ('已批准豁免，不扣分', 'waived: no deduction'),
    "unit_score": ('得分', 'Score'),
    "unit_max": ('规则评分项分值', 'Points of rule-scored items'),
    "unit_note": ('分单位得分只计由规则评分的项目；跨单位的问题计入每个相关单位。',
                  'Unit scores cover the rule-scored items only; a problem spanning units counts in each.'),
    "fixed": ('上次检查发现、本次已整改', 'Found last time, fixed now'),
    "fixed_none": ('与基线相比，没有已整改的问题。', 'No problem of the baseline has been fixed.'),
    "no_baseline": ('未提供上次检查结果（--baseline），无整改进度。',
                    'No earlier run given (--baseline): no progress.'),
    "baseline": ('基线', 'Baseline'),
    "unassigned": ('未对应考核项的问题', 'Problems of no assessment item'),
    "no_findings": ('未发现问题。', 'No problem found.'),
    "warning_code": ('类型', 'Kind'),
    "location": ('位置', 'Place'),
    "question": ('检查要点', 'Question'),
    "notices": ('提示', 'Notices'),
    "sections": {
        "basic": ('一、基本情况', '1. Background'),
        "scope": ('二、检查范围', '2. Scope'),
        "problems": ('三、发现的问题', '3. Problems found'),
        "measures": ('四、整改措施', '4. Measures'),
        "score": ('五、自评得分', '5. Self-assessment score'),
        "progress": ('六、整改进度', '6. Remediation progress'),
    },
    "basic_text": ('本单位依据{plan}（{source}），以{date}为检查基准日，对内部控制情况开展自查。'
                   '共检查人员分工、系统权限和业务经办等方面，发现问题{n}项，其中严重{high}项、较重{medium}项、轻微{low}项。',
                   'Following the {plan} ({source}), we checked internal control as of {date}: '
                   '{n} problems found, {high} high, {medium} medium and {low} low.'),
    "scope_given": ('本次检查的资料：{files}。', 'Material checked: {files}.'),
    "scope_missing": ('未提供{kinds}，相关考核项为“未检查”。',
                      'No {kinds} was given; the items that need it are unchecked.'),
    "measures_hint": ('（请逐项填写整改措施、责任人和整改时限）',
                      '(fill in the measures, owner and deadline of each item)'),
    "measure_line": ('第{item}项：{measures}（责任人：{owner}；整改时限：{deadline}）',
                     'Item {item}: {measures} (owner: {owner}; deadline: {deadline})'),
    "blank": ('＿＿＿＿', '____'),
    # Two lines: one does not fit an A4 page's width at 12 pt.
    "signature": ('填报单位（盖章）：＿＿＿＿＿＿＿＿  日期：＿＿＿＿年＿＿月＿＿日\n'
                  '检查人：＿＿＿＿＿＿  审核人：＿＿＿＿＿＿',
                  'Agency (seal): ____________  Date: __________\nChecked by: __________  Reviewed by: __________'),
    "page": ('第 {page} 页', 'Page {page}'),
    "generated": ('由 sodcheck {version} 生成', 'Written by sodcheck {version}'),
}

WORDS = {lang: words(ASSESS, lang) for lang in ("zh", "en")}


def score_text(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def status_text(item: ItemResult, lang: str) -> str:
    w = WORDS[lang]["statuses"]
    if item.status == "manual" and item.score is None:
        return w["pending"]
    return w[item.status]


def item_text(item: ItemResult, lang: str) -> str:
    return item.text.get(lang)


def source_note(a: Assessment, lang: str) -> str:
    """One line under the table: which item texts are paraphrased or missing from the source."""
    paraphrased = [i.item for i in a.items if i.text_source == "paraphrase"]
    missing = [i.item for i in a.items if i.text_source == "missing"]
    if not paraphrased and not missing:
        return ""
    sep = "、" if lang == "zh" else ", "
    parts = []
    if paraphrased:
        parts.append(WORDS[lang]["note_paraphrase"].format(n=len(paraphrased)))
    if missing:
        parts.append(WORDS[lang]["note_missing"].format(items=sep.join(str(n) for n in missing)))
    return ("；" if lang == "zh" else "; ").join(parts)


def subject_text(f: ItemFinding) -> str:
    s = f.violation.subject
    return f"{s.name}（{s.system}）" if s.system else s.name


def evidence_lines(f: ItemFinding, a: Assessment, lang: str) -> str:
    return "\n".join(evidence_text(e, a.report, lang) for e in f.violation.evidence)


def ref_text(f: ItemFinding, lang: str) -> str:
    return f"问题{f.ref}" if lang == "zh" else f"P{f.ref}"
