"""What the sample's outputs call things, in zh and en. The worksheet reader accepts the headers and
answers of either language, whatever language the worksheet was written in."""
from __future__ import annotations

from ..ops.findings import kind_label

WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "{month} 业务抽查核查表", "summary_sheet": "抽样汇总", "checklist_sheet": "核查清单",
        "about_sheet": "抽样信息",
        "month": "抽样月份", "seed": "随机种子", "rates": "抽查比例", "min_per_type": "每类至少抽取",
        "fingerprint": "样本指纹", "population_total": "办结业务", "sample_total": "抽查业务",
        "method": ("总体：{month} 办结的业务（首个审批、发放或办结环节在本月）。按业务类型分层，每类抽取 "
                   "min(N, max({min}, ⌈比例×N⌉)) 笔，随机数为 numpy default_rng({seed})；操作日志检查发现问题的"
                   "业务全部纳入（重点核查）。用同样的日志、规则和种子可复现本样本（见 docs/sample.md）。"),
        "biz_type": "业务类型", "class": "业务类别", "population": "办结笔数", "rate": "抽查比例",
        "size": "随机抽取", "findings": "重点核查", "total": "合计", "no_type": "（未填业务类型）",
        "no": "序号", "biz_id": "业务流水号", "reason": "抽取方式", "rules": "检查发现",
        "steps": "办理环节（时间 环节 操作员）",
        "conclusion": "核查结论", "description": "问题描述", "checker": "核查人", "checked_on": "核查日期",
        "random": "随机抽取", "finding": "重点核查",
        "ok": "无问题", "problem": "有问题", "pending": "待核实",
        "signature": "稽核人：________________    负责人：________________    日期：____年____月____日",
        "prompt": "请选择：无问题、有问题或待核实", "error": "请从下拉列表中选择",
        "page": "第 &P 页，共 &N 页", "percent": "{value}%", "sep": "、",
        "items": "{count} 笔",
    },
    "en": {
        "title": "Monthly sample for {month}", "summary_sheet": "Summary", "checklist_sheet": "Checklist",
        "about_sheet": "About",
        "month": "Month", "seed": "Seed", "rates": "Rates", "min_per_type": "At least per type",
        "fingerprint": "Fingerprint", "population_total": "Completed", "sample_total": "Sampled",
        "method": ("Population: businesses completed in {month} (first approve, pay or complete step in the "
                   "month). Stratified by business type, each type drawing min(N, max({min}, ceil(rate × N))) "
                   "with numpy default_rng({seed}); every business with an operation-log finding is added "
                   "(重点核查). The same logs, rules and seed redraw this sample (docs/sample.md)."),
        "biz_type": "Business type", "class": "Class", "population": "Completed", "rate": "Rate",
        "size": "Drawn", "findings": "Findings added", "total": "Total", "no_type": "(no type)",
        "no": "No.", "biz_id": "Business id", "reason": "Reason", "rules": "Findings",
        "steps": "Steps (time, step, operator)",
        "conclusion": "Conclusion", "description": "Problem found", "checker": "Checked by",
        "checked_on": "Checked on",
        "random": "random", "finding": "finding",
        "ok": "No problem", "problem": "Problem", "pending": "To verify",
        "signature": "Auditor: ________________    Head: ________________    Date: ______________",
        "prompt": "Choose: No problem, Problem or To verify", "error": "Choose from the list",
        "page": "Page &P of &N", "percent": "{value}%", "sep": ", ",
        "items": "{count}",
    },
}

CONCLUSIONS = ("ok", "problem", "pending")


def percent(rate: float, lang: str) -> str:
    """0.1 -> 10%, 0.025 -> 2.5%."""
    value = f"{rate * 100:.4f}".rstrip("0").rstrip(".")
    return WORDS[lang]["percent"].format(value=value)


def rates_text(rates: tuple[tuple[str, float], ...], label, lang: str) -> str:
    return WORDS[lang]["sep"].join(f"{label(c, lang)} {percent(r, lang)}" for c, r in rates)


def type_text(biz_type: str, lang: str) -> str:
    return biz_type or WORDS[lang]["no_type"]


def step_line(time: str, kind: str | None, step: str, who: str, lang: str) -> str:
    """One step as the checklist shows it: 03-05 09:12 受理（受理） yl_yangf（杨帆）."""
    shown = step if kind is None or step == kind_label(kind, lang) else f"{step}（{kind_label(kind, lang)}）" \
        if lang == "zh" else f"{step} ({kind_label(kind, lang)})"
    return f"{time[5:16]} {shown} {who}".rstrip()

# The monthly report (sodcheck sample report).
REPORT_WORDS: dict[str, dict[str, str]] = {
    "zh": {
        "title": "内部控制稽核情况报告（业务抽查）", "months": "核查月份", "worksheets": "核查表",
        "file": "文件", "month": "月份", "seed": "随机种子", "intact": "样本完整", "redraw": "重抽核对",
        "yes": "是", "no": "否", "match": "一致", "mismatch": "不一致", "not_checked": "未核对（未给出 --ops）",
        "by_type": "分业务类型核查情况", "biz_type": "业务类型", "class": "业务类别", "sampled": "抽查笔数",
        "checked": "已核查", "problems": "有问题", "pending": "待核实", "blank": "未填写",
        "problem_list": "发现的问题", "pending_list": "待核实的业务", "checkers": "核查人员",
        "biz_id": "业务流水号", "reason": "抽取方式", "rules": "检查发现", "description": "问题描述",
        "checker": "核查人", "checked_on": "核查日期", "count": "笔数",
        "flags": "核查表的问题", "sheet": "工作表", "row": "行", "column": "列", "code": "类型", "message": "说明",
        "none": "无", "total": "合计", "summary_sheet": "稽核情况", "detail_sheet": "核查明细",
        "flags_sheet": "核查表问题", "conclusion": "核查结论",
        "lead": ("根据“坚持日常核查与重点核查相结合，每月对上月业务随机抽取一定比例进行核查，"
                 "高风险业务重点核查”的要求，"
                 "本月抽查 {sampled} 笔业务，已核查 {checked} 笔，发现问题 {problems} 笔，待核实 {pending} 笔，"
                 "未填写 {blank} 笔。"),
        "signature": "稽核人：________________    负责人：________________    日期：____年____月____日",
        "page": "第 &P 页，共 &N 页",
    },
    "en": {
        "title": "Internal-control check report (monthly sample)", "months": "Months", "worksheets": "Worksheets",
        "file": "File", "month": "Month", "seed": "Seed", "intact": "Sample intact", "redraw": "Redraw",
        "yes": "yes", "no": "no", "match": "matches", "mismatch": "does not match",
        "not_checked": "not checked (no --ops)",
        "by_type": "Checks by business type", "biz_type": "Business type", "class": "Class", "sampled": "Sampled",
        "checked": "Checked", "problems": "Problems", "pending": "To verify", "blank": "Blank",
        "problem_list": "Problems found", "pending_list": "Still to verify", "checkers": "Checked by",
        "biz_id": "Business id", "reason": "Reason", "rules": "Findings", "description": "Problem",
        "checker": "Checker", "checked_on": "Checked on", "count": "Businesses",
        "flags": "Problems with the worksheets", "sheet": "Sheet", "row": "Row", "column": "Column", "code": "Code",
        "message": "Message", "none": "none", "total": "Total", "summary_sheet": "Report", "detail_sheet": "Businesses",
        "flags_sheet": "Worksheet problems", "conclusion": "Conclusion",
        "lead": ("Businesses of the previous month drawn at random, high-risk ones all checked: {sampled} sampled, "
                 "{checked} checked, {problems} with problems, {pending} to verify, {blank} left blank."),
        "signature": "Auditor: ________________    Head: ________________    Date: ______________",
        "page": "Page &P of &N",
    },
}
