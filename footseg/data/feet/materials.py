"""What a foot wears and the colour of every point on it: skin tones across the whole human range,
socks (solid, striped, dotted, diamond; ankle/crew/long), sneaker-like shoes and trousers.

``sample_appearance`` draws one person's look (JSON-serialisable, shared by both feet);
``albedo`` evaluates it per pixel from world positions, so stripes and laces stay sharp on a
coarse mesh.
"""

from __future__ import annotations

from typing import Any

import numpy as np

# Skin albedo as photographed (sRGB 0..1), lightest to darkest, in the order and spread of the
# Monk Skin Tone scale's 10 swatches (Google, 2022); the chart's own swatches are idealised (too
# yellow and bright on the light end for a lit foot). FIND's texture covers only about tones 2-4.
SKIN_TONES = (
    np.array(
        [
            [240, 210, 200],
            [232, 195, 180],
            [222, 180, 160],
            [210, 163, 140],
            [194, 146, 120],
            [170, 122, 97],
            [143, 98, 75],
            [115, 77, 58],
            [86, 58, 45],
            [62, 43, 35],
        ],
        dtype=np.float32,
    )
    / 255.0
)

SOCK_COLOURS = [
    [0.92, 0.92, 0.90],
    [0.08, 0.08, 0.09],
    [0.45, 0.46, 0.48],
    [0.12, 0.16, 0.32],
    [0.62, 0.10, 0.12],
    [0.85, 0.75, 0.55],
    [0.20, 0.40, 0.25],
    [0.90, 0.55, 0.65],
    [0.95, 0.80, 0.20],
    [0.35, 0.55, 0.80],
]
SHOE_UPPERS = [
    [0.93, 0.93, 0.92],
    [0.07, 0.07, 0.08],
    [0.50, 0.50, 0.52],
    [0.10, 0.14, 0.30],
    [0.70, 0.12, 0.10],
    [0.25, 0.45, 0.75],
    [0.80, 0.72, 0.58],
    [0.25, 0.35, 0.22],
    [0.55, 0.35, 0.20],
]
SOLE_COLOURS = [[0.95, 0.95, 0.93], [0.88, 0.86, 0.80], [0.10, 0.10, 0.10], [0.55, 0.38, 0.22]]
TROUSER_COLOURS = [
    [0.16, 0.24, 0.40],
    [0.28, 0.38, 0.55],
    [0.10, 0.10, 0.11],
    [0.40, 0.40, 0.42],
    [0.70, 0.62, 0.46],
    [0.30, 0.30, 0.22],
    [0.55, 0.52, 0.50],
]

NAIL_POLISH = [[0.75, 0.05, 0.10], [0.90, 0.45, 0.55], [0.35, 0.05, 0.15], [0.10, 0.10, 0.12], [0.95, 0.90, 0.90]]

COVERINGS = ("bare", "sock", "shoe")
SOCK_PATTERNS = ("solid", "striped", "dots", "diamond")
SOCK_LENGTHS = ("ankle", "crew", "long")


def _pick(rng: np.random.Generator, palette: list[list[float]], jitter: float = 0.04) -> list[float]:
    colour = np.asarray(palette[int(rng.integers(len(palette)))]) + rng.normal(0, jitter, 3)
    return [round(float(c), 4) for c in np.clip(colour, 0.02, 0.98)]


def skin_rgb(tone: float) -> np.ndarray:
    """Albedo of a skin tone on the continuous Monk scale 0 (lightest) .. 9 (darkest)."""
    tone = float(np.clip(tone, 0, 9))
    lo = int(np.floor(tone))
    hi = min(lo + 1, 9)
    return SKIN_TONES[lo] * (1 - (tone - lo)) + SKIN_TONES[hi] * (tone - lo)


def sample_appearance(rng: np.random.Generator, coverings: dict[str, float], trouser_prob: float) -> dict[str, Any]:
    """One person's look: skin tone, covering (bare / sock / shoe) and its colours, trousers."""
    tone = float(rng.uniform(0, 9))
    names = [n for n in COVERINGS if coverings.get(n, 0) > 0]
    weights = np.array([coverings[n] for n in names], dtype=np.float64)
    covering = names[int(rng.choice(len(names), p=weights / weights.sum()))]
    look: dict[str, Any] = {
        "skin_tone": round(tone, 3),
        "skin_rgb": [round(float(c), 4) for c in skin_rgb(tone) * rng.uniform(0.95, 1.05, 3)],
        "covering": covering,
        "leg_hair": round(float(rng.uniform(0, 1) ** 2), 3),
        "nail_polish": _pick(rng, NAIL_POLISH, 0.03) if rng.random() < 0.12 else None,
    }
    if covering == "sock" or (covering == "shoe" and rng.random() < 0.7):
        pattern = SOCK_PATTERNS[int(rng.choice(4, p=[0.45, 0.25, 0.15, 0.15]))]
        length = SOCK_LENGTHS[int(rng.integers(3))] if covering == "sock" else SOCK_LENGTHS[int(rng.integers(2))]
        look["sock"] = {
            "pattern": pattern,
            "length": length,
            "colour": _pick(rng, SOCK_COLOURS),
            "colour2": _pick(rng, SOCK_COLOURS),
            "period": round(float(rng.uniform(0.008, 0.03)), 4),
            "heel_toe": bool(rng.random() < 0.35),
            "extra_height": round(float(rng.uniform(0, 1)), 3),
        }
    if covering == "shoe":
        look["shoe"] = {
            "upper": _pick(rng, SHOE_UPPERS),
            "sole": _pick(rng, SOLE_COLOURS, 0.02),
            "laces": _pick(rng, [[0.95, 0.95, 0.95], [0.08, 0.08, 0.08]], 0.02) if rng.random() < 0.6 else None,
            "sole_height": round(float(rng.uniform(0.012, 0.03)), 4),
            "collar": round(float(rng.uniform(0.06, 0.09)), 4),
        }
    if rng.random() < trouser_prob:
        look["trousers"] = {
            "colour": _pick(rng, TROUSER_COLOURS),
            "hem_above_ankle": round(float(rng.uniform(0.0, 0.15)), 4),
            "ease": round(float(rng.uniform(0.015, 0.045)), 4),
            "denim": bool(rng.random() < 0.5),
        }
    return look


def _noise3(points: np.ndarray, scale: float, seed: int) -> np.ndarray:
    """Cheap smooth 3D noise in about [-1, 1] (blotches at ``scale`` cycles per metre): a sum of
    random plane waves, attached to the surface so both views of a foot agree."""
    rng = np.random.default_rng(seed)
    dirs = rng.normal(size=(3, 3))
    dirs /= np.linalg.norm(dirs, axis=1, keepdims=True)
    freqs = scale * rng.uniform(0.6, 1.6, 3)
    phases = rng.uniform(0, 2 * np.pi, 3)
    k = (dirs * freqs[:, None] * 2 * np.pi).astype(np.float32)
    p = points.astype(np.float32)
    total = np.zeros(len(p), np.float32)
    for i in range(3):  # explicit sums: faster than a (N, 3) @ (3, 3) matmul here
        total += np.sin(p[:, 0] * k[i, 0] + p[:, 1] * k[i, 1] + p[:, 2] * k[i, 2] + np.float32(phases[i]))
    return total * np.float32(1.4 / 3)


def sock_top(look: dict[str, Any], ankle_top: float) -> float:
    """Height (m above the floor) where the sock's cuff ends."""
    sock = look["sock"]
    extra = sock["extra_height"]
    if sock["length"] == "ankle":
        return ankle_top * (0.45 + 0.15 * extra)
    if sock["length"] == "crew":
        return ankle_top + 0.06 + 0.08 * extra
    return ankle_top + 0.22 + 0.1 * extra


def albedo(
    points: np.ndarray,
    part: np.ndarray,
    base: np.ndarray,
    look: dict[str, Any],
    foot_length: float,
    ankle_top: float,
    ankle_x: float,
    grain: np.ndarray,
    seed: int,
    nail: np.ndarray | None = None,
    strands: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per-pixel (albedo (N, 3), specular strength (N,), shininess (N,), bare skin (N,) bool).

    ``points`` are world positions of the visible surface, ``part`` 1 foot / 0 leg / 2 trousers,
    ``base`` the source's per-vertex skin colour divided by its mean (variation around 1), ``grain``
    fine per-pixel noise (about N(0, 1), pores, knit, fabric), ``nail`` where toenails are,
    ``strands`` (0..1) where shin hairs lie when the look has ``hair_strands`` (feet.hair_strands).
    """
    n = len(points)
    x, z = points[:, 0], points[:, 2]
    # Skin: keep the source's per-vertex variation, move its mean to the person's tone.
    variation = np.maximum(base, 0.2)
    fine = 1.0 + 0.015 * grain + 0.03 * _noise3(points, 60.0, seed)
    colour = np.clip(np.asarray(look["skin_rgb"]) * variation**0.6 * fine[:, None], 0, 1)
    # Lower leg: a faint darker grain (hair) above the ankle.
    leg = part == 0
    if leg.any():
        hair = look["leg_hair"] * np.clip(grain[leg], 0, 2)
        fade = np.clip((z[leg] - ankle_top) / 0.05, 0, 1)  # hair starts above the ankle
        colour[leg] *= (1.0 - 0.06 * hair * fade)[:, None]
        if strands is not None:  # visible dark hairs, denser on a hairier person
            dark = look["hair_strands"] * np.sqrt(look["leg_hair"]) * strands[leg] * fade
            colour[leg] *= (1.0 - dark)[:, None]
    spec = np.full(n, 0.12, np.float32)
    shine = np.full(n, 18.0, np.float32)
    skin = np.ones(n, bool)
    if nail is not None and nail.any():
        # Toenails: paler and glossier than the skin around them (or polished).
        polish = look.get("nail_polish")
        nail_colour = np.asarray(polish) if polish else 0.72 * colour[nail] + 0.28 * np.array([0.92, 0.80, 0.78])
        colour[nail] = nail_colour
        spec[nail] = 0.4
        shine[nail] = 45.0

    if "sock" in look:
        sock = look["sock"]
        covered = (z < sock_top(look, ankle_top)) & (part != 2)
        if covered.any():
            p = points[covered]
            c1, c2 = np.asarray(sock["colour"]), np.asarray(sock["colour2"])
            period = sock["period"]
            # Stripes run around the leg and, on the foot, around the instep.
            s = p[:, 2] + np.maximum(p[:, 0] - ankle_x, 0)
            if sock["pattern"] == "striped":
                second = np.sin(2 * np.pi * s / period) > 0.2
            elif sock["pattern"] == "dots":
                cell = np.mod(p / period, 1.0) - 0.5
                second = np.linalg.norm(cell, axis=1) < 0.28
            elif sock["pattern"] == "diamond":
                u, v = (s + p[:, 1]) / period, (s - p[:, 1]) / period
                second = (np.floor(u) + np.floor(v)) % 2 == 0
            else:
                second = np.zeros(len(p), bool)
            sc = np.where(second[:, None], c2, c1)
            if sock["heel_toe"]:
                patch = ((p[:, 0] < 0.14 * foot_length) & (p[:, 2] < 0.07)) | (p[:, 0] > 0.86 * foot_length)
                sc = np.where(patch[:, None], c2 * 0.85 + 0.05, sc)
            # Knit: fine ribs, and the cuff a little darker.
            knit = 1.0 + 0.05 * np.sin(2 * np.pi * (p[:, 1] + p[:, 0]) / 0.0025) + 0.05 * grain[covered]
            cuff = p[:, 2] > sock_top(look, ankle_top) - 0.012
            sc = sc * (knit * np.where(cuff, 0.92, 1.0))[:, None]
            colour[covered] = np.clip(sc, 0, 1)
            spec[covered] = 0.02
            skin[covered] = False
            shine[covered] = 4.0

    if "shoe" in look:
        shoe = look["shoe"]
        # The shoe covers the foot below the collar at the back and everything ahead of the ankle.
        collar = np.where(x < ankle_x + 0.04, shoe["collar"], 1.0)
        covered = (part == 1) & (z < collar)
        if covered.any():
            p = points[covered]
            sc = np.tile(np.asarray(shoe["upper"]), (len(p), 1))
            sole = p[:, 2] < shoe["sole_height"]
            sc[sole] = shoe["sole"]
            edge = np.abs(p[:, 2] - shoe["sole_height"]) < 0.0025  # the stitched seam above the sole
            sc[edge] *= 0.6
            if shoe["laces"] is not None:
                lace_zone = (
                    (p[:, 0] > 0.40 * foot_length)
                    & (p[:, 0] < 0.70 * foot_length)
                    & (np.abs(p[:, 1]) < 0.018)
                    & (p[:, 2] > shoe["sole_height"] + 0.03)
                )
                lace = lace_zone & (np.mod(p[:, 0] / 0.009, 1.0) < 0.45)
                sc[lace_zone] *= 0.8  # the tongue between the lace rows
                sc[lace] = shoe["laces"]
            sc *= (1.0 + 0.02 * grain[covered])[:, None]
            colour[covered] = np.clip(sc, 0, 1)
            spec[covered] = np.where(sole, 0.05, 0.25)
            skin[covered] = False
            shine[covered] = 30.0

    trousers = part == 2
    if trousers.any():
        look_t = look["trousers"]
        p = points[trousers]
        tc = np.tile(np.asarray(look_t["colour"]), (len(p), 1))
        if look_t["denim"]:
            twill = 1.0 + 0.08 * np.sin(2 * np.pi * (p[:, 2] + 0.5 * p[:, 1] + 0.5 * p[:, 0]) / 0.002)
            tc = tc * twill[:, None] * (1.0 + 0.06 * grain[trousers])[:, None]
        else:
            tc = tc * (1.0 + 0.03 * grain[trousers])[:, None]
        colour[trousers] = np.clip(tc, 0, 1)
        spec[trousers] = 0.02
        skin[trousers] = False
        shine[trousers] = 4.0
    return colour.astype(np.float32), spec, shine, skin
