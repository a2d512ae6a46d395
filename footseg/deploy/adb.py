"""On-phone latency with TensorFlow Lite's official ``benchmark_model`` binary, driven over adb.

The binary (an Android build of tensorflow/lite/tools/benchmark:benchmark_model, path in
``bench.adb.benchmark_binary``) and each .tflite file are pushed to ``bench.adb.device_dir``; the
binary runs there with the configured threads and its printed statistics are parsed. No phone was
available where this was written: the parser is tested on benchmark_model's output format and the
adb command lines with a fake ``adb`` that records its arguments.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from pathlib import Path
from typing import Any

from ..errors import FootsegError, require

_NUMBER = r"([-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)"
# "count=63 first=15928 curr=15781 min=15552 max=18934 avg=15901.3 std=486 p5=... median=... p95=..."
_STAT_LINE = re.compile(r"\bcount=\d+\b.*\bavg=")
_STAT_FIELD = re.compile(r"\b(count|first|curr|min|max|avg|std|p5|median|p95)=" + _NUMBER)
_TIMINGS = re.compile(
    r"Inference timings in us: Init: "
    + _NUMBER
    + r", First inference: "
    + _NUMBER
    + r", Warmup \(avg\): "
    + _NUMBER
    + r", Inference \(avg\): "
    + _NUMBER
)
_MEMORY = re.compile(
    r"(?:Memory footprint delta from the start of the tool|Peak memory footprint) \(MB\): init="
    + _NUMBER
    + r" overall="
    + _NUMBER
)
_PEAK_MEMORY = re.compile(r"Overall peak memory footprint \(MB\) via periodic monitoring: " + _NUMBER)
_MODEL_SIZE = re.compile(r"The input model file size \(MB\): " + _NUMBER)


def parse_benchmark_output(text: str) -> dict[str, Any]:
    """benchmark_model's stdout -> figures in ms / MB.

    The last ``count=`` line is the timed run (the one before it is the warm-up); newer builds add
    p5/median/p95 to it, older ones do not (those keys are then absent).
    """
    timings = _TIMINGS.search(text)
    if timings is None:
        tail = [line for line in text.strip().splitlines() if line.strip()][-1:] or ["(no output)"]
        raise FootsegError(f"benchmark_model printed no 'Inference timings' line; last line: {tail[0].strip()}")
    init_us, first_us, warmup_us, avg_us = (float(g) for g in timings.groups())
    result: dict[str, Any] = {
        "init_ms": init_us / 1e3,
        "first_inference_ms": first_us / 1e3,
        "warmup_mean_ms": warmup_us / 1e3,
        "mean_ms": avg_us / 1e3,
    }
    stat_lines = [line for line in text.splitlines() if _STAT_LINE.search(line)]
    if stat_lines:
        fields = {k: float(v) for k, v in _STAT_FIELD.findall(stat_lines[-1])}
        result["runs"] = int(fields["count"])
        for key, name in (
            ("min", "min_ms"),
            ("max", "max_ms"),
            ("std", "std_ms"),
            ("p5", "p5_ms"),
            ("median", "median_ms"),
            ("p95", "p95_ms"),
        ):
            if key in fields:
                result[name] = fields[key] / 1e3
    memory = _MEMORY.search(text)
    if memory:
        result["memory_init_mb"], result["memory_overall_mb"] = float(memory.group(1)), float(memory.group(2))
    peak = _PEAK_MEMORY.search(text)
    if peak:
        result["memory_peak_mb"] = float(peak.group(1))
    size = _MODEL_SIZE.search(text)
    if size:
        result["model_size_mb"] = float(size.group(1))
    return {k: round(v, 6) if isinstance(v, float) else v for k, v in result.items()}


def validate_adb_config(cfg: dict[str, Any]) -> None:
    """Check ``bench.adb``: the benchmark_model binary must exist here, device_dir be absolute."""
    binary = cfg.get("benchmark_binary")
    require(bool(binary), "bench.adb.benchmark_binary must name the Android benchmark_model binary")
    require(Path(binary).is_file(), f"bench.adb.benchmark_binary: {binary}: file not found")
    device_dir = str(cfg.get("device_dir") or "")
    require(
        device_dir.startswith("/"), f"bench.adb.device_dir must be an absolute path on the phone, got {device_dir!r}"
    )
    require(bool(cfg.get("adb")), "bench.adb.adb must name the adb executable")


class Adb:
    """Runs adb commands against one device (``serial`` or the only one attached)."""

    def __init__(self, adb: str = "adb", serial: str | None = None, timeout_s: float = 600) -> None:
        self.adb = adb
        self.serial = serial
        self.timeout_s = timeout_s

    def argv(self, *args: str) -> list[str]:
        """The full command line for ``adb [-s serial] args...``."""
        return [self.adb, *(["-s", self.serial] if self.serial else []), *args]

    def __call__(self, *args: str) -> str:
        argv = self.argv(*args)
        try:
            proc = subprocess.run(argv, capture_output=True, text=True, timeout=self.timeout_s)
        except FileNotFoundError:
            raise FootsegError(
                f"bench.adb.adb: {self.adb}: executable not found (install Android platform-tools)"
            ) from None
        except subprocess.TimeoutExpired:
            raise FootsegError(f"adb timed out after {self.timeout_s:.0f} s: {shlex.join(argv)}") from None
        if proc.returncode != 0:
            detail = (proc.stderr.strip() or proc.stdout.strip() or "no output").splitlines()[-1]
            raise FootsegError(f"adb failed (exit {proc.returncode}): {shlex.join(argv)}: {detail}")
        return proc.stdout


def benchmark_command(device_binary: str, device_model: str, *, threads: int, runs: int, warmup: int) -> str:
    """The shell command run on the phone (``threads`` -1 lets TFLite pick the core count)."""
    return shlex.join(
        [
            device_binary,
            f"--graph={device_model}",
            f"--num_threads={threads}",
            f"--num_runs={runs}",
            f"--warmup_runs={warmup}",
            "--use_xnnpack=true",
        ]
    )


def prepare_device(adb: Adb, binary: str | os.PathLike[str], device_dir: str) -> str:
    """Create ``device_dir`` on the phone and push benchmark_model there; its path on the phone."""
    device_binary = f"{device_dir}/benchmark_model"
    adb("shell", "mkdir", "-p", device_dir)
    adb("push", str(binary), device_binary)
    adb("shell", "chmod", "755", device_binary)
    return device_binary


def benchmark_on_device(
    adb: Adb,
    device_binary: str,
    model: str | os.PathLike[str],
    device_dir: str,
    *,
    threads: list[int | str],
    runs: int,
    warmup: int,
) -> dict[str, dict[str, Any]]:
    """Push ``model`` and time it at each thread count: {"<threads>": parsed figures}.

    ``"all"`` becomes ``--num_threads=-1`` (TFLite's own choice of cores on the phone).
    """
    device_model = f"{device_dir}/{Path(model).name}"
    adb("push", str(model), device_model)
    out: dict[str, dict[str, Any]] = {}
    for t in threads:
        n = -1 if t == "all" else int(t)
        text = adb("shell", benchmark_command(device_binary, device_model, threads=n, runs=runs, warmup=warmup))
        figures = parse_benchmark_output(text)
        if "median_ms" not in figures:  # older builds print no percentiles: the mean stands in
            figures["median_ms"] = figures["mean_ms"]
            figures["median_is_mean"] = True
        out["all" if n == -1 else str(n)] = figures
    adb("shell", "rm", "-f", device_model)
    return out


PHONE_PROPERTIES = {
    "model": "ro.product.model",
    "soc": "ro.soc.model",
    "board": "ro.board.platform",
    "android": "ro.build.version.release",
}


def phone_info(adb_cfg: dict[str, Any]) -> dict[str, Any]:
    """What the phone is (model, SoC, Android version), for the report's "measured on" line."""
    adb = Adb(adb_cfg["adb"], adb_cfg.get("serial"))
    props = {key: adb("shell", "getprop", prop).strip() or None for key, prop in PHONE_PROPERTIES.items()}
    cpu = " ".join(v for v in (props["model"], props["soc"] or props["board"]) if v) or "Android phone"
    return {
        "cpu": f"{cpu} (adb)",
        "cores": None,
        "os": f"Android {props['android'] or '?'}",
        "phone": props,
        "interpreters": {"benchmark_model": "binary from bench.adb.benchmark_binary"},
    }


def adb_latency_fn(bench_cfg: dict[str, Any]) -> Any:
    """A ``latency_fn(path, input_range)`` for footseg.deploy.benchmark that times files on the phone.

    Sets the phone up once (benchmark_model pushed); each call pushes one model and returns
    {"benchmark_model": {"<threads>": figures}}.
    """
    adb_cfg = bench_cfg["adb"]
    validate_adb_config(adb_cfg)
    adb = Adb(adb_cfg["adb"], adb_cfg.get("serial"))
    device_dir = str(adb_cfg["device_dir"]).rstrip("/")
    device_binary = prepare_device(adb, adb_cfg["benchmark_binary"], device_dir)

    def latency(path: Path, input_range: float = 255.0) -> dict[str, dict[str, dict[str, Any]]]:
        # benchmark_model feeds random input of the model's own type: input_range does not apply.
        figures = benchmark_on_device(
            adb,
            device_binary,
            path,
            device_dir,
            threads=list(bench_cfg["threads"]),
            runs=int(bench_cfg["runs"]),
            warmup=int(bench_cfg["warmup"]),
        )
        return {"benchmark_model": figures}

    return latency
