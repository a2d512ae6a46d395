"""Browser vs Python latency of the same .tflite files: headless Chromium's /bench (LiteRT.js wasm)
beside footseg.deploy.benchmark.measure_latency (Python interpreter), same thread count, printed as a table.

    python scripts/bench_browser.py [exported] [--threads 1] [--runs 30] [--warmup 5] [--save metrics/browser]

Browser ms = model.run() + reading the output back (what the live page shows); Python ms =
interpreter.invoke() only. Needs scripts/setup_browser.sh's chromium and npm packages.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def browser_times(models_dir: Path, threads: int, runs: int, warmup: int, save: Path | None, chromium: str) -> dict:
    from playwright.sync_api import sync_playwright

    from footseg.deploy.demo.server import make_server

    metrics_dir = save or Path(tempfile.mkdtemp(prefix="bench_browser_"))
    srv = make_server(
        model=None,
        models_dir=models_dir,
        host="127.0.0.1",
        port=0,
        metrics_dir=metrics_dir,
        node_modules=REPO / "node_modules",
        export_report_path=REPO / "metrics" / "export.json",
    )
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{srv.server_address[1]}/bench?backend=wasm&threads={threads}&runs={runs}&warmup={warmup}&device=headless-chromium"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page()
            page.goto(url)
            page.wait_for_function("window.footsegBench && (footsegBench.done || footsegBench.error)", timeout=600_000)
            state = page.evaluate(
                "({error: footsegBench.error, results: footsegBench.results, ua: navigator.userAgent})"
            )
            if state["error"]:
                raise SystemExit(f"error: {url}: {state['error']}")
            if save is not None:
                page.click("#save")
                page.wait_for_function("footsegBench.saved || footsegBench.error", timeout=30_000)
                print(f"saved: {page.evaluate('footsegBench.saved || footsegBench.error')}")
            browser.close()
    finally:
        srv.shutdown()
        srv.server_close()
    print(f"browser: {state['ua']}")
    return {r["file"]: r["times_ms"] for r in state["results"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models_dir", type=Path, nargs="?", default=Path("exported"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--interpreter", default="tflite", choices=["tflite", "litert"])
    parser.add_argument("--save", type=Path, default=None, help="also Save the browser record into this folder")
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()

    from footseg.deploy.benchmark import measure_latency
    from footseg.deploy.interpreter import TFLiteModel

    browser = browser_times(args.models_dir, args.threads, args.runs, args.warmup, args.save, args.chromium)
    print(f"{args.threads} thread(s), {args.warmup} warm-up + {args.runs} timed runs; ratio = browser / Python")
    print(f"| file | browser median ms | browser p90 ms | Python {args.interpreter} median ms | ratio |")
    print("|---|---|---|---|---|")
    for file_name, times in browser.items():
        model = TFLiteModel(args.models_dir / file_name, interpreter=args.interpreter, threads=args.threads)
        py = measure_latency(model, args.warmup, args.runs)
        b = float(np.median(times))
        print(
            f"| {file_name} | {b:.2f} | {np.percentile(times, 90):.2f} | {py['median_ms']:.2f} | {b / py['median_ms']:.2f} |",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
