"""The sample as JSON: the documented contract (docs/sample.md). The same inputs and seed give the
same bytes: keys in a fixed order, businesses by type then id, no time of drawing."""
from __future__ import annotations

import json

from .draw import Sample


def sample_doc(sample: Sample) -> dict:
    return {
        "month": sample.month,
        "seed": sample.seed,
        "rates": dict(sample.rates),
        "min_per_type": sample.min_per_type,
        "strata": [{"biz_type": s.biz_type, "class": s.class_id, "population": s.population, "size": s.size}
                   for s in sample.strata],
        "businesses": [{"biz_id": b.biz_id, "biz_type": b.biz_type, "class": b.class_id, "reason": b.reason,
                        "rules": list(b.rules),
                        "steps": [{"kind": s.kind, "step": s.step, "operator": s.operator, "time": s.time}
                                  for s in b.steps]}
                       for b in sample.businesses],
    }


def render(sample: Sample, lang: str) -> str:
    return json.dumps(sample_doc(sample), ensure_ascii=False, indent=2) + "\n"
