"""footseg.deploy.adb: benchmark_model output parsing and the adb command lines (a fake adb records them)."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

import pytest

from footseg.deploy.adb import (
    Adb,
    adb_latency_fn,
    benchmark_command,
    parse_benchmark_output,
    phone_info,
    validate_adb_config,
)
from footseg.errors import FootsegError

DATA = Path(__file__).parent / "data"


def test_parse_current_output_with_percentiles() -> None:
    figures = parse_benchmark_output((DATA / "benchmark_model_output.txt").read_text())
    # The timed run is the last count= line, not the warm-up one before it.
    assert figures["runs"] == 63
    assert figures["mean_ms"] == pytest.approx(15.9013)
    assert figures["median_ms"] == pytest.approx(15.795)
    assert figures["p5_ms"] == pytest.approx(15.590) and figures["p95_ms"] == pytest.approx(16.822)
    assert figures["min_ms"] == pytest.approx(15.552) and figures["max_ms"] == pytest.approx(18.934)
    assert figures["std_ms"] == pytest.approx(0.486)
    assert figures["init_ms"] == pytest.approx(21.873)
    assert figures["first_inference_ms"] == pytest.approx(24.517)
    assert figures["warmup_mean_ms"] == pytest.approx(16.2446)
    assert figures["memory_init_mb"] == pytest.approx(3.41016)
    assert figures["memory_overall_mb"] == pytest.approx(11.7383)
    assert figures["memory_peak_mb"] == pytest.approx(15.1992)
    assert figures["model_size_mb"] == pytest.approx(0.412784)


def test_parse_older_output_without_percentiles_and_with_exponents() -> None:
    figures = parse_benchmark_output((DATA / "benchmark_model_output_old.txt").read_text())
    assert figures["runs"] == 50
    assert figures["mean_ms"] == pytest.approx(2950.34)  # "avg=2.95034e+06" us
    assert "median_ms" not in figures and "p95_ms" not in figures
    assert figures["memory_overall_mb"] == pytest.approx(46.0859)


def test_parse_failure_is_one_line_with_the_last_output_line() -> None:
    with pytest.raises(FootsegError, match=r"no 'Inference timings' line; last line: .*Permission denied$"):
        parse_benchmark_output("STARTING!\n/data/local/tmp/footseg/benchmark_model: Permission denied\n")


def test_benchmark_command_line() -> None:
    assert benchmark_command("/d/benchmark_model", "/d/m.tflite", threads=4, runs=50, warmup=5) == (
        "/d/benchmark_model --graph=/d/m.tflite --num_threads=4 --num_runs=50 --warmup_runs=5 --use_xnnpack=true"
    )


@pytest.fixture
def fake_adb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An `adb` on PATH that appends its argv (JSON) to calls.jsonl and answers benchmark runs."""
    log = tmp_path / "calls.jsonl"
    script = tmp_path / "bin" / "adb"
    script.parent.mkdir()
    script.write_text(
        f"#!{sys.executable}\n"
        "import json, sys\n"
        f"open({str(log)!r}, 'a').write(json.dumps(sys.argv[1:]) + '\\n')\n"
        "if sys.argv[-1] == 'ro.product.model':\n"
        "    print('Pixel 6')\n"
        "if any('benchmark_model --graph' in a for a in sys.argv):\n"
        f"    sys.stdout.write(open({str(DATA / 'benchmark_model_output.txt')!r}).read())\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{script.parent}{os.pathsep}{os.environ['PATH']}")
    return log


def test_commands_sent_to_the_phone(tmp_path: Path, fake_adb: Path) -> None:
    binary = tmp_path / "benchmark_model"
    binary.write_bytes(b"\x7fELF fake")
    model = tmp_path / "nanoseg.int8.tflite"
    model.write_bytes(b"fake")
    cfg = {
        "threads": [1, "all"],
        "runs": 50,
        "warmup": 5,
        "adb": {
            "adb": "adb",
            "serial": "R58M123",
            "benchmark_binary": str(binary),
            "device_dir": "/data/local/tmp/footseg/",
        },
    }
    result = adb_latency_fn(cfg)(model)
    calls = [json.loads(line) for line in fake_adb.read_text().splitlines()]
    d = "/data/local/tmp/footseg"
    assert calls == [
        ["-s", "R58M123", "shell", "mkdir", "-p", d],
        ["-s", "R58M123", "push", str(binary), f"{d}/benchmark_model"],
        ["-s", "R58M123", "shell", "chmod", "755", f"{d}/benchmark_model"],
        ["-s", "R58M123", "push", str(model), f"{d}/nanoseg.int8.tflite"],
        [
            "-s",
            "R58M123",
            "shell",
            f"{d}/benchmark_model --graph={d}/nanoseg.int8.tflite --num_threads=1 --num_runs=50 --warmup_runs=5 --use_xnnpack=true",
        ],
        [
            "-s",
            "R58M123",
            "shell",
            f"{d}/benchmark_model --graph={d}/nanoseg.int8.tflite --num_threads=-1 --num_runs=50 --warmup_runs=5 --use_xnnpack=true",
        ],
        ["-s", "R58M123", "shell", "rm", "-f", f"{d}/nanoseg.int8.tflite"],
    ]
    assert set(result) == {"benchmark_model"} and set(result["benchmark_model"]) == {"1", "all"}
    assert result["benchmark_model"]["1"]["median_ms"] == pytest.approx(15.795)


def test_phone_info_names_the_phone(fake_adb: Path) -> None:
    info = phone_info({"adb": "adb", "serial": None})
    assert info["cpu"] == "Pixel 6 (adb)" and info["phone"]["model"] == "Pixel 6" and info["phone"]["android"] is None
    calls = [json.loads(line) for line in fake_adb.read_text().splitlines()]
    assert ["shell", "getprop", "ro.product.model"] in calls


def test_adb_failure_is_one_line(tmp_path: Path) -> None:
    script = tmp_path / "adb"
    script.write_text("#!/bin/sh\necho 'error: no devices/emulators found' >&2\nexit 1\n")
    script.chmod(0o755)
    with pytest.raises(FootsegError, match=r"adb failed \(exit 1\): .* shell true: error: no devices/emulators found$"):
        Adb(str(script))("shell", "true")
    with pytest.raises(FootsegError, match=r"bench\.adb\.adb: .*missing-adb: executable not found"):
        Adb(str(tmp_path / "missing-adb"))("devices")


def test_config_errors_name_the_key(tmp_path: Path) -> None:
    with pytest.raises(FootsegError, match=r"bench\.adb\.benchmark_binary: .*nope: file not found"):
        validate_adb_config({"adb": "adb", "benchmark_binary": str(tmp_path / "nope"), "device_dir": "/data/local/tmp"})
    (tmp_path / "bm").write_bytes(b"x")
    with pytest.raises(FootsegError, match=r"bench\.adb\.device_dir must be an absolute path"):
        validate_adb_config({"adb": "adb", "benchmark_binary": str(tmp_path / "bm"), "device_dir": "tmp"})


def test_benchmark_stage_on_a_fake_phone(tmp_path: Path, fake_adb: Path) -> None:
    """The whole benchmark with bench.device=adb: timings from (fake) benchmark_model, scores local."""
    from footseg.deploy.benchmark import benchmark_all
    from footseg.deploy.report import report_all
    from tflite_helpers import exported_tiny

    tiny = exported_tiny(tmp_path / "tiny")
    binary = tmp_path / "benchmark_model"
    binary.write_bytes(b"\x7fELF fake")
    bench_cfg = {
        "device": "adb",
        "interpreters": ["tflite"],
        "threads": [1, "all"],
        "warmup": 1,
        "runs": 5,
        "max_seconds": None,
        "peak_gflops": 10.0,
        "real_dir": None,
        "peer_model": None,
        "grid_images": 1,
        "grid_precision": "int8",
        "adb": {"adb": "adb", "serial": None, "benchmark_binary": str(binary), "device_dir": "/data/local/tmp/footseg"},
    }
    record = benchmark_all(
        exported_dir=tiny["exported"],
        export_json=tiny["export_json"],
        composites_dir=tiny["composites"],
        split_dir=tiny["split"],
        bench_cfg=bench_cfg,
        metrics_path=tmp_path / "benchmark.json",
        plots_dir=tmp_path / "plots",
        progress=False,
    )
    report_all(
        benchmark_json=tmp_path / "benchmark.json",
        export_json=tiny["export_json"],
        results_md=tmp_path / "results.md",
        plots_dir=tmp_path / "plots",
        browser_dir=None,
    )
    row = record["models"]["tiny"]["int8"]
    assert record["device"] == "adb" and record["machine"]["cpu"] == "Pixel 6 (adb)"
    assert row["latency"]["benchmark_model"]["all"]["median_ms"] == pytest.approx(15.795)
    assert row["efficiency_interpreter"] == "benchmark_model"
    pushed = [c[-1] for c in map(json.loads, fake_adb.read_text().splitlines()) if c[0] == "push"]
    assert pushed[0].endswith("/benchmark_model") and len(pushed) == 1 + 6  # the binary once, then 6 files
    assert "| ms benchmark_model 1 thr | ms benchmark_model all thr |" in (tmp_path / "results.md").read_text()
