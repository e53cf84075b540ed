"""Helpers of the section-7 scripts (layer-wise conditioning paper): the `analysis` records of a
JSON-lines log (docs/LOG.md), per-layer fields over them, and robust summaries across seeds.
Condition numbers span decades, so they are summarised by medians and shown in %.3g."""
import json
import math
import os
import statistics


def analyses(log):
    """The log's analysis records in order: [{epoch, step, layers: [{name, field: value}]}]."""
    out = []
    if os.path.exists(log):
        with open(log) as f:
            for line in f:
                r = json.loads(line)
                if r.get("type") == "analysis":
                    out.append(r)
    return out


def field(record, layer, name):
    """A layer's value in one record, NaN when absent or not a number (the log writes 'nan')."""
    for entry in record["layers"]:
        if entry["name"] == layer:
            v = entry.get(name)
            return float(v) if isinstance(v, (int, float)) else float("nan")
    return float("nan")


def layer_names(records):
    return [entry["name"] for entry in records[-1]["layers"]] if records else []


def median(values):
    finite = [v for v in values if v == v and not math.isinf(v)]
    return statistics.median(finite) if finite else float("nan")


def spread(values):
    """'median (min–max)' of finite values, each %.3g; '—' when none."""
    finite = sorted(v for v in values if v == v and not math.isinf(v))
    if not finite:
        return "—"
    if len(finite) == 1:
        return f"{finite[0]:.3g}"
    return f"{statistics.median(finite):.3g} ({finite[0]:.3g}–{finite[-1]:.3g})"


def geomean(values):
    finite = [v for v in values if v == v and v > 0 and not math.isinf(v)]
    return math.exp(sum(math.log(v) for v in finite) / len(finite)) if finite else float("nan")
