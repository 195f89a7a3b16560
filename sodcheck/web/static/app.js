// The upload page. The server keeps nothing, so the browser keeps the chosen files and posts them
// again for each download or language change. Everything from a sheet is shown with textContent,
// never as HTML: a cell can hold anything.
"use strict";

const WORDS = {
  zh: {
    app_title: "不相容岗位检查",
    logout: "退出登录",
    upload_title: "检查附件2《经办机构人员分工、岗位职责情况表》",
    upload_lead: "上传人员分工表，按人社部发〔2018〕43号的要求逐人检查：兼任不相容岗位、高风险岗位任职年限和人员身份、内控岗位设置。",
    drop_staff: "把人员分工表拖到这里，或点击选择文件",
    drop_hint: "支持 xlsx、xls、csv，可一次选多个文件；合计不超过 {mb} MB",
    more_inputs: "更多输入（可选）：操作日志、业务系统权限导出、角色配置、规则文件",
    ops_label: "操作日志（经办日志）",
    ops_hint: "csv、xlsx、xls 或 parquet，可多选；用于检查和月度抽查",
    choose_files: "选择文件…",
    perms_label: "权限导出",
    roles_label: "角色配置（YAML/JSON）",
    rules_label: "规则文件（YAML）",
    as_of: "检查基准日",
    run: "开始检查",
    template: "下载空白附件2模板",
    sample_title: "月度抽查",
    sample_month: "抽查月份",
    sample_seed: "随机种子",
    sample_seed_default: "默认按月份",
    sample_run: "下载抽查工作底稿",
    sample_hint: "从操作日志中按业务类型随机抽取该月办结的业务，检查发现问题的业务全部纳入；同样的日志和随机种子总是抽出同样的业务。",
    sample_busy: "正在抽样…",
    privacy: "文件只用于本次检查，检查完即删除；服务器不保存文件，也不记录姓名、身份证号或文件名。",
    busy: "正在检查…",
    results: "检查结果",
    dl_xlsx: "Excel 报告（含标注的分工表）",
    dl_html: "HTML 报告",
    dl_json: "JSON",
    assessment: "考核表扣分项",
    violations: "违规",
    notices: "提示",
    notices_lead: "尚未违规，但即将到期或需要留意的情况。",
    warnings: "数据问题",
    warnings_lead: "表格中需要核对的地方；不影响其他行的检查。",
    unclassified: "未能归类的岗位",
    none: "未发现违规。",
    none_notices: "没有提示。",
    none_warnings: "没有数据问题。",
    filter_text: "搜索姓名、单位、岗位或说明",
    all_severities: "全部严重程度",
    all_rules: "全部规则",
    all_units: "全部单位",
    unit_count: "{unit}（{n}）",
    shown: "显示 {n} / {total} 条",
    severity: "严重程度", rule: "规则", subject: "对象", unit: "单位", message: "说明", evidence: "依据",
    code: "代码", where: "位置",
    high: "严重", medium: "较重", low: "轻微", notice: "提示",
    remedy: "整改建议", serial: "序号 {n}",
    kind_unit: "单位", kind_account: "账号", kind_role: "角色", kind_permission: "权限", kind_business: "业务",
    system: "系统 {name}",
    card_violations: "违规", card_high: "严重", card_medium: "较重", card_low: "轻微",
    card_notices: "提示", card_warnings: "数据问题", card_people: "人员", card_units: "单位",
    meta: "检查基准日 {as_of} · 输入文件：{inputs}",
    row: "第{n}行", column: "{c} 列",
    more_evidence: "… 另有 {n} 条",
    remove: "移除",
    err_no_staff: "请先选择至少一个人员分工表（或权限导出、操作日志）。",
    err_no_ops: "月度抽查需要操作日志：请先在“更多输入”中选择上月的操作日志。",
    err_seed: "随机种子应为不超过 18 位的非负整数，或留空。",
    err_too_large: "所选文件合计 {size}，超过每次 {mb} MB 的上限。",
    err_network: "无法连接服务器，请稍后再试。",
    err_login: "登录已失效，请刷新页面重新登录。",
    footer: "依据人社部发〔2018〕43号及附件2《经办机构人员分工、岗位职责情况表》。",
    waived: "已豁免",
  },
  en: {
    app_title: "Incompatible duties check",
    logout: "Log out",
    upload_title: "Check an Annex 2 staffing sheet",
    upload_lead: "Upload the staffing sheet (经办机构人员分工、岗位职责情况表); every person is checked against 人社部发〔2018〕43号: incompatible posts held together, tenure and staff type on high-risk posts, internal-control posts.",
    drop_staff: "Drop staffing sheets here, or click to choose files",
    drop_hint: "xlsx, xls or csv; several files at once; {mb} MB in all at most",
    more_inputs: "More inputs (optional): operation logs, system permission exports, role configurations, rule files",
    ops_label: "Operation logs (经办日志)",
    ops_hint: "csv, xlsx, xls or parquet, several at once; for the check and the monthly sample",
    choose_files: "Choose files…",
    perms_label: "Permission exports",
    roles_label: "Role configurations (YAML/JSON)",
    rules_label: "Rule files (YAML)",
    as_of: "As of",
    run: "Check",
    template: "Download the blank Annex 2 template",
    sample_title: "Monthly sample",
    sample_month: "Month",
    sample_seed: "Seed",
    sample_seed_default: "from the month",
    sample_run: "Download the sample worksheet",
    sample_hint: "Draws the month's completed businesses from the operation logs at random, per business type, and adds every business with a finding; the same logs and seed always draw the same businesses.",
    sample_busy: "Drawing the sample…",
    privacy: "The files are used for this check only and deleted right after; the server keeps no file and logs no names, id numbers or file names.",
    busy: "Checking…",
    results: "Result",
    dl_xlsx: "Excel report (with the marked-up sheet)",
    dl_html: "HTML report",
    dl_json: "JSON",
    assessment: "Assessment items at risk",
    violations: "Violations",
    notices: "Notices",
    notices_lead: "Not violations yet, but due soon or worth a look.",
    warnings: "Data issues",
    warnings_lead: "Places in the sheets to look at; the other rows were still checked.",
    unclassified: "Posts not classified",
    none: "No violations found.",
    none_notices: "No notices.",
    none_warnings: "No data issues.",
    filter_text: "Search name, unit, post or message",
    all_severities: "All severities",
    all_rules: "All rules",
    all_units: "All units",
    unit_count: "{unit} ({n})",
    shown: "showing {n} of {total}",
    severity: "Severity", rule: "Rule", subject: "Subject", unit: "Unit", message: "Message", evidence: "Evidence",
    code: "Code", where: "Where",
    high: "high", medium: "medium", low: "low", notice: "notice",
    remedy: "Remedy", serial: "No. {n}",
    kind_unit: "unit", kind_account: "account", kind_role: "role", kind_permission: "permission", kind_business: "business",
    system: "system {name}",
    card_violations: "Violations", card_high: "High", card_medium: "Medium", card_low: "Low",
    card_notices: "Notices", card_warnings: "Data issues", card_people: "People", card_units: "Units",
    meta: "As of {as_of} · inputs: {inputs}",
    row: "row {n}", column: "column {c}",
    more_evidence: "… {n} more",
    remove: "Remove",
    err_no_staff: "Choose at least one staffing sheet (or permission export, or operation log) first.",
    err_no_ops: "The monthly sample needs operation logs: choose last month's under \"More inputs\" first.",
    err_seed: "The seed must be a whole number from 0, at most 18 digits, or left empty.",
    err_too_large: "The chosen files add up to {size}, over the limit of {mb} MB per check.",
    err_network: "Cannot reach the server; try again later.",
    err_login: "The login has expired; reload the page and log in again.",
    footer: "Based on 人社部发〔2018〕43号 and its Annex 2 staffing form.",
    waived: "waived",
  },
};

const FIELDS = ["staff", "perms", "roles", "rules", "ops"];
const state = {
  lang: "zh",
  files: { staff: [], perms: [], roles: [], rules: [], ops: [] },
  doc: null,
};

const $ = (id) => document.getElementById(id);
const body = document.body;
const maxMb = Number(body.dataset.maxMb || "20");

function t(key, values) {
  let text = (WORDS[state.lang] && WORDS[state.lang][key]) || WORDS.zh[key] || key;
  for (const [k, v] of Object.entries(values || {})) text = text.split("{" + k + "}").join(String(v));
  return text;
}

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("data-") || k.startsWith("aria-")) node.setAttribute(k, v);
    else node[k] = v;
  }
  for (const child of children) if (child != null) node.append(child);
  return node;
}

function humanSize(bytes) {
  if (bytes < 1024) return bytes + " B";
  if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(0) + " KB";
  return (bytes / 1024 / 1024).toFixed(1) + " MB";
}

// ---------------------------------------------------------------------------- language

function applyLanguage() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = "sodcheck · " + t("app_title");
  for (const node of document.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n, { mb: maxMb });
  for (const node of document.querySelectorAll("[data-i18n-placeholder]")) node.placeholder = t(node.dataset.i18nPlaceholder);
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.setAttribute("aria-pressed", String(button.dataset.lang === state.lang));
  }
  for (const field of FIELDS) renderFileList(field);
}

async function setLanguage(lang) {
  if (lang === state.lang) return;
  state.lang = lang;
  try { localStorage.setItem("sodcheck-lang", lang); } catch (e) { /* private mode */ }
  applyLanguage();
  hideError();
  // The messages come from the server in one language: ask again in the other.
  if (state.doc) await runCheck();
}

// ---------------------------------------------------------------------------- files

function addFiles(field, list) {
  for (const file of list) {
    const same = state.files[field].some((f) => f.name === file.name && f.size === file.size
                                           && f.lastModified === file.lastModified);
    if (!same) state.files[field].push(file);
  }
  inputsChanged();
}

function removeFile(field, index) {
  state.files[field].splice(index, 1);
  inputsChanged();
}

function inputsChanged() {
  for (const field of FIELDS) renderFileList(field);
  // Results always match the files listed: a changed choice needs a new check.
  state.doc = null;
  $("results").hidden = true;
  hideError();
}

function renderFileList(field) {
  const list = document.querySelector(`[data-list="${field}"]`);
  if (!list) return;
  list.replaceChildren(...state.files[field].map((file, index) => el("li", {},
    el("span", { class: "file-name", text: file.name }),
    el("span", { class: "file-size", text: humanSize(file.size) }),
    el("button", { type: "button", class: "remove", text: "×", title: t("remove"),
                   "aria-label": t("remove"), onclick: () => removeFile(field, index) }))));
}

function setupInputs() {
  const zone = $("dropzone");
  const staffInput = $("staff-input");
  zone.addEventListener("click", () => staffInput.click());
  zone.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); staffInput.click(); }
  });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.remove("over"); });
  }
  zone.addEventListener("drop", (e) => addFiles("staff", e.dataTransfer.files));
  // A file dropped next to the zone must not make the browser navigate away from the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
  // The browser's own file button speaks the browser's language, not the page's: ours does.
  for (const button of document.querySelectorAll("[data-choose]")) {
    button.addEventListener("click", () => $(button.dataset.choose).click());
  }
  for (const input of document.querySelectorAll("input[type=file][data-field]")) {
    input.addEventListener("change", () => {
      addFiles(input.dataset.field, input.files);
      input.value = "";
    });
  }
}

// ---------------------------------------------------------------------------- requests

function formData(extra) {
  const data = new FormData();
  for (const field of FIELDS) for (const file of state.files[field]) data.append(field, file, file.name);
  if ($("as-of").value) data.append("as_of", $("as-of").value);
  data.append("lang", state.lang);
  for (const [name, value] of Object.entries(extra || {})) if (value) data.append(name, value);
  return data;
}

function precheck(sample) {
  if (sample) {
    if (!state.files.ops.length) return t("err_no_ops");
    if (!/^[0-9]{0,18}$/.test(sample.seed)) return t("err_seed");
  } else if (!["staff", "perms", "roles", "ops"].some((field) => state.files[field].length)) {
    return t("err_no_staff");
  }
  const total = FIELDS.reduce((sum, f) => sum + state.files[f].reduce((s, file) => s + file.size, 0), 0);
  if (total > maxMb * 1024 * 1024) return t("err_too_large", { size: humanSize(total), mb: maxMb });
  return null;
}

async function post(url, extra) {
  let response;
  try {
    response = await fetch(url, { method: "POST", body: formData(extra), credentials: "same-origin" });
  } catch (e) {
    throw new Error(t("err_network"));
  }
  if (response.ok) return response;
  if (response.status === 401) throw new Error(t("err_login"));
  let message = response.status + " " + response.statusText;
  try {
    const doc = await response.json();
    if (doc && doc.error) message = doc.error;
  } catch (e) { /* not JSON: keep the status line */ }
  throw new Error(message);
}

function busy(on, words) {
  $("busy").hidden = !on;
  $("busy-text").textContent = t(words || "busy");
  $("run").disabled = on;
  $("sample-run").disabled = on;
  for (const button of document.querySelectorAll("[data-format]")) button.disabled = on;
}

// Every request posts all the chosen files again: check the choice before sending, and keep the
// buttons off until the answer is in, so that two requests never race. A sample posts its month
// and seed beside the files.
async function request(url, use, failed, sample) {
  const problem = precheck(sample);
  if (problem) { showError(problem); return; }
  hideError();
  busy(true, sample ? "sample_busy" : "busy");
  try {
    await use(await post(url, sample));
  } catch (e) {
    if (failed) failed();
    showError(e.message);
  } finally {
    busy(false);
  }
}

async function runCheck() {
  await request(`/api/check?extras=true&lang=${state.lang}`, async (response) => {
    const first = !state.doc;
    state.doc = await response.json();
    renderResults();
    if (first) $("results").scrollIntoView({ block: "start" });
  }, () => {
    // Results shown must match the files listed: after a failed check there are none.
    state.doc = null;
    $("results").hidden = true;
  });
}

// The answer as a file the browser saves, under the name the server gave it.
async function save(response, fallback) {
  const blob = await response.blob();
  const disposition = response.headers.get("content-disposition") || "";
  const match = /filename="([^"]+)"/.exec(disposition);
  const link = el("a", { href: URL.createObjectURL(blob), download: match ? match[1] : fallback });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 60000);
}

async function download(format) {
  await request(`/api/report?format=${format}&lang=${state.lang}`, (response) => save(response, "sodcheck." + format));
}

async function drawSample() {
  const sample = { month: $("sample-month").value, seed: $("sample-seed").value.trim() };
  await request(`/api/sample?lang=${state.lang}`, (response) => save(response, "sodcheck-sample.xlsx"),
                null, sample);
}

function showError(text) {
  $("error").textContent = text;
  $("error").hidden = false;
}

function hideError() {
  $("error").hidden = true;
  $("error").textContent = "";
}

// ---------------------------------------------------------------------------- results

function card(label, value, kind) {
  return el("div", { class: "stat " + (kind || "") },
    el("div", { class: "value", text: String(value) }),
    el("div", { class: "label", text: label }));
}

function where(item) {
  const parts = [item.file || ""];
  if (item.sheet) parts.push(item.sheet);
  if (item.row != null) parts.push(t("row", { n: item.row }));
  if (item.column) parts.push(t("column", { c: item.column }));
  return parts.filter(Boolean).join(" ");
}

function findingsHead() {
  return el("thead", {}, el("tr", {}, ...["severity", "rule", "subject", "unit", "message", "evidence"]
    .map((key) => el("th", { text: t(key) }))));
}

// How the page lists several things in one cell.
function joined(items) {
  return items.join(state.lang === "zh" ? "、" : ", ");
}

// The units a finding is about: a finding that spans units counts and filters under each of them.
function unitsOf(v) {
  return v.units || (v.subject.unit ? [v.subject.unit] : []);
}

function subjectCell(v) {
  const subject = el("td", { class: "subject" }, el("div", { class: "name", text: v.subject.name }));
  const about = [];
  const kind = v.subject.kind;
  if (kind && kind !== "person") about.push(WORDS.zh["kind_" + kind] ? t("kind_" + kind) : kind);
  if (v.subject.system) about.push(t("system", { name: v.subject.system }));
  if (about.length) subject.append(el("div", { class: "kind", text: about.join(" · ") }));
  // The sheet's own 序号, which officers and their printed sheet go by.
  const serials = [...new Set(v.evidence.map((e) => e.serial).filter(Boolean))];
  if (serials.length) subject.append(el("div", { class: "serial", text: joined(serials.map((n) => t("serial", { n }))) }));
  if (v.subject.id) subject.append(el("div", { class: "id", text: v.subject.id }));
  return subject;
}

function messageCell(v) {
  const cell = el("td", { class: "message" }, el("div", { text: v.message }));
  if (v.remedy) {
    cell.append(el("div", { class: "remedy" }, el("span", { class: "remedy-label", text: t("remedy") + "：" }),
                   el("span", { text: v.remedy })));
  }
  return cell;
}

function findingRow(v, lines, notice) {
  const evidence = el("ul", { class: "evidence" });
  const shown = (lines || []).slice(0, 6);
  for (const line of shown) evidence.append(el("li", { text: line }));
  if (lines && lines.length > 6) evidence.append(el("li", { class: "more", text: t("more_evidence", { n: lines.length - 6 }) }));
  // A notice is not a violation yet: its badge says so, with the severity it would have.
  let severity = t(notice ? "notice" : v.severity);
  if (v.waiver && v.waiver.status === "active") severity += ` (${t("waived")})`;
  return el("tr", { "data-severity": v.severity, "data-rule": v.rule_id },
    el("td", {}, el("span", { class: "badge " + (notice ? "notice" : v.severity), text: severity,
                              title: notice ? t(v.severity) : "" })),
    el("td", { class: "rule" }, el("div", { class: "rule-id", text: v.rule_id }),
       v.title ? el("div", { class: "rule-title", text: v.title }) : null),
    subjectCell(v),
    el("td", { class: "units", text: joined(unitsOf(v)) }),
    messageCell(v),
    el("td", {}, evidence));
}

function fillSelect(select, allLabel, values, labels) {
  const current = select.value;
  select.replaceChildren(el("option", { value: "", text: allLabel }),
    ...values.map((value) => el("option", { value, text: labels ? labels[value] : value })));
  select.value = values.includes(current) ? current : "";
}

function renderResults() {
  const doc = state.doc;
  const s = doc.summary;
  const extras = doc.extras || { evidence: { violations: [], notices: [] }, assessment: [] };
  $("meta").textContent = t("meta", { as_of: doc.as_of, inputs: (s.inputs || []).join("、") });

  const sev = s.by_severity || {};
  $("cards").replaceChildren(
    card(t("card_violations"), s.violations, s.violations ? "bad" : "good"),
    card(t("card_high"), sev.high || 0, "high"),
    card(t("card_medium"), sev.medium || 0, "medium"),
    card(t("card_low"), sev.low || 0, "low"),
    card(t("card_notices"), s.notices, "notice"),
    card(t("card_warnings"), s.warnings, "warn"),
    s.people != null ? card(t("card_people"), s.people) : null,
    s.units != null ? card(t("card_units"), s.units) : null);

  $("assessment").hidden = !extras.assessment.length;
  $("assessment-list").replaceChildren(...extras.assessment.map((line) => el("li", { text: line })));

  const rules = [...new Set(doc.violations.map((v) => v.rule_id))].sort();
  const units = Object.keys(s.by_unit || {}).sort();
  const unitLabels = Object.fromEntries(units.map((unit) => [unit, t("unit_count", { unit, n: s.by_unit[unit] })]));
  const titles = Object.fromEntries(doc.violations.map((v) => [v.rule_id, v.title ? `${v.rule_id} ${v.title}` : v.rule_id]));
  fillSelect($("f-severity"), t("all_severities"), ["high", "medium", "low"],
             { high: t("high"), medium: t("medium"), low: t("low") });
  fillSelect($("f-rule"), t("all_rules"), rules, titles);
  fillSelect($("f-unit"), t("all_units"), units, unitLabels);

  const vtable = $("violations-table");
  vtable.replaceChildren(findingsHead(), el("tbody", {},
    ...doc.violations.map((v, i) => {
      const row = findingRow(v, extras.evidence.violations[i] || []);
      row.dataset.units = JSON.stringify(unitsOf(v));
      row.dataset.search = [v.subject.name, ...unitsOf(v), v.message, v.remedy, v.rule_id, v.title,
        ...(extras.evidence.violations[i] || [])].join(" ").toLowerCase();
      return row;
    })));
  $("violations-count").textContent = String(doc.violations.length);
  $("violations-empty").hidden = doc.violations.length > 0;
  vtable.hidden = doc.violations.length === 0;
  $("filters").hidden = doc.violations.length === 0;
  applyFilters();

  const ntable = $("notices-table");
  $("notices-count").textContent = String(doc.notices.length);
  ntable.replaceChildren(findingsHead(), el("tbody", {},
    ...doc.notices.map((v, i) => findingRow(v, extras.evidence.notices[i] || [], true))));
  ntable.hidden = doc.notices.length === 0;
  $("notices-card").hidden = doc.notices.length === 0;

  const wtable = $("warnings-table");
  $("warnings-count").textContent = String(doc.warnings.length);
  wtable.replaceChildren(
    el("thead", {}, el("tr", {}, ...["code", "message", "where"].map((k) => el("th", { text: t(k) })))),
    el("tbody", {}, ...doc.warnings.map((w) => el("tr", {},
      el("td", { class: "code", text: w.code }), el("td", { text: w.message }), el("td", { text: where(w) })))));
  wtable.hidden = doc.warnings.length === 0;
  const unclassified = Object.entries(s.unclassified_posts || {});
  $("unclassified").hidden = unclassified.length === 0;
  $("unclassified-list").replaceChildren(...unclassified.map(([post, n]) => el("li", { text: `${post} ×${n}` })));
  $("warnings-card").hidden = doc.warnings.length === 0 && unclassified.length === 0;

  const available = (body.dataset.downloads || "").split(",");
  for (const button of document.querySelectorAll("[data-format]")) button.hidden = !available.includes(button.dataset.format);
  $("results").hidden = false;
}

function applyFilters() {
  const text = $("f-text").value.trim().toLowerCase();
  const severity = $("f-severity").value;
  const rule = $("f-rule").value;
  const unit = $("f-unit").value;
  const rows = $("violations-table").querySelectorAll("tbody tr");
  let shown = 0;
  for (const row of rows) {
    const visible = (!severity || row.dataset.severity === severity) && (!rule || row.dataset.rule === rule)
      && (!unit || JSON.parse(row.dataset.units).includes(unit)) && (!text || row.dataset.search.includes(text));
    row.hidden = !visible;
    if (visible) shown += 1;
  }
  $("f-shown").textContent = t("shown", { n: shown, total: rows.length });
}

// ---------------------------------------------------------------------------- start

function start() {
  let lang = new URLSearchParams(location.search).get("lang");
  if (!lang) { try { lang = localStorage.getItem("sodcheck-lang"); } catch (e) { lang = null; } }
  state.lang = lang === "en" ? "en" : "zh";
  const today = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  $("as-of").value = `${today.getFullYear()}-${pad(today.getMonth() + 1)}-${pad(today.getDate())}`;
  // The sample is about the month before today, as `sodcheck sample` draws it by default.
  const lastMonth = new Date(today.getFullYear(), today.getMonth() - 1, 1);
  $("sample-month").value = `${lastMonth.getFullYear()}-${pad(lastMonth.getMonth() + 1)}`;
  $("sample-run").addEventListener("click", drawSample);
  $("logout").hidden = body.dataset.auth !== "1";
  $("template-link").addEventListener("click", (e) => {
    e.currentTarget.href = `/api/template?lang=${state.lang}`;
  });
  setupInputs();
  for (const button of document.querySelectorAll("[data-lang]")) {
    button.addEventListener("click", () => setLanguage(button.dataset.lang));
  }
  for (const button of document.querySelectorAll("[data-format]")) {
    button.addEventListener("click", () => download(button.dataset.format));
  }
  $("check-form").addEventListener("submit", (e) => { e.preventDefault(); runCheck(); });
  $("as-of").addEventListener("change", () => { if (state.doc) runCheck(); });
  for (const id of ["f-text", "f-severity", "f-rule", "f-unit"]) {
    $(id).addEventListener("input", applyFilters);
    $(id).addEventListener("change", applyFilters);
  }
  applyLanguage();
}

document.addEventListener("DOMContentLoaded", start);
