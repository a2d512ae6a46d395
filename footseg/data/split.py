"""Assigning whole composite pools to train/val/test.

composite-feet deals persons and floors into disjoint pools and pairs every foot with a floor of
its own pool, so giving each pool to exactly one split keeps every person, foot and floor inside one
split without discarding a single composite. What is left is a partition problem: choose the pools
of each split so the composite counts come as near as possible to the ratios.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Mapping

from footseg.errors import require
from footseg.io import read_json

SPLITS = ("train", "val", "test")
REQUIRED_FIELDS = ("index", "foot_ids", "person_id", "floor_id", "pool")


def validate_ratios(ratios: Mapping[str, Any]) -> dict[str, float]:
    """split.ratios as {train, val, test} floats >= 0 summing to 1, or a FootsegError naming the key."""
    require(
        isinstance(ratios, Mapping) and set(ratios) == set(SPLITS),
        f"split.ratios must have exactly the keys {', '.join(SPLITS)}, got {sorted(ratios) if isinstance(ratios, Mapping) else ratios!r}",
    )
    out = {}
    for name in SPLITS:
        value = ratios[name]
        require(
            isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0,
            f"split.ratios.{name} must be a number >= 0, got {value!r}",
        )
        out[name] = float(value)
    total = sum(out.values())
    require(abs(total - 1.0) < 1e-6, f"split.ratios must sum to 1, got {total:g}")
    return out


def read_manifest(path: str | Path) -> list[dict[str, Any]]:
    """The composite records of manifest.json, checked: every required field, indices 0..N-1."""
    path = Path(path)
    data = read_json(path)
    records = data.get("composites") if isinstance(data, dict) else None
    require(isinstance(records, list) and records, f"{path}: expected a non-empty 'composites' list")
    for position, record in enumerate(records):
        require(isinstance(record, dict), f"{path}: composites[{position}] is not an object")
        missing = [key for key in REQUIRED_FIELDS if key not in record]
        require(not missing, f"{path}: composites[{position}] lacks {', '.join(missing)}")
        require(record["index"] == position, f"{path}: composites[{position}] has index {record['index']!r}")
        require(isinstance(record["foot_ids"], list), f"{path}: composites[{position}].foot_ids is not a list")
    return records


def _error(counts: Mapping[str, int], targets: Mapping[str, float]) -> float:
    return sum(abs(counts[name] - targets[name]) for name in SPLITS)


def _contiguous_assignment(
    pools: list[Any], sizes: Mapping[Any, int], targets: Mapping[str, float], need: Mapping[str, bool]
) -> tuple[float, dict[Any, str]] | None:
    """The best assignment that gives each split a run of consecutive pools (train, val, test order).

    Preferred on ties: composite-feet numbers composites pool by pool, so each split is then one
    run of indices and the loader can hand out memory-map views.
    """
    prefix = [0, *itertools.accumulate(sizes[p] for p in pools)]
    best = None
    for a in range(len(pools) + 1):
        for b in range(a, len(pools) + 1):
            counts = {"train": prefix[a], "val": prefix[b] - prefix[a], "test": prefix[-1] - prefix[b]}
            pools_in = {"train": a, "val": b - a, "test": len(pools) - b}
            if any(need[name] and pools_in[name] == 0 for name in SPLITS):
                continue
            error = _error(counts, targets)
            if best is None or error < best[0] - 1e-9:
                best = (error, (a, b))
    if best is None:
        return None
    a, b = best[1]
    return best[0], {p: ("train" if i < a else "val" if i < b else "test") for i, p in enumerate(pools)}


def _greedy_assignment(
    pools: list[Any], sizes: Mapping[Any, int], targets: Mapping[str, float], need: Mapping[str, bool]
) -> tuple[float, dict[Any, str]]:
    """Largest pool first into the split furthest below its target, then single moves and swaps."""
    assignment: dict[Any, str] = {}
    counts = dict.fromkeys(SPLITS, 0)
    held = dict.fromkeys(SPLITS, 0)  # pools per split, kept up to date so a score costs O(1)
    for pool in sorted(pools, key=lambda p: -sizes[p]):  # stable: ties keep the sorted pool order
        name = max(SPLITS, key=lambda s: (targets[s] - counts[s], -SPLITS.index(s)))
        assignment[pool] = name
        counts[name] += sizes[pool]
        held[name] += 1

    def score() -> float:
        if any(need[name] and held[name] == 0 for name in SPLITS):
            return math.inf
        return _error(counts, targets)

    def move(pool: Any, name: str) -> None:
        old = assignment[pool]
        assignment[pool] = name
        counts[old] -= sizes[pool]
        counts[name] += sizes[pool]
        held[old] -= 1
        held[name] += 1

    current = score()
    improved = True
    while improved:  # terminates: every accepted step lowers a bounded-below error
        improved = False
        for pool in pools:
            for name in SPLITS:
                old = assignment[pool]
                if name == old:
                    continue
                move(pool, name)
                new = score()
                if new < current - 1e-9:
                    current, improved = new, True
                else:
                    move(pool, old)
        for p, q in itertools.combinations(pools, 2):
            sp, sq = assignment[p], assignment[q]
            if sp == sq or sizes[p] == sizes[q]:
                continue
            move(p, sq)
            move(q, sp)
            new = score()
            if new < current - 1e-9:
                current, improved = new, True
            else:
                move(p, sp)
                move(q, sq)
    return current, assignment


def assign_pools(pool_sizes: Mapping[Any, int], ratios: Mapping[str, float]) -> dict[Any, str]:
    """pool -> split name, every pool to exactly one split, counts as near the ratios as found.

    Deterministic (pools are taken in sorted order). Every split with a ratio > 0 gets at least one
    pool when there are enough pools.
    """
    ratios = validate_ratios(ratios)
    pools = sorted(pool_sizes)
    total = sum(pool_sizes.values())
    targets = {name: ratios[name] * total for name in SPLITS}
    wanted = [name for name in SPLITS if ratios[name] > 0]
    need = {name: name in wanted and len(pools) >= len(wanted) for name in SPLITS}
    greedy_error, greedy = _greedy_assignment(pools, pool_sizes, targets, need)
    contiguous = _contiguous_assignment(pools, pool_sizes, targets, need)
    if contiguous is not None and contiguous[0] <= greedy_error + 1e-9:
        return contiguous[1]
    return greedy


def _ids(record: Mapping[str, Any], key: str) -> Iterable[str]:
    return record["foot_ids"] if key == "foot_id" else [record[key]]


def split_composites(
    records: list[dict[str, Any]], ratios: Mapping[str, float], source: str = "manifest.json"
) -> tuple[dict[str, list[int]], dict[str, Any]]:
    """({split: sorted composite indices}, metrics) for manifest records.

    Raises FootsegError when the manifest's pools are not disjoint (a person, foot or floor in two
    pools), since no pool assignment could then keep the splits apart.
    """
    ratios = validate_ratios(ratios)
    pool_sizes: dict[Any, int] = defaultdict(int)
    owner: dict[tuple[str, str], Any] = {}
    for record in records:
        pool_sizes[record["pool"]] += 1
        for key in ("person_id", "foot_id", "floor_id"):
            for value in _ids(record, key):
                first = owner.setdefault((key, value), record["pool"])
                require(
                    first == record["pool"],
                    f"{source}: {key} {value!r} is in pools {first!r} and {record['pool']!r}; pools must be disjoint",
                )
    assignment = assign_pools(dict(pool_sizes), ratios)
    splits: dict[str, list[int]] = {name: [] for name in SPLITS}
    for record in records:
        splits[assignment[record["pool"]]].append(int(record["index"]))
    # An empty val or test split would only show up later as a crash or a meaningless score.
    wanted = [name for name in SPLITS if ratios[name] > 0]
    for name in wanted:
        require(
            len(splits[name]) > 0,
            f"{source}: split {name} would be empty (split.ratios.{name} = {ratios[name]:g}): the manifest has "
            f"{len(pool_sizes)} pool(s) for {len(wanted)} non-empty splits; composite-feet deals min(composite.pools, feet.persons, floors.count) "
            f"pools, so make all three >= {len(wanted)}",
        )
    splits = {name: sorted(indices) for name, indices in splits.items()}
    return splits, split_metrics(records, splits, assignment, ratios)


def split_metrics(
    records: list[dict[str, Any]],
    splits: Mapping[str, list[int]],
    assignment: Mapping[Any, str],
    ratios: Mapping[str, float],
) -> dict[str, Any]:
    """Counts, fractions, distinct persons/feet/floors and pairwise overlaps (0 by construction)."""
    total = len(records)
    ids = {name: {key: set() for key in ("person_id", "foot_id", "floor_id")} for name in SPLITS}
    for name, indices in splits.items():
        for index in indices:
            for key in ids[name]:
                ids[name][key].update(_ids(records[index], key))
    assigned = sum(len(indices) for indices in splits.values())
    overlaps = {
        f"{a}-{b}": {key: len(ids[a][key] & ids[b][key]) for key in ("person_id", "foot_id", "floor_id")}
        for a, b in itertools.combinations(SPLITS, 2)
    }
    return {
        "total": total,
        "counts": {name: len(splits[name]) for name in SPLITS},
        "fractions": {name: round(len(splits[name]) / total, 4) for name in SPLITS},
        "target_fractions": dict(ratios),
        "pools": {name: sum(1 for s in assignment.values() if s == name) for name in SPLITS},
        "persons": {name: len(ids[name]["person_id"]) for name in SPLITS},
        "feet": {name: len(ids[name]["foot_id"]) for name in SPLITS},
        "floors": {name: len(ids[name]["floor_id"]) for name in SPLITS},
        "overlap": overlaps,
        "overlap_total": sum(sum(pair.values()) for pair in overlaps.values()),
        "wasted": total - assigned,
    }


def write_split(split_dir: Path, splits: Mapping[str, list[int]]) -> None:
    """{train,val,test}.txt in ``split_dir``: one composite index per line, ascending."""
    for name in SPLITS:
        (split_dir / f"{name}.txt").write_text("".join(f"{i}\n" for i in splits[name]))
