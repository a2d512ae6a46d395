"""The project's own parametric foot (feet=procedural): no learned model, no files.

A foot is built from swept closed sections (all CCW seen from outside, metres, x heel -> toe,
y to the foot's left, z up, sole on z = 0, heel at x = 0, like FIND's template):

- the body: superelliptic sections along x from the heel to the ball, flat-bottomed, domed on
  top, the medial arch lifted off the floor;
- five toes with their own length, thickness and spread, resting on the floor and curling a little;
- the ankle: an elliptic column over the heel up to the ankle top, widening into the heel.

Parts overlap rather than being stitched: a z-buffer shows their union, which reads as one
watertight surface. Every person is a left foot and its mirror image (the right foot).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..types import FootMesh
from .geometry import mirror

# FIND's mean skin colour: materials.py recolours around the mean, so only the variation matters.
BASE_SKIN = np.array([0.64, 0.43, 0.35], np.float32)
SEGMENTS = 32


def sweep(xs: np.ndarray, centres: np.ndarray, ring: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A closed tube through K sections perpendicular to x, capped at both ends.

    ``xs`` (K,) section positions, ``centres`` (K, 2) section centres (y, z), ``ring`` (K, S, 2)
    section outlines (y, z) relative to the centres, counter-clockwise seen from +x.
    """
    k, s = ring.shape[:2]
    pts = np.concatenate([np.broadcast_to(xs[:, None, None], (k, s, 1)), centres[:, None, :] + ring], axis=-1)
    verts = pts.reshape(-1, 3)
    r = np.arange(k - 1)[:, None]
    j = np.arange(s)[None, :]
    a, b = r * s + j, r * s + (j + 1) % s
    c, d = a + s, b + s
    faces = [np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)]
    start, end = len(verts), len(verts) + 1
    verts = np.vstack([verts, [xs[0], *centres[0]], [xs[-1], *centres[-1]]])
    first, last = np.arange(s), (k - 1) * s + np.arange(s)
    faces.append(np.stack([np.full(s, start), np.roll(first, -1), first], -1))
    faces.append(np.stack([np.full(s, end), last, np.roll(last, -1)], -1))
    return verts.astype(np.float32), np.vstack(faces).astype(np.int32)


def _superellipse(
    half_w: np.ndarray,
    half_h: np.ndarray,
    n_top: float,
    n_bottom: float,
    taper_top: np.ndarray | float = 0.0,
    segments: int = SEGMENTS,
) -> np.ndarray:
    """(K, S, 2) outlines: flatter below (sole), rounder and narrower on top (dorsum)."""
    theta = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    c, s = np.cos(theta), np.sin(theta)
    n = np.where(s >= 0, n_top, n_bottom)
    y = np.sign(c) * np.abs(c) ** (2 / n)
    z = np.sign(s) * np.abs(s) ** (2 / n)
    narrow = 1 - np.asarray(taper_top, dtype=np.float64)[..., None] * np.clip(z, 0, 1) ** 2
    return np.stack([half_w[:, None] * y[None] * narrow, half_h[:, None] * z[None]], axis=-1)


def _ends(t: np.ndarray, rounding: float) -> np.ndarray:
    """0 at both ends of t in [0, 1], rising like a circle over ``rounding`` of the length."""
    a = np.clip(t / rounding, 0, 1)
    b = np.clip((1 - t) / rounding, 0, 1)
    return np.sqrt(1 - (1 - a) ** 2) * np.sqrt(1 - (1 - b) ** 2)


def sample_shape(rng: np.random.Generator) -> dict[str, Any]:
    """Anthropometric parameters of one person's foot (metres), JSON-serialisable."""
    length = rng.uniform(0.22, 0.30)
    ball_w = length * rng.uniform(0.36, 0.42)
    tips = np.array([1.0, rng.uniform(0.975, 1.01), 0.957, 0.925, 0.88]) + rng.normal(0, 0.005, 5)
    shape = {
        "length": length,
        "ball_width": ball_w,
        "heel_width": ball_w * rng.uniform(0.62, 0.72),
        "instep_height": rng.uniform(0.058, 0.075) * length / 0.26,
        "arch_height": rng.uniform(0.004, 0.02),
        "ankle_height": rng.uniform(0.10, 0.13),
        "ankle_width": rng.uniform(0.055, 0.068),
        "ankle_depth": rng.uniform(0.07, 0.085),
        "toe_tips": (tips / tips.max()).tolist(),
        "toe_radii": (np.array([0.0145, 0.0098, 0.0092, 0.0088, 0.0082]) * rng.uniform(0.88, 1.12)).tolist(),
        "toe_spread": rng.uniform(0.0, 0.004),
        "toe_curl": rng.uniform(0.0, 0.006),
    }
    return {k: [round(float(x), 5) for x in v] if isinstance(v, list) else round(float(v), 5) for k, v in shape.items()}


def left_foot_mesh(shape: dict[str, Any], rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(vertices, faces, colours) of a left foot (big toe toward -y) with these parameters."""
    L = shape["length"]
    parts_v, parts_f, parts_c = [], [], []

    def add(v: np.ndarray, f: np.ndarray, colour: np.ndarray) -> None:
        parts_f.append(f + sum(len(x) for x in parts_v))
        parts_v.append(v)
        parts_c.append(colour)

    # Body: heel to the front of the ball, denser sections near the rounded ends.
    t = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, 36))
    x_front = 0.83 * L
    xs = t * x_front
    u = xs / L
    half_w = np.interp(
        u,
        [0, 0.15, 0.45, 0.7, 0.83],
        [
            0.5 * shape["heel_width"],
            0.5 * shape["heel_width"],
            0.42 * shape["ball_width"],
            0.5 * shape["ball_width"],
            0.45 * shape["ball_width"],
        ],
    )
    half_w = half_w * _ends(t, 0.12)
    top = np.interp(u, [0, 0.1, 0.3, 0.45, 0.72, 0.83], [0.045, 0.05, 0.058, shape["instep_height"], 0.036, 0.03])
    top = top * (0.35 + 0.65 * _ends(t, 0.08))
    centre_y = -0.12 * shape["ball_width"] * np.clip((u - 0.3) / 0.4, 0, 1)  # the medial border runs straighter
    ring = _superellipse(
        half_w, top / 2, 2.2, 4.0, taper_top=np.interp(u, [0, 0.3, 0.5, 0.83], [0.5, 0.45, 0.45, 0.35])
    )
    centres = np.stack([centre_y, top / 2], axis=-1)
    v, f = sweep(xs, centres, ring)
    # The medial arch: lift the sole on the medial (-y) side around 40 % of the length.
    medial = np.clip(-(v[:, 1] - np.interp(v[:, 0] / L, u, centre_y)) / (0.5 * shape["ball_width"]), 0, 1)
    arch = shape["arch_height"] * np.exp(-((((v[:, 0] / L) - 0.42) / 0.13) ** 2)) * medial
    low = v[:, 2] < 0.02
    v[:, 2] = np.where(low, v[:, 2] + arch * (1 - v[:, 2] / 0.02), v[:, 2])
    add(v, f, np.ones((len(v), 3), np.float32))

    # Five toes, big toe medial: a curved flattened tube each, rounded at the tip.
    ys = np.array([-0.29, -0.07, 0.08, 0.2, 0.31]) * shape["ball_width"] + centre_y[-1]
    ys = ys + np.array([-2, -0.5, 0.5, 1.5, 2.5]) * shape["toe_spread"]
    for i in range(5):
        r = shape["toe_radii"][i]
        tip = shape["toe_tips"][i] * L
        base = (0.7 - 0.025 * abs(i - 1)) * L
        tt = np.sin(np.linspace(0, np.pi / 2, 10))  # dense toward the tip
        txs = base + (tip - base) * tt
        cap = np.sqrt(np.clip(1 - ((txs - (tip - r)) / r).clip(0) ** 2, 0, 1))  # hemispherical tip
        radius = r * (1.05 - 0.1 * tt) * cap
        cz = r * 0.8 + shape["toe_curl"] * np.sin(np.pi * tt) + 0.008 * (1 - tt) ** 2
        cy = ys[i] + (0.004 if i == 0 else -0.002 * i) * tt  # big toe angles in, small toes out
        toe_ring = _superellipse(radius + 1e-5, radius * 0.85 + 1e-5, 2.0, 2.6, segments=16)
        tv, tf = sweep(txs, np.stack([cy, cz], -1), toe_ring)
        tip_w = np.clip((tv[:, 0] - base) / (tip - base), 0, 1)
        add(
            tv,
            tf,
            np.ones((len(tv), 3), np.float32) * np.array([1 + 0.06 * tip_w, 1 - 0.05 * tip_w, 1 - 0.05 * tip_w]).T,
        )

    # The ankle column over the heel, up to the top of the mesh, capped (the leg continues it).
    ax = shape["ankle_depth"] / 2 + 0.006  # the Achilles tendon just ahead of the heel's back
    theta = np.linspace(0, 2 * np.pi, SEGMENTS, endpoint=False)
    zs = np.linspace(0.03, shape["ankle_height"], 10)
    flare = 1 + 0.25 * np.clip((0.075 - zs) / 0.045, 0, 1) ** 1.5  # widens into the heel: no shelf
    # The front of the ankle slopes down into the instep: the column reaches further forward low down.
    reach = 0.58 * L - ax - shape["ankle_depth"] / 2
    ramp = np.clip((shape["ankle_height"] - 0.03 - zs) / (shape["ankle_height"] - 0.06), 0, 1) ** 1.2
    rx_front = shape["ankle_depth"] / 2 * flare + max(reach, 0.0) * ramp
    rx_back = shape["ankle_depth"] / 2 * flare
    cos, sin = np.cos(theta)[None], np.sin(theta)[None]
    col = np.stack(
        [
            ax + np.where(cos > 0, rx_front[:, None], rx_back[:, None]) * cos,
            shape["ankle_width"] / 2 * flare[:, None] * sin,
            zs[:, None].repeat(SEGMENTS, 1),
        ],
        -1,
    ).reshape(-1, 3)
    rr, jj = np.arange(9)[:, None], np.arange(SEGMENTS)[None, :]
    a, b = rr * SEGMENTS + jj, rr * SEGMENTS + (jj + 1) % SEGMENTS
    cf = np.vstack(
        [
            np.stack([a, b, b + SEGMENTS], -1).reshape(-1, 3),
            np.stack([a, b + SEGMENTS, a + SEGMENTS], -1).reshape(-1, 3),
        ]
    )
    top_i, bottom_i = len(col), len(col) + 1
    col = np.vstack([col, [ax, 0, shape["ankle_height"] + 0.004], [ax, 0, zs[0]]])
    last, first = 9 * SEGMENTS + np.arange(SEGMENTS), np.arange(SEGMENTS)
    cf = np.vstack(
        [
            cf,
            np.stack([last, np.roll(last, -1), np.full(SEGMENTS, top_i)], -1),
            np.stack([np.roll(first, -1), first, np.full(SEGMENTS, bottom_i)], -1),
        ]
    )
    add(col.astype(np.float32), cf.astype(np.int32), np.ones((len(col), 3), np.float32))
    vertices = np.vstack(parts_v).astype(np.float32)
    faces = np.vstack(parts_f).astype(np.int32)
    variation = np.vstack(parts_c)
    # Skin variation: paler, pinker sole; redder heel; a little per-vertex mottling.
    z = vertices[:, 2]
    sole = np.clip(1 - z / 0.008, 0, 1)[:, None]
    heel = np.clip(1 - vertices[:, 0] / (0.12 * L), 0, 1)[:, None] * np.clip(1 - z / 0.05, 0, 1)[:, None]
    variation = variation * (1 + sole * np.array([0.08, 0.02, 0.03])) * (1 + heel * np.array([0.05, -0.04, -0.03]))
    variation = variation * (1 + rng.normal(0, 0.015, (len(vertices), 1)))
    colours = np.clip(BASE_SKIN * variation, 0, 1).astype(np.float32)
    return vertices, faces, colours


def sample_person(person_id: str, rng: np.random.Generator) -> list[FootMesh]:
    """The left and right foot of one person: one set of parameters, mirrored."""
    shape = sample_shape(rng)
    vertices, faces, colours = left_foot_mesh(shape, rng)
    params = {"source": "procedural", **shape}
    left = FootMesh(vertices, faces, colours, "left", f"{person_id}-left", person_id, params)
    return [left, mirror(left, "right", f"{person_id}-right")]
