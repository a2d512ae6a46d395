"""footseg.data.split and stages/split.py: whole pools per split, nothing shared, nothing wasted."""

from __future__ import annotations

import itertools
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from conftest import ROOT
from footseg.data.split import SPLITS, assign_pools, split_composites, validate_ratios
from footseg.errors import FootsegError

RATIOS = {"train": 0.62, "val": 0.18, "test": 0.20}


def generated_manifest(seed: int, pools: int, uneven: bool = True) -> list[dict]:
    """Records as composite-feet writes them: persons (two feet each) and floors dealt into pools."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(1, 40, pools) if uneven else np.full(pools, 12)
    records = []
    for pool, size in enumerate(sizes):
        persons = [f"p{pool}-{k}" for k in range(int(rng.integers(1, 4)))]
        floors = [f"f{pool}-{k}" for k in range(int(rng.integers(1, 5)))]
        for _ in range(int(size)):
            person = persons[int(rng.integers(len(persons)))]
            sides = ["left", "right"] if rng.random() < 0.3 else [str(rng.choice(["left", "right"]))]
            records.append(
                {
                    "index": len(records),
                    "foot_ids": [f"{person}-{side}" for side in sides],
                    "person_id": person,
                    "floor_id": floors[int(rng.integers(len(floors)))],
                    "view": "phone-0",
                    "pool": pool,
                    "augment": {},
                }
            )
    return records


@pytest.mark.parametrize("seed", range(12))
def test_invariant_and_near_ratio_on_generated_manifests(seed: int):
    records = generated_manifest(seed, pools=int(np.random.default_rng(seed).integers(3, 30)))
    splits, metrics = split_composites(records, RATIOS)
    assigned = sorted(itertools.chain.from_iterable(splits.values()))
    assert assigned == list(range(len(records)))  # every composite exactly once: none wasted
    assert metrics["wasted"] == 0 and metrics["overlap_total"] == 0
    for a, b in itertools.combinations(SPLITS, 2):
        for key in ("person_id", "floor_id"):
            ids_a = {records[i][key] for i in splits[a]}
            ids_b = {records[i][key] for i in splits[b]}
            assert not ids_a & ids_b
        feet_a = {f for i in splits[a] for f in records[i]["foot_ids"]}
        feet_b = {f for i in splits[b] for f in records[i]["foot_ids"]}
        assert not feet_a & feet_b
    pool_of = {r["index"]: r["pool"] for r in records}
    for name in SPLITS:  # whole pools only
        assert all(
            pool_of[i] not in {pool_of[j] for other in SPLITS if other != name for j in splits[other]}
            for i in splits[name]
        )
        assert splits[name], name
    largest_pool = max(np.bincount([r["pool"] for r in records]))
    for name in SPLITS:
        assert abs(len(splits[name]) - RATIOS[name] * len(records)) <= largest_pool


@pytest.mark.parametrize("seed", range(20))
def test_assignment_is_close_to_the_brute_force_optimum(seed: int):
    rng = np.random.default_rng(100 + seed)
    sizes = {p: int(s) for p, s in enumerate(rng.integers(1, 50, int(rng.integers(3, 8))))}
    total = sum(sizes.values())

    def error(assignment) -> float:
        counts = {n: sum(sizes[p] for p, s in assignment.items() if s == n) for n in SPLITS}
        return sum(abs(counts[n] - RATIOS[n] * total) for n in SPLITS)

    best = min(
        error(dict(zip(sizes, combo)))
        for combo in itertools.product(SPLITS, repeat=len(sizes))
        if set(combo) == set(SPLITS)
    )
    found = assign_pools(sizes, RATIOS)
    assert set(found.values()) == set(SPLITS)
    assert error(found) <= best + 0.1 * max(sizes.values()) + 1e-6


def test_balanced_pools_give_exact_ratios_and_contiguous_runs():
    # 50 equal pools, 62/18/20: exactly 31/9/10 pools, each split one run of indices.
    records = generated_manifest(0, pools=50, uneven=False)
    splits, metrics = split_composites(records, RATIOS)
    assert metrics["pools"] == {"train": 31, "val": 9, "test": 10}
    for indices in splits.values():
        assert indices == list(range(indices[0], indices[0] + len(indices)))


def test_deterministic():
    records = generated_manifest(5, pools=17)
    assert split_composites(records, RATIOS) == split_composites(records, RATIOS)


def test_pools_that_share_a_floor_are_refused():
    records = generated_manifest(1, pools=4)
    records[-1]["floor_id"] = records[0]["floor_id"]
    with pytest.raises(FootsegError, match="floor_id .* pools must be disjoint"):
        split_composites(records, RATIOS)


@pytest.mark.parametrize(
    "ratios, message",
    [
        ({"train": 0.7, "val": 0.2, "test": 0.2}, "split.ratios must sum to 1"),
        ({"train": 1.2, "val": -0.2, "test": 0.0}, "split.ratios.val must be a number >= 0"),
        ({"train": 0.8, "val": 0.2}, "split.ratios must have exactly the keys"),
    ],
)
def test_bad_ratios_name_the_key(ratios, message):
    with pytest.raises(FootsegError, match=message):
        validate_ratios(ratios)


def run_stage(tmp_path: Path, *overrides: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            str(ROOT / "stages" / "split.py"),
            "profile=smoke",
            f"paths.composites={tmp_path / 'composites'}",
            f"paths.split={tmp_path / 'split'}",
            f"paths.metrics={tmp_path / 'metrics'}",
            "hydra.run.dir=.",
            "hydra.output_subdir=null",
            *overrides,
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )


def test_stage_writes_lists_and_metrics(tmp_path: Path):
    (tmp_path / "composites").mkdir()
    records = generated_manifest(2, pools=5)
    (tmp_path / "composites" / "manifest.json").write_text(json.dumps({"composites": records}))
    result = run_stage(tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("split: ")
    metrics = json.loads((tmp_path / "metrics" / "split.json").read_text())
    assert metrics["overlap_total"] == 0 and metrics["wasted"] == 0
    lines = {n: (tmp_path / "split" / f"{n}.txt").read_text().split() for n in SPLITS}
    assert sum(len(v) for v in lines.values()) == len(records)
    assert {n: len(v) for n, v in lines.items()} == metrics["counts"]


def test_stage_errors_write_nothing(tmp_path: Path):
    result = run_stage(tmp_path)
    assert result.returncode == 2
    assert "manifest.json: file not found" in result.stderr and len(result.stderr.strip().splitlines()) == 1
    (tmp_path / "composites").mkdir()
    (tmp_path / "composites" / "manifest.json").write_text("{broken")
    result = run_stage(tmp_path)
    assert result.returncode == 2 and "not valid JSON" in result.stderr
    (tmp_path / "composites" / "manifest.json").write_text(json.dumps({"composites": generated_manifest(0, 3)}))
    result = run_stage(tmp_path, "split.ratios.val=0.5")
    assert result.returncode == 2 and "split.ratios must sum to 1" in result.stderr
    assert not (tmp_path / "split").exists() and not (tmp_path / "metrics").exists()


@pytest.mark.parametrize(
    "profile, expected",
    [
        ("laptop", {"train": 2480, "val": 720, "test": 800}),
        ("thesis", {"train": 43896, "val": 12960, "test": 14168}),  # the thesis' split sizes
    ],
)
def test_profiles_reach_their_split_sizes(profile: str, expected: dict):
    from conftest import compose_config

    cfg = compose_config(profile=profile)
    pools = min(cfg.composite.pools, cfg.feet.persons, cfg.floors.count)  # as composite-feet deals them
    count = cfg.composite.count
    sizes = {p: count // pools + (1 if p < count % pools else 0) for p in range(pools)}
    assignment = assign_pools(sizes, dict(cfg.split.ratios))
    counts = {n: sum(sizes[p] for p, s in assignment.items() if s == n) for n in SPLITS}
    assert all(abs(counts[n] - expected[n]) <= 1 for n in SPLITS), counts
