"""The sample as CSV, one row per business, with the month and seed on every row (a CSV has no
other place for them). UTF-8 with a BOM so that Excel opens Chinese text correctly."""
from __future__ import annotations

import csv
import io

from .draw import Sample
from .wording import WORDS, step_line, type_text


def render(sample: Sample, lang: str) -> str:
    w = WORDS[lang]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if lang == "zh":
        writer.writerow([w["month"], w["seed"], w["biz_id"], w["biz_type"], w["class"], w["reason"], w["rules"],
                         w["steps"]])
    else:
        writer.writerow(["month", "seed", "biz_id", "biz_type", "class", "reason", "rules", "steps"])
    for b in sample.businesses:
        steps = "; ".join(step_line(s.time, s.kind, s.step, s.who.get(lang), lang) for s in b.steps)
        writer.writerow([sample.month, sample.seed, b.biz_id,
                         type_text(b.biz_type, lang) if lang == "zh" else b.biz_type,
                         sample.class_label(b.class_id, lang) if lang == "zh" else b.class_id,
                         w[b.reason] if lang == "zh" else b.reason, " ".join(b.rules), steps])
    return "\ufeff" + out.getvalue()
