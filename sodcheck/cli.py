"""The command line: a thin click layer over pipeline.run and the report writers.

Exit status: 0 nothing at or above --fail-on; 1 such violations; 2 bad input, rules or usage.
"""
from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import click

from . import __version__
from .model import SEVERITY_RANK, Report, SodcheckError, Text
from .output import refuse_inputs, write_file
from .pipeline import CheckRequest, parse_change, run
from .report import BINARY_FORMATS, FORMATS, RenderOptions, render, render_pieces
from .ruleset import Ruleset, load_ruleset, parse_file, rule_files

if TYPE_CHECKING:
    from .ops.frame import OpsLog


def default_lang() -> str:
    """zh, unless the user's locale names another language. Officers' county PCs run Windows with
    no LANG at all, and containers say C or POSIX, which names no language: both mean zh."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = (os.environ.get(var) or "").split(".")[0].lower()
        if value and value not in ("c", "posix"):
            return "zh" if value.startswith("zh") else "en"
    if sys.platform == "win32":
        import ctypes

        # The display language's primary language id: 0x04 is Chinese.
        language = ctypes.windll.kernel32.GetUserDefaultUILanguage()  # type: ignore[attr-defined]
        return "zh" if language & 0x3FF == 0x04 else "en"
    return "zh"


def parse_as_of(ctx, param, value: str | None) -> date:
    if value is None:
        return date.today()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD") from None


def exit_status(report: Report, fail_on: str) -> int:
    if fail_on == "never":
        return 0
    threshold = SEVERITY_RANK[fail_on]
    return 1 if any(v.counts and SEVERITY_RANK[v.severity] >= threshold for v in report.violations) else 0


def write_output(data: str | bytes | Iterator[bytes], output: str | None,
                 inputs: list[str] | tuple[str, ...] = ()) -> None:
    """To standard output, or to a file that is none of the inputs, replaced in one step. ``data``
    may come in UTF-8 pieces, written as they are made."""
    if output in (None, "-"):
        if isinstance(data, bytes):
            sys.stdout.buffer.write(data)
        elif isinstance(data, str):
            sys.stdout.write(data)
        else:
            for piece in data:      # text pieces: through the terminal's own encoding
                sys.stdout.write(piece.decode("utf-8"))
        sys.stdout.flush()
        return
    write_file(data, output, inputs)


# The stages pipeline.run reports, in the order a run goes through them.
STAGES = ("rules", "permissions", "staffing", "role configuration", "role graph", "accounts", "operation log",
          "checking",
          "what-if")


@contextmanager
def progress_bar():
    """Stages of a long run on stderr; silent when stderr is not a terminal."""
    if not sys.stderr.isatty():
        yield lambda stage: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("sodcheck", total=len(STAGES))

        def advance(stage: str) -> None:
            done = STAGES.index(stage) if stage in STAGES else bar.tasks[0].completed
            bar.update(task, description=f"sodcheck: {stage}", completed=max(done, bar.tasks[0].completed))
        yield advance


def refuse_terminal(fmt: str | None, output: str | None, lang: str) -> None:
    """A binary format needs -o: on a terminal it is garbage, and the officer wants a file."""
    if fmt is None or (output not in (None, "-")) or (output == "-" and not sys.stdout.isatty()):
        return
    raise click.UsageError(
        f"{fmt} 是二进制格式，不能输出到终端；请用 -o 指定文件，例如 -o 检查报告.{fmt}" if lang == "zh" else
        f"{fmt} is a binary format and is not written to a terminal; give a file with -o, "
        f"e.g. -o report.{fmt}")


class SodcheckGroup(click.Group):
    """Every failure becomes one line on stderr and exit status 2, never a traceback. Doing this
    here rather than in main() gives click's test runner the same behaviour as the console."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except SodcheckError as exc:
            lang = ctx.meta.get("lang") or default_lang()
            click.echo(("错误：" if lang == "zh" else "error: ") + exc.render(lang), err=True)
            ctx.exit(2)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort, SystemExit,
                KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug of ours: still one line for the officer
            if os.environ.get("SODCHECK_DEBUG"):
                raise
            click.echo(f"internal error: {type(exc).__name__}: {exc} (set SODCHECK_DEBUG=1 for details)",
                       err=True)
            ctx.exit(2)


# The inputs of a run, shared by `check` and `assess`: one list, so that the two commands never
# drift apart in what they read or how the options are spelt.
INPUT_OPTIONS = [
    click.option("--staff", "staff", multiple=True, metavar="PATH",
                 help="Annex 2 staffing sheet (xlsx, xls, csv) or a folder of them. Repeatable."),
    click.option("--perms", "perms", multiple=True, metavar="[SYSTEM=]PATH",
                 help="Permission export (csv, xlsx, parquet) or a folder of them, of the business system "
                      "SYSTEM (default: the folder's name). Repeatable; accounts of different systems are "
                      "different accounts."),
    click.option("--roles", "roles", multiple=True, metavar="PATH",
                 help="Role configuration (YAML or JSON) or a folder of them. Repeatable."),
    click.option("--ops", "ops", multiple=True, metavar="PATH",
                 help="Operation log (csv, xlsx, parquet) or a folder of them. Repeatable."),
    click.option("--memory-limit", metavar="SIZE",
                 help="Memory budget for checking operation logs, e.g. 1GB; beyond it DuckDB spills to disk."),
    click.option("--threads", type=click.IntRange(1, 256), metavar="N",
                 help="Threads for checking operation logs (default: all cores)."),
    click.option("--ops-table", "ops_tables", multiple=True, metavar="DB.TABLE",
                 help="Operation log kept as a catalog (Hive) table; needs --engine spark. Repeatable."),
    click.option("--engine", type=click.Choice(["duckdb", "spark"]), default="duckdb", show_default=True,
                 help="Where the operation-log checks run: embedded DuckDB, or Spark (pip install 'sodcheck[spark]'); "
                      "same findings. On Spark, --ops also takes URIs Spark reads (hdfs://, s3a://, file://)."),
    click.option("--spark-remote", metavar="sc://HOST:PORT", help="With --engine spark: a Spark Connect server."),
    click.option("--spark-master", metavar="URL",
                 help="With --engine spark: the Spark master (default local[*], or spark-submit's)."),
    click.option("--rules", "rules", multiple=True, metavar="PATH",
                 help="Extra rule file (YAML) or folder. Repeatable."),
    click.option("--waivers", metavar="FILE",
                 help="Approved exceptions (YAML): waived violations are shown but do not fail the run."),
    click.option("--include-disabled", is_flag=True, help="Also check disabled accounts."),
    click.option("--as-of", "as_of", callback=parse_as_of, metavar="YYYY-MM-DD",
                 help="Judge tenure and waiver expiry at this date (default: today)."),
]


def input_options(command):
    """Add the input options (staffing, permissions, roles, operation logs, rules, waivers, dates)."""
    for option in reversed(INPUT_OPTIONS):
        command = option(command)
    return command


def request_from(staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled, as_of,
                 ops_tables=(), engine="duckdb", spark_remote=None, spark_master=None, **more) -> CheckRequest:
    """The CheckRequest the input options describe, with what a command adds (baseline, what-if)."""
    if engine != "spark" and (spark_remote or spark_master):
        raise SodcheckError(Text("--spark-remote/--spark-master 需要 --engine spark",
                                 "--spark-remote/--spark-master need --engine spark"))
    return CheckRequest(staff=list(staff), perms=list(perms), roles=list(roles), rules=list(rules), as_of=as_of,
                        include_disabled=include_disabled, waivers=waivers, ops=list(ops),
                        memory_limit=memory_limit, threads=threads, ops_tables=list(ops_tables), engine=engine,
                        spark_remote=spark_remote, spark_master=spark_master, **more)


def run_with_progress(request: CheckRequest, ruleset: Ruleset | None = None, require_input: bool = True,
                      with_ops: Callable[[OpsLog, Report], None] | None = None) -> Report:
    with progress_bar() as progress:
        return run(request, ruleset, progress=progress, with_ops=with_ops, require_input=require_input)


# The console entry point's context object: the process ends with the command it runs.
CONSOLE = "sodcheck console process"


@contextmanager
def collector_paused() -> Iterator[None]:
    """Around a command's run and the writing of its report. A run builds many small objects that
    live until the report is written; the cyclic collector would rescan them again and again (a
    third of a province-scale run), for no garbage. Switched back on, its first pass would scan
    every one of them once more (0.1 s at province scale): in a process that ends with the
    command they are frozen first, so that pass skips them. Elsewhere (tests, a caller's own
    process) they stay collectable."""
    gc.disable()
    try:
        yield
    finally:
        context = click.get_current_context(silent=True)
        if context is not None and context.find_root().obj == CONSOLE:
            gc.freeze()
        gc.enable()


@click.group(cls=SodcheckGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="sodcheck")
def cli() -> None:
    """Find incompatible duties (不相容岗位) and incompatible permissions (不相容权限)."""


@cli.command()
@input_options
@click.option("--baseline", metavar="REPORT.json",
              help="JSON report of an earlier run: only violations not in it fail the run.")
@click.option("--grant", "grants", multiple=True, metavar="ACCOUNT=ROLE",
              help="What-if: check as if ACCOUNT had ROLE too. Repeatable; needs --perms.")
@click.option("--revoke", "revokes", multiple=True, metavar="ACCOUNT=ROLE",
              help="What-if: check as if ACCOUNT no longer had ROLE. Repeatable; needs --perms.")
@click.option("--format", "fmt", type=click.Choice(list(FORMATS)), default="table", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the report here instead of standard output.")
@click.option("--sarif-output", metavar="FILE", help="Also write a SARIF 2.1.0 report here.")
@click.option("--junit-output", metavar="FILE", help="Also write a JUnit XML report here.")
@click.option("--fail-on", type=click.Choice(["high", "medium", "low", "never"]), default="low",
              show_default=True, help="Exit 1 when a violation of this severity or higher counts.")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even when violations count (bad input still exits 2).")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Report language (default: from LANG).")
@click.option("--show-ids", is_flag=True, help="Show id numbers in full (they are masked by default).")
@collector_paused()
def check(staff, perms, roles, ops, memory_limit, threads, rules, waivers, baseline, include_disabled, grants, revokes,
          as_of, fmt, output, sarif_output, junit_output, fail_on, exit_zero, lang, show_ids, **ops_engine) -> None:
    """Check the inputs against the built-in and given rules."""
    lang = lang or default_lang()
    click.get_current_context().meta["lang"] = lang
    refuse_terminal(fmt if fmt in BINARY_FORMATS else None, output, lang)
    inputs = [*staff, *perms, *roles, *ops, *rules, *(p for p in (waivers, baseline) if p)]
    try:
        request = request_from(staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled,
                               as_of, baseline=baseline, grants=[parse_change(g) for g in grants],
                               revokes=[parse_change(r) for r in revokes], **ops_engine)
        # Before any work: a report that would replace an input is refused, whatever the run finds.
        inputs = request.input_paths()
        for target in (output, sarif_output, junit_output):
            if target not in (None, "-"):
                refuse_inputs(target, inputs)
        report = run_with_progress(request)
    except Exception as exc:
        # CI shows the JUnit report, not the log: a run that could not check anything must say
        # why there too, or the pipeline page shows a failure with no test behind it.
        junit_error(exc, lang, ([junit_output] if junit_output else []) + ([output] if fmt == "junit" else []),
                    inputs)
        raise
    options = RenderOptions(lang=lang, show_ids=show_ids,
                            color=output is None and sys.stdout.isatty())
    write_output(render_pieces(fmt, report, options), output, inputs)
    if sarif_output:
        write_ci_output(render("sarif", report, options), sarif_output, inputs)
    if junit_output:
        write_ci_output(render("junit", report, options), junit_output, inputs)
    sys.exit(0 if exit_zero else exit_status(report, fail_on))


@cli.command()
@input_options
@click.option("--baseline", metavar="REPORT.json",
              help="JSON report (check or assess) of an earlier run: shows 整改进度, the problems fixed since.")
@click.option("--answers", metavar="FILE",
              help="The officer's answers (YAML) for the items a person judges, and the 整改 columns.")
@click.option("--samples", "sample_sheets", multiple=True, metavar="PATH",
              help="Filled worksheets of `sodcheck sample` (xlsx) or a folder of them: they judge the "
                   "monthly-sample item. Repeatable.")
@click.option("--plan", "plan_file", metavar="FILE",
              help="Another assessment table (YAML) instead of 池人社秘〔2019〕158号 附件1.")
@click.option("--scale", "scale_file", metavar="FILE", help="Another deduction scale (YAML).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "html", "json", "docx"]), default="xlsx",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the self-assessment here.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Report language (default: from the locale).")
@click.option("--show-ids", is_flag=True, help="Show id numbers in full (they are masked by default).")
@collector_paused()
def assess(staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled, as_of, baseline,
           answers, sample_sheets, plan_file, scale_file, fmt, output, lang, show_ids, **ops_engine) -> None:
    """Score the 考核表 (self-assessment) from the findings and the answers file."""
    from .assess import BINARY_FORMATS as ASSESS_BINARY
    from .assess import render as render_assessment
    from .assess.answers import load_answers
    from .assess.plan import load_plan, load_scale
    from .assess.scoring import assess as score
    from .loaders.staffing import expand_paths
    from .sample import Worksheets

    lang = lang or default_lang()
    click.get_current_context().meta["lang"] = lang
    refuse_terminal(fmt if fmt in ASSESS_BINARY else None, output, lang)
    request = request_from(staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled,
                           as_of, baseline=baseline, **ops_engine)
    worksheets = [str(path) for path, _ in expand_paths(list(sample_sheets), (".xlsx",))]
    inputs = [*request.input_paths(), *(p for p in (answers, plan_file, scale_file) if p), *worksheets]
    if output not in (None, "-"):
        refuse_inputs(output, inputs)
    # The plan, scale and answers are read before the run: a mistake in them fails fast.
    plan = load_plan(plan_file)
    scale = load_scale(scale_file)
    answered = load_answers(answers, plan) if answers else None
    # The rule set is kept: an item whose rules did not apply to these inputs is judged on what
    # those rules would need, and the report lists only the rules that applied.
    ruleset = load_ruleset(request.rules)
    filled = Worksheets(worksheets)
    # One run: its findings, and with operation logs each worksheet's sample drawn again from them.
    # Worksheets alone are enough to assess: the items they do not judge are then unchecked.
    report = run_with_progress(request, ruleset, require_input=not worksheets, with_ops=filled.redraw)
    samples = filled.report() if worksheets else None
    logs = [*ops, *request.ops_tables]
    given = [kind for kind, paths in (("staff", staff), ("perms", perms), ("roles", roles), ("ops", logs)) if paths]
    result = score(plan, scale, report, given, answered, tuple(rule.info() for rule in ruleset.enabled), samples)
    write_output(render_assessment(fmt, result, RenderOptions(lang=lang, show_ids=show_ids)), output, inputs)
    if output not in (None, "-"):
        click.echo((f"已写入 {output}：自评得分 {result.total:g}（已评 {result.judged:g} 分，满分 {result.max:g} 分）"
                    if lang == "zh" else
                    f"wrote {output}: score {result.total:g} of {result.judged:g} points judged "
                    f"({result.max:g} in all)"), err=True)


def write_ci_output(data: str | bytes, output: str, inputs: list[str] | tuple[str, ...] = ()) -> None:
    """CI configurations name report paths in folders that do not exist yet (reports/x.xml)."""
    if output != "-":
        with suppress(OSError):     # write_output says why the file cannot be written
            Path(output).parent.mkdir(parents=True, exist_ok=True)
    write_output(data, output, inputs)


def junit_error(exc: Exception, lang: str, targets: list[str | None], inputs: list[str]) -> None:
    """Write the one-error JUnit report; a failure to write it must not hide the first error."""
    if not targets:
        return
    from .report.junit import error_document

    message = exc.render(lang) if isinstance(exc, SodcheckError) else \
        f"internal error: {type(exc).__name__}: {exc}"
    document = error_document(message, getattr(exc, "file", None))
    for target in targets:
        try:
            if target is None:
                write_output(document, None)
            else:
                write_ci_output(document, target, inputs)
        except SodcheckError:
            pass


def parse_month_option(ctx, param, value: str | None) -> str | None:
    if value is None:
        return None
    from .sample.draw import MONTH

    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise click.BadParameter(f"{value!r} is not a month in the form YYYY-MM")
    return value.strip()


@cli.group(invoke_without_command=True)
@input_options
@click.option("--month", callback=parse_month_option, metavar="YYYY-MM",
              help="The month whose completed businesses are drawn (default: the month before --as-of).")
@click.option("--seed", type=click.IntRange(0), metavar="N", help="Random seed (default: the month, e.g. 202403).")
@click.option("--format", "fmt", type=click.Choice(["xlsx", "json", "csv", "table"]), default="table",
              show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the sample here instead of standard output.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: from the locale).")
@click.pass_context
def sample(ctx, staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled, as_of, month, seed,
           fmt, output, lang, **ops_engine) -> None:
    """Draw last month's businesses to re-check (每月随机抽查), reproducibly; `sample report` reads
    the filled worksheets back. The method: docs/sample.md."""
    if ctx.invoked_subcommand is not None:
        return
    from .sample import draw_sample, render_sample

    lang = lang or default_lang()
    ctx.meta["lang"] = lang
    refuse_terminal("xlsx" if fmt == "xlsx" else None, output, lang)
    request = request_from(staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled,
                           as_of, **ops_engine)
    if output not in (None, "-"):
        refuse_inputs(output, request.input_paths())
    with progress_bar() as progress:
        drawn = draw_sample(request, month, seed, progress=progress)
    write_output(render_sample(fmt, drawn, lang), output, request.input_paths())
    random = sum(1 for b in drawn.businesses if b.reason == "random")
    population = sum(s.population for s in drawn.strata)
    click.echo((f"抽样 {drawn.month}，随机种子 {drawn.seed}：{population} 笔办结业务中随机抽取 {random} 笔，"
                f"另有检查发现问题的 {len(drawn.businesses) - random} 笔重点核查" if lang == "zh" else
                f"sample of {drawn.month}, seed {drawn.seed}: {random} of {population} completed businesses drawn "
                f"at random, {len(drawn.businesses) - random} more with findings")
               + (f"；已写入 {output}" if lang == "zh" else f"; wrote {output}") * (output not in (None, "-")),
               err=True)


@sample.command("report")
@click.argument("worksheets", nargs=-1, required=True, metavar="FILLED.xlsx...")
@input_options
@click.option("--format", "fmt", type=click.Choice(["xlsx", "html", "json"]), default="xlsx", show_default=True)
@click.option("-o", "--output", metavar="FILE", help="Write the monthly report here.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: from the locale).")
def sample_report(worksheets, staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled,
                  as_of, fmt, output, lang, **ops_engine) -> None:
    """The monthly 内部控制稽核情况 report from the checkers' filled worksheets. With --ops (and the
    other inputs of the sample), each worksheet's sample is drawn again and compared."""
    from .sample import read_worksheets, render_report

    lang = lang or default_lang()
    click.get_current_context().meta["lang"] = lang
    refuse_terminal("xlsx" if fmt == "xlsx" else None, output, lang)
    request = request_from(staff, perms, roles, ops, memory_limit, threads, rules, waivers, include_disabled,
                           as_of, **ops_engine)
    inputs = [*worksheets, *request.input_paths()]
    if output not in (None, "-"):
        refuse_inputs(output, inputs)
    result = read_worksheets(list(worksheets), request)
    write_output(render_report(fmt, result, lang), output, inputs)
    for flag in result.flags:
        if flag.code.startswith(("SAMPLE-", "REDRAW-")):
            click.echo(("注意：" if lang == "zh" else "note: ") + f"{flag.file}: {flag.message.get(lang)}", err=True)
    blank = sum(t.blank for t in result.types)
    click.echo((f"{len(result.worksheets)} 份核查表，{len(result.businesses)} 笔业务，未填写 {blank} 笔，"
                f"核查表问题 {len(result.flags)} 项" if lang == "zh" else
                f"{len(result.worksheets)} worksheets, {len(result.businesses)} businesses, {blank} blank, "
                f"{len(result.flags)} worksheet problems"), err=True)


@cli.group()
def rules() -> None:
    """List and validate rules."""


@rules.command("list")
@click.option("--rules", "extra", multiple=True, metavar="PATH", help="Also load these rule files.")
@click.option("--lang", type=click.Choice(["zh", "en"]))
def rules_list(extra, lang) -> None:
    """List the rules that would run."""
    lang = lang or default_lang()
    ruleset = load_ruleset(list(extra))
    from rich.console import Console
    from rich.table import Table

    table = Table("id", "kind", "severity", "enabled", "title", "source")
    for rule in ruleset.rules:
        table.add_row(rule.id, rule.kind, rule.severity, "yes" if rule.enabled else "no",
                      rule.title.text().get(lang), rule.source)
    Console(width=200).print(table)


@rules.command("validate")
@click.argument("paths", nargs=-1, required=True)
def rules_validate(paths) -> None:
    """Validate rule files; exit 2 naming the file, rule and field of the first problem."""
    files = rule_files(list(paths))
    for path in files:
        parse_file(path)
    ruleset = load_ruleset(list(paths))
    click.echo(f"ok: {len(files)} file(s), {len(ruleset.rules)} rules, "
               f"{len(ruleset.taxonomy.duties)} duties")


@cli.command()
@click.argument("texts", nargs=-1, required=True, metavar="POST...")
@click.option("--permission", is_flag=True,
              help="Explain permission (function) names as a permission export's are classified.")
@click.option("--rules", "extra", multiple=True, metavar="PATH", help="Also load these rule files.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language (default: from LANG).")
def explain(texts, permission, extra, lang) -> None:
    """Show the duties each post maps to, the pattern that matched and the rule file and line to edit."""
    from .vocabulary import load as load_rules

    lang = lang or default_lang()
    click.get_current_context().meta["lang"] = lang
    rules = load_rules(*extra)
    for text in texts:
        click.echo(rules.classify(text, "permission" if permission else "post").describe(lang))


@cli.command()
@click.option("-o", "--output", metavar="FILE", required=True,
              help="Write the blank workbook here (xlsx).")
@click.option("--lang", type=click.Choice(["zh", "en"]),
              help="Language of the instructions and headers (default: from LANG).")
def template(output, lang) -> None:
    """Write a blank Annex 2 staffing workbook (附件2) with dropdowns and one example row."""
    from .template import render_template

    lang = lang or default_lang()
    refuse_terminal("xlsx", output, lang)
    write_output(render_template(lang), output)
    if output != "-":
        click.echo(f"已写入 {output}" if lang == "zh" else f"wrote {output}", err=True)


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; keep the default behind a reverse proxy.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--token", envvar="SODCHECK_TOKEN", metavar="TOKEN",
              help="Require this access token on every request (or set SODCHECK_TOKEN).")
@click.option("--max-upload-mb", default=20.0, show_default=True, type=click.FloatRange(0.1, 1024),
              help="Largest upload per check, all files together.")
@click.option("--rules", "rules", multiple=True, metavar="PATH",
              help="Office rule file (YAML) or folder added to every check. Repeatable.")
@click.option("--check-timeout", default=120.0, show_default=True, type=click.FloatRange(1, 3600),
              metavar="SECONDS", help="Stop a check that runs longer (answered 503).")
@click.option("--check-memory-mb", default=768, show_default=True, type=click.IntRange(200, 65536),
              help="Stop a check whose process uses more memory (answered 413).")
@click.option("--concurrent-checks", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Checks run at once, each in its own process; the rest wait their turn.")
def serve(host, port, token, max_upload_mb, rules, check_timeout, check_memory_mb, concurrent_checks) -> None:
    """Run the upload page: officers check their sheets in a browser; nothing is kept."""
    from .web.app import serve as run_server

    run_server(host=host, port=port, token=token or None, max_upload_mb=max_upload_mb,
               rules=list(rules), check_timeout=check_timeout, check_memory_mb=check_memory_mb,
               concurrent_checks=concurrent_checks)


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    from .imports import refuse_pandas

    refuse_pandas()
    # No pydantic plugins in a command: looking for them reads every installed package's metadata
    # (about 25 ms of each run). Callers of the Python API keep theirs.
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    cli.main(args=argv, prog_name="sodcheck", obj=CONSOLE)
