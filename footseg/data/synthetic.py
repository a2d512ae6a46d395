"""Stand-in feet and floors for tests and benchmarks (no FIND model, no floor generator needed).

A "foot" is a skin-toned ellipse (the mask) with a rectangular "leg" running out of the view's top
edge (alpha only), the shape composite.py has to handle; a "floor" is a noisy two-tone stripe
texture. Deterministic for a seed.
"""

from __future__ import annotations

import numpy as np

from footseg.data.types import Floor, FootView


def synthetic_view(rng: np.random.Generator, person: int, side: str, view: str, size: int = 96) -> FootView:
    """One foot view: an ellipse foot in the lower part of the view, a leg up to the top edge."""
    h, w = size, int(size * 0.8)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cy, cx = h * 0.68, w * 0.5
    foot = ((xx - cx) / (w * 0.22)) ** 2 + ((yy - cy) / (h * 0.28)) ** 2 <= 1.0
    leg = (np.abs(xx - cx) <= w * 0.13) & (yy <= cy - h * 0.12)
    skin = rng.uniform([150, 100, 80], [240, 200, 170])
    shade = 0.8 + 0.2 * (xx / w)[..., None]
    rgb = np.clip(skin * shade + rng.normal(0, 6, (h, w, 3)), 0, 255).astype(np.uint8)
    alpha = ((foot | leg) * 255).astype(np.uint8)
    return FootView(
        rgb=rgb,
        alpha=alpha,
        mask=foot,
        foot_id=f"person{person:03d}-{side}",
        person_id=f"person{person:03d}",
        view=view,
        params={"synthetic": True},
    )


def synthetic_views(
    persons: int, views: tuple[str, ...] = ("phone-0", "scanner-0"), seed: int = 0, size: int = 96
) -> list[FootView]:
    """Left and right foot of ``persons`` persons in every named view."""
    rng = np.random.default_rng(seed)
    return [
        synthetic_view(rng, p, side, view, size) for p in range(persons) for side in ("left", "right") for view in views
    ]


def synthetic_floors(count: int, size: int = 160, seed: int = 0) -> list[Floor]:
    """``count`` textured floors of ``size`` px."""
    rng = np.random.default_rng([seed, 1])
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32)
    floors = []
    for i in range(count):
        base = rng.uniform(40, 200, 3)
        stripes = 25 * np.sin(xx * rng.uniform(0.05, 0.3) + yy * rng.uniform(0, 0.2))[..., None]
        image = np.clip(base + stripes + rng.normal(0, 10, (size, size, 3)), 0, 255).astype(np.uint8)
        floors.append(Floor(image=image, floor_id=f"floor{i:03d}"))
    return floors
