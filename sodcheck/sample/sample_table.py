"""The sample on a terminal: the method's parameters, the strata and the businesses (rich)."""
from __future__ import annotations

import io
import shutil

from rich import box
from rich.console import Console
from rich.table import Table

from ..text import printable
from .draw import Sample
from .wording import WORDS, percent, rates_text, step_line, type_text


def render(sample: Sample, lang: str) -> str:
    w = WORDS[lang]
    out = io.StringIO()
    console = Console(file=out, width=max(100, shutil.get_terminal_size((120, 40)).columns), no_color=True,
                      highlight=False)
    console.print(w["title"].format(month=sample.month), markup=False)
    console.print(f"{w['month']}: {sample.month}  {w['seed']}: {sample.seed}  {w['min_per_type']}: "
                  f"{sample.min_per_type}  {w['rates']}: {rates_text(sample.rates, sample.class_label, lang)}",
                  markup=False)
    console.print(f"{w['fingerprint']}: {sample.fingerprint}", markup=False)
    strata = Table(w["biz_type"], w["class"], w["population"], w["rate"], w["size"], w["findings"],
                   box=box.SIMPLE)
    for s in sample.strata:
        strata.add_row(printable(type_text(s.biz_type, lang)), sample.class_label(s.class_id, lang),
                       str(s.population), percent(sample.rate_of.get(s.class_id, 0), lang), str(s.size),
                       str(s.findings))
    console.print(strata)
    listing = Table(w["biz_id"], w["biz_type"], w["reason"], w["rules"], w["steps"], box=box.SIMPLE)
    for b in sample.businesses:
        listing.add_row(printable(b.biz_id), printable(type_text(b.biz_type, lang)), w[b.reason], " ".join(b.rules),
                        printable("\n".join(step_line(s.time, s.kind, s.step, s.who.get(lang), lang) for s in b.steps)))
    console.print(listing)
    return out.getvalue()
