"""The report stage: reports/results.md and plots/latency_vs_iou.{png,json}, from metrics/benchmark.json
and metrics/export.json (and the thesis' numbers). It only reads the records, so changing a table's
layout reruns this stage alone, never the timings.

Tables 4.1 (GFLOPs, ms, MB) and 4.2 (test acc/IoU, real acc/IoU) follow the thesis' layout with
its numbers beside ours; note that the thesis timed a ZTE Axon 7 phone and we time this machine.
"""

from __future__ import annotations

import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import FootsegError
from ..models.facts import FACTS
from .records import PRECISIONS, headline_latency, headline_rank, ordered_models

# The thesis' rows (Demborg 2018, tables 4.1 and 4.2), as the tables below read them.
THESIS: dict[str, dict[str, Any]] = {name: asdict(facts.thesis) for name, facts in FACTS.items() if facts.thesis}
PRECISION_MARKERS = {"fp32": "o", "fp16": "s", "int8": "^"}


def ordered_rows(record: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(model, precision, row) in report order."""
    out = []
    for name in ordered_models(list(record["models"])):
        per_precision = record["models"][name]
        for precision in sorted(per_precision, key=lambda p: PRECISIONS.index(p) if p in PRECISIONS else 9):
            out.append((name, precision, per_precision[precision]))
    return out


def _fmt(value: Any, digits: int | None = 4) -> str:
    """A table cell: "–" for missing, ``digits`` decimals, or the shortest form (digits=None)."""
    if value is None:
        return "–"
    if isinstance(value, float):
        # round, then + 0.0 turns -0.0 into 0.0: a drop of -0.000001 prints as 0.0000, not -0.0000
        return f"{value:g}" if digits is None else f"{round(value, digits) + 0.0:.{digits}f}"
    return str(value)


def latency_at(row: dict[str, Any], threads: str) -> tuple[str | None, dict[str, Any] | None]:
    """(interpreter, figures) headlining ``threads`` threads in a row (see records.HEADLINE_ORDER)."""
    return headline_latency(row.get("latency", {}), threads)


def thread_keys(record: dict[str, Any]) -> list[str]:
    """Thread counts measured, "1" first."""
    keys: set[str] = set()
    for per_precision in record["models"].values():
        for row in per_precision.values():
            for per_threads in row["latency"].values():
                keys.update(per_threads)
    return sorted(keys, key=lambda k: (k != "1", k))


def points(record: dict[str, Any]) -> list[dict[str, Any]]:
    """One point per model and precision: 1-thread median latency and test IoU (the plot's data)."""
    out = []
    for name, precision, row in ordered_rows(record):
        interp, lat = latency_at(row, "1")
        out.append(
            {
                "model": name,
                "precision": precision,
                "label": f"{name}.{precision}",
                "latency_ms": lat["median_ms"] if lat else None,
                "iou": row["test"]["iou"],
                "interpreter": interp,
            }
        )
    return out


def load_browser_records(browser_dir: str | os.PathLike[str] | None) -> list[dict[str, Any]]:
    """The records `footseg demo`'s /bench saved (metrics/browser/<device>.json), by device name."""
    import json

    if browser_dir is None or not Path(browser_dir).is_dir():
        return []
    records = []
    for path in sorted(Path(browser_dir).glob("*.json")):
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            continue  # a hand-edited or foreign file must not break the report
        if isinstance(record, dict) and isinstance(record.get("models"), dict):
            records.append(record)
    return records


def _browser_ms(row: dict[str, Any] | None) -> str:
    if not row or not row.get("latency"):
        return "–"
    per_threads = next(iter(row["latency"].values()))
    return _fmt(next(iter(per_threads.values()))["median_ms"], 2) if per_threads else "–"


def thesis_row(name: str, export_report: dict[str, Any] | None) -> dict[str, Any]:
    """The thesis' figures for ``name``, or only a label when the file is another architecture
    (e.g. a profile's teacher trained as a wide nanoseg is not the thesis' EmilSeg)."""
    arch = ((export_report or {}).get("models", {}).get(name) or {}).get("architecture", name)
    if arch != name:
        return {"name": f"{name} ({arch})"}
    return THESIS.get(name, {})


def render_browser_rows(records: list[dict[str, Any]]) -> str:
    """Table 4.1's cost columns for each browser's /bench record (LiteRT.js), beside the thesis' phone."""
    lines = [
        "## Table 4.1 in browsers (footseg demo's /bench, LiteRT.js; metrics/browser/)",
        "",
        "| device | backend | model | GFLOPs | ms fp32 | ms int8 | thesis ms | MB fp32 | MB int8 | user agent |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for record in records:
        machine = record.get("machine", {})
        backend = f"{machine.get('backend', '?')}" + (
            f" {machine['threads']} thr" if machine.get("backend") == "wasm" else ""
        )
        for name in ordered_models(list(record["models"])):
            per_precision = record["models"][name]
            fp32, int8 = per_precision.get("fp32"), per_precision.get("int8")
            any_row = next(iter(per_precision.values()))
            lines.append(
                f"| {record.get('device', '?')} | {backend} | {THESIS.get(name, {}).get('name', name)} | {_fmt(any_row.get('gflops'), 3)} "
                f"| {_browser_ms(fp32)} | {_browser_ms(int8)} | {_fmt(THESIS.get(name, {}).get('ms'), None)} "
                f"| {_fmt(fp32['size_mb'] if fp32 else None, 2)} | {_fmt(int8['size_mb'] if int8 else None, 2)} "
                f"| {str(machine.get('user_agent', ''))[:80]} |"
            )
    return "\n".join(lines)


def render_results(
    record: dict[str, Any],
    export_report: dict[str, Any] | None = None,
    browser_records: list[dict[str, Any]] | None = None,
) -> str:
    """results.md text: Tables 4.1 and 4.2 beside the thesis, all figures, the peer and the machine."""
    machine = record.get("machine", {})
    threads = thread_keys(record)
    lines = ["# Results", ""]
    lines += [
        f"Measured on: {machine.get('cpu', '?')}, {machine.get('cores', '?')} cores, {machine.get('os', '?')}; "
        f"device `{record['device']}`; interpreters: "
        + ", ".join(
            f"{k} {v}"
            for k, v in sorted(machine.get("interpreters", {}).items(), key=lambda kv: headline_rank(kv[0]))
            if v
        )
        + ".",
        f"Latency: median of up to {record.get('runs', '?')} timed runs after up to {record.get('warmup', '?')} warm-up runs "
        f"(each capped at {record.get('max_seconds')} s, at least 3 timed runs), XNNPACK on; "
        f"load average when the benchmark started: {machine.get('load_average_1min', '?')} "
        "(other work on the machine inflates every figure, multi-thread ones most). Thesis latency is a ZTE Axon 7 phone (2016), ours is this machine: compare ratios, not ms.",
        f"Scores: {record.get('eval_samples', '?')} synthetic test images; real set: "
        + (f"{record['real_samples']} photos" if record.get("real_samples") else "none given (`bench.real_dir`)")
        + ".",
        "",
        "## Table 4.1: cost (fp32 and int8, 1 thread)",
        "",
        "| model | GFLOPs | thesis GFLOPs | ms fp32 | ms int8 | thesis ms | MB fp32 | MB int8 | thesis MB | params |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ordered_models(list(record["models"])):
        per_precision = record["models"][name]
        thesis = thesis_row(name, export_report)
        any_row = next(iter(per_precision.values()))
        fp32, int8 = per_precision.get("fp32"), per_precision.get("int8")
        ms = [latency_at(r, "1")[1] if r else None for r in (fp32, int8)]
        lines.append(
            f"| {thesis.get('name', name)} | {_fmt(any_row['gflops'], 3)} | {_fmt(thesis.get('gflops'), None)} "
            f"| {_fmt(ms[0]['median_ms'] if ms[0] else None, 2)} | {_fmt(ms[1]['median_ms'] if ms[1] else None, 2)} "
            f"| {_fmt(thesis.get('ms'), None)} | {_fmt(fp32['size_mb'] if fp32 else None, 2)} "
            f"| {_fmt(int8['size_mb'] if int8 else None, 2)} | {_fmt(thesis.get('mb'), None)} | {any_row['params']:,} |"
        )
    if browser_records:
        lines += ["", render_browser_rows(browser_records)]
    lines += [
        "",
        "## Table 4.2: accuracy (fp32 file; test = synthetic test split, real = hand-labelled photos)",
        "",
        "| model | test acc | test IoU | real acc | real IoU | thesis test acc | thesis test IoU | thesis real acc | thesis real IoU |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in ordered_models(list(record["models"])):
        per_precision = record["models"][name]
        thesis = thesis_row(name, export_report)
        row = per_precision.get("fp32") or next(iter(per_precision.values()))
        real = row.get("real") or {}
        lines.append(
            f"| {thesis.get('name', name)} | {_fmt(row['test']['accuracy'])} | {_fmt(row['test']['iou'])} "
            f"| {_fmt(real.get('accuracy'))} | {_fmt(real.get('iou'))} | {_fmt(thesis.get('acc'))} "
            f"| {_fmt(thesis.get('iou'))} | {_fmt(thesis.get('real_acc'))} | {_fmt(thesis.get('real_iou'))} |"
        )
    lines += _real_set_table(record)
    peer = record.get("peer", {})
    header = " | ".join(f"ms {interp} {t} thr" for interp in _interpreters(record) for t in threads)
    lines += [
        "",
        "## Every file (median ms per interpreter and thread count; ratio = ours / peer, same interpreter and threads)",
        "",
        f"| file | MB | test acc | test IoU | test mIoU | int8 IoU drop | {header} | ratio to peer (1 thr) | efficiency (1 thr) |",
        "|---|---|---|---|---|---|" + "---|" * (len(_interpreters(record)) * len(threads)) + "---|---|",
    ]
    for name, precision, row in ordered_rows(record):
        cells = []
        for interp in _interpreters(record):
            for t in threads:
                lat = row["latency"].get(interp, {}).get(t)
                cells.append(_fmt(lat["median_ms"], 2) if lat else "–")
        ratio = None
        if row.get("latency_ratio_to_peer"):
            interp, _ = latency_at(row, "1")
            ratio = row["latency_ratio_to_peer"].get(interp, {}).get("1")
        drop = None
        if export_report and precision in export_report["models"].get(name, {}).get("exported", {}):
            drop = export_report["models"][name]["exported"][precision]["iou_drop"]
        eff = row.get("efficiency_1thread")
        lines.append(
            f"| {row['file']} | {_fmt(row['size_mb'], 3)} | {_fmt(row['test']['accuracy'])} | {_fmt(row['test']['iou'])} "
            f"| {_fmt(row['test']['miou'])} | {_fmt(drop)} | {' | '.join(cells)} | {_fmt(ratio, 2)} "
            f"| {f'{100 * eff:.1f} %' if eff is not None else '–'} |"
        )
    lines += ["", "## Peer: MediaPipe selfie segmenter (mediapipe==0.10.14 wheel)", ""]
    if peer.get("available"):
        cells = []
        for interp in _interpreters(record):
            for t in threads:
                lat = peer["latency"].get(interp, {}).get(t)
                cells.append(f"{interp} {t} thr {lat['median_ms']:.2f} ms" if lat else f"{interp} {t} thr –")
        test = peer.get("test") or {}
        real = peer.get("real") or {}
        lines += [
            f"{peer['file']}, {peer['size_mb']:.3f} MB; " + "; ".join(cells) + ".",
            f"IoU on feet (reference only: it segments people, so it marks the leg too): test {_fmt(test.get('iou'))}, "
            f"real {_fmt(real.get('iou'))}.",
        ]
    else:
        lines.append(f"not available: {peer.get('note', '')}")
    lines += [
        "",
        "Efficiency = FLOPs / latency / peak FLOP/s of one core "
        f"({record.get('peak_gflops', '?')} GFLOP/s fp32, `bench.peak_gflops`); int8 files can exceed 100 %.",
        "",
        "![segmentations](../plots/segmentation_grid.png)",
        "",
        "![latency vs IoU](../plots/latency_vs_iou.png)",
        "",
    ]
    return "\n".join(lines)


def _interpreters(record: dict[str, Any]) -> list[str]:
    names: set[str] = set()
    for per_precision in record["models"].values():
        for row in per_precision.values():
            names.update(row["latency"])
    return sorted(names, key=headline_rank)


def plot_latency_vs_iou(record: dict[str, Any], png: str | os.PathLike[str]) -> None:
    """Scatter of 1-thread median latency against test IoU, one colour per model, one marker per precision."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from ..io import atomic_file

    pts = [p for p in points(record) if p["latency_ms"] is not None]
    models = list(dict.fromkeys(p["model"] for p in pts))
    colours = plt.get_cmap("tab10")
    fig, ax = plt.subplots(figsize=(8, 4.5), dpi=120)
    labelled: set[str] = set()
    for p in pts:
        colour = colours(models.index(p["model"]) % 10)
        ax.scatter(p["latency_ms"], p["iou"], color=colour, marker=PRECISION_MARKERS.get(p["precision"], "o"), s=50)
        if p["model"] not in labelled:  # one name per model: the markers tell the precisions apart
            labelled.add(p["model"])
            ax.annotate(
                p["model"],
                (p["latency_ms"], p["iou"]),
                fontsize=7,
                color=colour,
                xytext=(4, 4),
                textcoords="offset points",
            )
    peer = record.get("peer", {})
    if peer.get("available") and peer.get("test"):
        _, lat = latency_at(peer, "1")
        if lat:
            ax.scatter(lat["median_ms"], peer["test"]["iou"], color="black", marker="x", s=60)
            ax.annotate(
                "mediapipe peer (marks legs)",
                (lat["median_ms"], peer["test"]["iou"]),
                fontsize=7,
                xytext=(4, -10),
                textcoords="offset points",
            )
    for precision, marker in PRECISION_MARKERS.items():
        ax.scatter([], [], color="grey", marker=marker, label=precision)
    ax.set_xscale("log")
    plain = matplotlib.ticker.FuncFormatter(lambda v, _: f"{v:g}")
    ax.xaxis.set_major_formatter(plain)
    latencies = [p["latency_ms"] for p in pts]
    if latencies and max(latencies) < 10 * min(latencies):  # under a decade: label the minor ticks too
        ax.xaxis.set_minor_formatter(plain)
        ax.tick_params(axis="x", which="minor", labelsize=7)
    else:
        ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("median latency, 1 thread (ms, log scale)")
    ax.set_ylabel("test IoU (foot)")
    ax.set_title(f"Latency vs IoU ({record['device']})")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="precision", title_fontsize=8)
    fig.tight_layout()
    with atomic_file(png) as tmp:
        fig.savefig(tmp, format="png")
    plt.close(fig)


def _real_set_table(record: dict[str, Any]) -> list[str]:
    """Real-set precision / recall / IoU per model (fp32 file); empty without a real set."""
    rows = []
    for name in ordered_models(list(record["models"])):
        per_precision = record["models"][name]
        row = per_precision.get("fp32") or next(iter(per_precision.values()))
        real = row.get("real") or {}
        if real.get("precision") is None and real.get("iou") is None:
            continue
        gap = None if real.get("iou") is None else real["iou"] - row["test"]["iou"]
        rows.append(
            f"| {name} | {_fmt(real.get('iou'))} | {_fmt(real.get('precision'))} | {_fmt(real.get('recall'))} "
            f"| {_fmt(real.get('mean_photo_iou'))} | {_fmt(gap)} |"
        )
    if not rows:
        return []
    where = record.get("real_dir") or "bench.real_dir"
    return [
        "",
        f"## Real set: {record.get('real_samples', '?')} photos ({Path(where).name}; frames squashed to the input)",
        "",
        "Precision = share of predicted-foot pixels that are foot (false positives here are mostly shins). "
        "Per-photo scores: metrics/benchmark.json; masks: plots/real_grid.jpg.",
        "",
        "| model | real IoU | precision | recall | mean per-photo IoU | real - test IoU |",
        "|---|---|---|---|---|---|",
        *rows,
    ]


def write_report(
    record: dict[str, Any],
    *,
    results_md: str | os.PathLike[str],
    plots_dir: str | os.PathLike[str],
    export_report: dict[str, Any] | None = None,
    browser_dir: str | os.PathLike[str] | None = "metrics/browser",
) -> None:
    """reports/results.md, plots/latency_vs_iou.png and plots/latency_vs_iou.json (the dvc plot's data).

    ``browser_dir``: records saved by `footseg demo`'s /bench, shown beside Table 4.1 (None: none)."""
    from ..io import atomic_file, write_json

    with atomic_file(results_md) as tmp:
        tmp.write_text(render_results(record, export_report, load_browser_records(browser_dir)), encoding="utf-8")
    plots_dir = Path(plots_dir)
    plot_latency_vs_iou(record, plots_dir / "latency_vs_iou.png")
    write_json(plots_dir / "latency_vs_iou.json", [p for p in points(record) if p["latency_ms"] is not None])


def report_all(
    *,
    benchmark_json: str | os.PathLike[str],
    export_json: str | os.PathLike[str],
    results_md: str | os.PathLike[str],
    plots_dir: str | os.PathLike[str],
    browser_dir: str | os.PathLike[str] | None = "metrics/browser",
) -> dict[str, Any]:
    """The report stage: read the benchmark and export records, write the report (write_report)."""
    from ..io import read_json

    record = read_json(benchmark_json)
    if not isinstance(record, dict) or not isinstance(record.get("models"), dict):
        raise FootsegError(
            f"{benchmark_json}: not a benchmark record (no 'models' mapping); re-run the benchmark stage"
        )
    write_report(
        record,
        results_md=results_md,
        plots_dir=plots_dir,
        export_report=read_json(export_json),
        browser_dir=browser_dir,
    )
    return record


def summary_line(record: dict[str, Any], results_md: str | os.PathLike[str]) -> str:
    """The stage's one line: where the report went and how many files it covers."""
    return f"report: {results_md}, {len(ordered_rows(record))} files"
