"""The words reports use, zh and en side by side, in one table; and how a place in the inputs reads.

Each entry is (zh, en). A writer takes its section in one language with ``words(SECTION, lang)``,
a dict of the same shape with plain strings. Sections: SHEETS for the xlsx and HTML reports (they
show the same lists), TABLE for the terminal, CSV for the CSV columns and categories.
"""
from __future__ import annotations

from typing import Any

from ..text import location_text

# Severity in zh is 严重 / 较重 / 轻微: "高风险" is the policy's own word for posts (高风险岗位), and a
# report must not call a finding about a 高风险岗位 something else that also says 高风险.
SEVERITY_WORDS: dict[str, tuple[str, str]] = {
    "high": ('严重', 'high'), "medium": ('较重', 'medium'), "low": ('轻微', 'low')}

__all__ = ["CSV", "HTML", "SEVERITY_WORDS", "SHEETS", "TABLE", "location_text", "words"]


def words(section: dict, lang: str) -> dict[Any, Any]:
    """The section in one language: every (zh, en) pair replaced by its text."""
    pick = 0 if lang == "zh" else 1
    return {key: words(value, lang) if isinstance(value, dict) else value[pick]
            for key, value in section.items()}


SHEETS: dict[str, Any] = {
    "sheets": {
        "summary": ('汇总', 'Summary'),
        "violations": ('违规清单', 'Violations'),
        "notices": ('提示', 'Notices'),
        "warnings": ('数据问题', 'Data issues'),
        "rules": ('规则说明', 'Rules'),
    },
    "marked": ('标注-', 'Marked-'),
    "title": ('社会保险经办机构不相容岗位（权限）检查报告', 'Incompatible duties and permissions: check report'),
    "as_of": ('检查基准日', 'As of'),
    "inputs": ('输入文件', 'Input files'),
    "ruleset": ('规则集', 'Rule set'),
    "ruleset_value": ('{n} 条规则：{ids}', '{n} rules: {ids}'),
    "people": ('人员数', 'People'),
    "units": ('单位数', 'Units'),
    "violations": ('违规', 'Violations'),
    "counted": ('其中计入结果', 'of which counted'),
    "notices": ('提示', 'Notices'),
    "warnings": ('数据问题', 'Data issues'),
    "assessment": ('考核表扣分项', 'Assessment items at risk'),
    "item": ('考核项', 'Item'),
    "item_value": ('第{item}项', 'item {item}'),
    "item_title": ('考核内容', 'Assessment item'),
    "points": ('分值', 'Points'),
    "count": ('违规数', 'Violations'),
    "rules": ('涉及规则', 'Rules'),
    "no_assessment": ('无：没有违规涉及考核表扣分项。', 'None: no violation touches an assessment item.'),
    "by_severity": ('按严重程度', 'By severity'),
    "by_rule": ('按规则', 'By rule'),
    "by_unit": ('按单位', 'By unit'),
    "severity": ('严重程度', 'Severity'),
    "rule": ('规则', 'Rule'),
    "rule_title": ('规则名称', 'Rule title'),
    "unit": ('单位', 'Unit'),
    "chart": ('各规则违规数', 'Violations by rule'),
    "legend": ('标注颜色说明', 'Colours in the marked sheets'),
    "legend_items": {
        "high": ('严重违规', 'high-severity violation'),
        "medium": ('较重违规', 'medium-severity violation'),
        "low": ('轻微违规', 'low-severity violation'),
        "notice": ('提示（即将到期等）', 'notice (e.g. due soon)'),
        "warning": ('数据问题', 'data issue'),
    },
    "marked_note": ("“标注-”工作表是所读人员分工表的副本，违规和数据问题所在单元格已填色并附批注。",
                    "The 'Marked-' sheets are copies of the staffing sheets that were read; the cells behind each "
                    "finding are filled and carry a comment."),
    "notice": ('提示', 'notice'),      # a notice is no violation: never labelled with a severity
    **SEVERITY_WORDS,
    "no": ('序号', 'No.'),
    "subject": ('对象', 'Subject'),
    "kind": ('对象类型', 'Subject kind'),
    "id": ('身份证号', 'ID number'),
    "message": ('说明', 'Message'),
    "evidence": ('依据', 'Evidence'),
    "status": ('状态', 'Status'),
    "action": ('整改措施', 'Action'),
    "remedy": ('整改建议', 'Suggested remedy'),
    "owner": ('责任人', 'Responsible'),
    "deadline": ('整改时限', 'Deadline'),
    "where": ('标注位置', 'Marked cell'),
    "code": ('代码', 'Code'),
    "file": ('文件', 'File'),
    "sheet": ('工作表', 'Sheet'),
    "row": ('行', 'Row'),
    "column": ('列', 'Column'),
    "rule_kind": ('规则类型', 'Kind'),
    # Rule kinds as officers read them; a kind from an office's own code shows its name.
    "rule_kinds": {
        "incompatible": ("不相容职责", "incompatible"),
        "tenure": ("任职年限", "tenure"),
        "requires": ("人员身份", "requires"),
        "coverage": ("岗位设置", "coverage"),
        "account_link": ("账号对应人员", "account_link"),
        "permission_scope": ("权限超出岗位", "permission_scope"),
        "role_config": ("角色配置", "role_config"),
        "ops_review_levels": ("审核层级", "ops_review_levels"),
        "ops_same_operator": ("同一经办人", "ops_same_operator"),
        "ops_pay_unchecked": ("未经复核发放", "ops_pay_unchecked"),
        "ops_modify_unapproved": ("修改未经审批", "ops_modify_unapproved"),
        "ops_front_back": ("前后台分离", "ops_front_back"),
        "ops_off_hours": ("非工作时间操作", "ops_off_hours"),
        "ops_unknown_operator": ("未知操作员", "ops_unknown_operator"),
        "ops_self_service": ("经办回避", "ops_self_service"),
    },
    "description": ('规则说明', 'Description'),
    "source": ('依据条款', 'Source clause'),
    "subject_kinds": {
        "person": ('人员', 'person'),
        "unit": ('单位', 'unit'),
        "account": ('账号', 'account'),
        "role": ('角色', 'role'),
        "permission": ('权限', 'permission'),
        "business": ('业务', 'business'),
    },
    "statuses": {
        "active": ('已豁免', 'waived'),
        "expired": ('豁免已过期', 'waiver expired'),
        "introduced": ('新出现', 'introduced'),
        "removed": ('已消除', 'removed'),
        "new": ('新增', 'new'),
        "unchanged": ('基线中已有', 'in baseline'),
    },
    "row_link": ('第{row}行', 'row {row}'),
    # Printing: page numbers and the line the officers sign (the plan's 填报单位 / 检查人 / 审核人 / 日期).
    "page_of": ('第 &P 页，共 &N 页', 'Page &P of &N'),
    "sign_unit": ('填报单位（盖章）：', 'Reporting unit (seal):'),
    "sign_checker": ('检查人：', 'Checked by:'),
    "sign_reviewer": ('审核人：', 'Reviewed by:'),
    "sign_date": ('日期：', 'Date:'),
}
TABLE: dict[str, Any] = {
    "remedy": ('整改建议', 'Remedy'),
    "summary": ('检查结果', 'Result'),
    "as_of": ('检查基准日', 'As of'),
    "violations": ('违规', 'Violations'),
    "notices": ('提示', 'Notices'),
    "warnings": ('数据问题', 'Data issues'),
    "severity": ('严重程度', 'Severity'),
    "rule": ('规则', 'Rule'),
    "subject": ('对象', 'Subject'),
    "unit": ('单位', 'Unit'),
    "message": ('说明', 'Message'),
    "evidence": ('依据', 'Evidence'),
    "code": ('代码', 'Code'),
    "where": ('位置', 'Where'),
    "none": ('未发现违规。', 'No violations found.'),
    "people": ('人员', 'people'),
    "notice": ('提示', 'notice'),
    **SEVERITY_WORDS,
    "assessment": ('考核表扣分项', 'Assessment items at risk'),
    "item": ('第{item}项 {title}（{points:g}分）', 'item {item} {title} ({points:g} points)'),
    "waived": ('已豁免', 'waived'),
    "inputs": ('输入文件', 'Inputs'),
    "by_folder": ('按输入文件夹', 'By input folder'),
    "by_unit": ('按单位', 'By unit'),
    "folder": ('文件夹', 'Folder'),
    "files": ('文件数', 'Files'),
    "accounts": ('账号', 'accounts'),
    "disabled": ('已停用（未检查）', 'disabled (not checked)'),
    "more_units": ('另有 {n} 个单位', '{n} more units'),
}
CSV: dict[Any, Any] = {
    "headers": {
        0: ('类别', 'category'),
        1: ('规则', 'rule_id'),
        2: ('严重程度', 'severity'),
        3: ('对象类型', 'subject_kind'),
        4: ('对象', 'subject'),
        5: ('单位', 'unit'),
        6: ('身份证号', 'id'),
        7: ('说明', 'message'),
        8: ('依据', 'evidence'),
        9: ('文件', 'file'),
        10: ('工作表', 'sheet'),
        11: ('行', 'row'),
        12: ('列', 'column'),
        13: ('整改建议', 'remedy'),
    },
    "category": {
        "violation": ('违规', 'violation'),
        "notice": ('提示', 'notice'),
        "warning": ('数据问题', 'warning'),
    },
}

# The HTML report: the lists of SHEETS, and what only a page has (filters, sorting, charts).
HTML: dict[str, Any] = {
    "all_severities": ('全部严重程度', 'All severities'),
    "all_rules": ('全部规则', 'All rules'),
    "all_units": ('全部单位', 'All units'),
    "search": ('搜索姓名、岗位、说明…', 'Search names, posts, messages…'),
    "shown": ('显示 {shown} / {total} 条', 'Showing {shown} of {total}'),
    "sort_hint": ('点击表头可排序', 'Click a column header to sort'),
    "no_violations": ('未发现违规。', 'No violations found.'),
    "no_notices": ('没有提示。', 'No notices.'),
    "no_warnings": ('没有数据问题。', 'No data issues.'),
    "path": ('授权路径', 'Grant path'),
    "more_paths": ('另有 {n} 条路径', '{n} more paths'),
    "by_severity_chart": ('违规按严重程度', 'Violations by severity'),
    "by_rule_chart": ('违规按规则', 'Violations by rule'),
    "by_unit_chart": ('违规按单位', 'Violations by unit'),
    "generated": ('由 sodcheck {version} 生成', 'Generated by sodcheck {version}'),
    "filtered": ('本页为筛选结果：{shown} / {total} 条违规', 'Filtered view: {shown} of {total} violations'),
    "where_col": ('位置', 'Where'),
    "subject_id": ('身份证号', 'ID number'),
    "lang": ('zh-CN', 'en'),
    "rules_title": ('运行的规则', 'Rules that ran'),
    "nothing": ('无', 'none'),
    "page_counter": ('第 " counter(page) " 页，共 " counter(pages) " 页',
                     'Page " counter(page) " of " counter(pages) "'),
}
