"""Floor materials as functions of floor coordinates (metres): albedo (sRGB, 0..1) and gloss.

Each material draws its own parameters from the floor's rng and returns them for the manifest.
Fine detail is faded where one pixel covers more floor than the detail's size (``footprint``),
so far-away grain turns into its average colour instead of aliasing into moire.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from .noise import NoiseField, hash_ids, random_per_id, smoothstep

F32 = np.float32


@dataclass
class Surface:
    """Where to evaluate a material: floor coordinates plus per-pixel footprint (metres)."""

    x: np.ndarray
    y: np.ndarray
    footprint: np.ndarray
    rng: np.random.Generator
    noise: NoiseField
    centre: tuple[float, float] = (0.0, 0.0)  # floor coordinates at the image centre


@dataclass
class Material:
    albedo: np.ndarray  # (H, W, 3) float32 sRGB 0..1
    gloss: float  # 0 matte .. 1 mirror-like polish (strength of the window reflection)
    params: dict[str, Any]


# Named palettes (sRGB) so the manifest says what a floor is.
WOODS = {
    "light-oak": (0.80, 0.63, 0.43),
    "oak": (0.70, 0.50, 0.31),
    "walnut": (0.42, 0.28, 0.18),
    "cherry": (0.63, 0.36, 0.22),
    "maple": (0.86, 0.72, 0.53),
    "grey-wash": (0.64, 0.60, 0.54),
    "dark-stain": (0.30, 0.20, 0.13),
    "white-wash": (0.87, 0.82, 0.74),
    "teak": (0.58, 0.40, 0.22),
}
TILE_COLOURS = {
    "white": (0.90, 0.90, 0.88),
    "cream": (0.88, 0.83, 0.72),
    "grey": (0.62, 0.62, 0.61),
    "charcoal": (0.25, 0.25, 0.26),
    "terracotta": (0.72, 0.40, 0.26),
    "sand": (0.80, 0.72, 0.58),
    "black": (0.10, 0.10, 0.11),
    "sage": (0.62, 0.68, 0.58),
    "blue": (0.42, 0.55, 0.68),
}
STONES = {
    "slate": (0.33, 0.35, 0.36),
    "travertine": (0.83, 0.76, 0.63),
    "limestone": (0.78, 0.75, 0.67),
    "granite-grey": (0.50, 0.50, 0.50),
    "sandstone": (0.76, 0.64, 0.48),
    "basalt": (0.22, 0.22, 0.23),
}
MARBLES = {
    "carrara": ((0.90, 0.90, 0.89), (0.45, 0.47, 0.50)),
    "calacatta": ((0.93, 0.91, 0.86), (0.55, 0.48, 0.38)),
    "nero": ((0.09, 0.09, 0.10), (0.85, 0.85, 0.83)),
    "verde": ((0.16, 0.30, 0.24), (0.80, 0.85, 0.80)),
    "crema": ((0.87, 0.80, 0.66), (0.66, 0.56, 0.42)),
    "grigio": ((0.55, 0.56, 0.57), (0.88, 0.88, 0.87)),
}
TEXTILES = {
    "beige": (0.72, 0.65, 0.54),
    "grey": (0.52, 0.52, 0.53),
    "charcoal": (0.24, 0.24, 0.26),
    "navy": (0.16, 0.20, 0.35),
    "burgundy": (0.45, 0.12, 0.14),
    "forest": (0.20, 0.34, 0.22),
    "brown": (0.38, 0.27, 0.19),
    "cream": (0.85, 0.80, 0.70),
    "rust": (0.62, 0.32, 0.18),
    "teal": (0.16, 0.42, 0.44),
    "mustard": (0.75, 0.60, 0.22),
    "blue": (0.30, 0.42, 0.62),
}
LINO = {
    "beige": (0.78, 0.72, 0.60),
    "grey": (0.60, 0.61, 0.60),
    "green": (0.50, 0.60, 0.48),
    "blue": (0.48, 0.56, 0.66),
    "red": (0.62, 0.30, 0.26),
    "yellow": (0.84, 0.76, 0.48),
    "white": (0.86, 0.86, 0.84),
    "brown": (0.50, 0.38, 0.28),
}


def _pick(rng: np.random.Generator, palette: dict[str, Any]) -> tuple[str, Any]:
    name = list(palette)[int(rng.integers(len(palette)))]
    return name, palette[name]


def _jitter(colour: Any, rng: np.random.Generator, amount: float = 0.06) -> np.ndarray:
    """A palette colour nudged in brightness and hue so no two floors share it exactly."""
    c = np.asarray(colour, F32) * F32(rng.uniform(1 - amount, 1 + amount))
    return np.clip(c * (1 + rng.uniform(-amount / 2, amount / 2, 3)).astype(F32), 0, 1)


def _fade(footprint: np.ndarray, detail_m: float) -> np.ndarray:
    """1 where a pixel is much smaller than the detail, -> 0 where it covers several of them."""
    return np.clip(1.5 - footprint / detail_m, 0.0, 1.0)


def _edge_line(dist_to_edge: np.ndarray, half_width: float, footprint: np.ndarray) -> np.ndarray:
    """Anti-aliased coverage (0..1) of a seam or grout line ``half_width`` metres either side of an edge."""
    soft = np.maximum(footprint, 1e-4) * 0.75
    cover = smoothstep(half_width + soft, half_width - soft, dist_to_edge)
    # A line thinner than a pixel still darkens the pixels it crosses, by its share of their area.
    thin = np.clip(2 * half_width / np.maximum(footprint, 1e-4), 0, 1) * 0.8 * (dist_to_edge < footprint)
    return np.maximum(cover, thin)


# --- wood --------------------------------------------------------------------------------------


@dataclass
class Slats:
    """Every pixel's board: position along/across its grain (metres), size, id."""

    along: np.ndarray
    across: np.ndarray
    length: np.ndarray | float
    width: float
    ids: np.ndarray


def plank_layout(x: np.ndarray, y: np.ndarray, width: float, length: float, rng: np.random.Generator) -> Slats:
    """Boards in rows of ``width``, lengths staggered at random from row to row."""
    row = np.floor(y / width).astype(np.int64)
    shift = random_per_id(hash_ids(row, salt=1), rng) * length
    u = x + shift
    col = np.floor(u / length).astype(np.int64)
    return Slats(u - col * length, y - row * width, length, width, hash_ids(row, col, salt=2))


def herringbone_layout(x: np.ndarray, y: np.ndarray, width: float, ratio: int) -> Slats:
    """Herringbone: boards ratio x 1 (in units of width); diagonal bands alternate horizontal/vertical.

    On the integer grid of cells, cell (cx, cy) belongs to a horizontal board when
    (cx - cy) mod 2n < n (that board spans row cy), else to a vertical one spanning column cx.
    """
    u, v = x / width, y / width
    cx, cy = np.floor(u).astype(np.int64), np.floor(v).astype(np.int64)
    diag = cx - cy
    band = np.floor_divide(diag, 2 * ratio)
    horizontal = (diag - band * 2 * ratio) < ratio
    h_along = u - (cy + band * 2 * ratio)
    v_along = v - (cx - band * 2 * ratio - 2 * ratio + 1)
    along = np.where(horizontal, h_along, v_along) * width
    across = np.where(horizontal, v - cy, u - cx) * width
    ids = hash_ids(band, np.where(horizontal, cy, cx), horizontal.astype(np.int64), salt=3)
    return Slats(along, across, ratio * width, width, ids)


def basketweave_layout(x: np.ndarray, y: np.ndarray, width: float, per_square: int) -> Slats:
    """Square parquet blocks of ``per_square`` boards, the direction alternating like a chessboard."""
    side = width * per_square
    i, j = np.floor(x / side).astype(np.int64), np.floor(y / side).astype(np.int64)
    lx, ly = x - i * side, y - j * side
    flip = ((i + j) % 2) == 1
    along = np.where(flip, ly, lx)
    across_all = np.where(flip, lx, ly)
    k = np.floor(across_all / width).astype(np.int64)
    return Slats(along, across_all - k * width, side, width, hash_ids(i, j, k, salt=4))


def wood_grain(s: Surface, slats: Slats, base: np.ndarray, *, tone_var: float, prints: int | None) -> np.ndarray:
    """Albedo of boards: per-board tone, growth rings, fibres; ``prints`` repeats a few printed
    textures the way laminate does (None: every board is its own piece of wood)."""
    rng, n = s.rng, s.noise
    key = slats.ids if prints is None else slats.ids % prints
    tone = 1.0 + tone_var * (random_per_id(key, rng) * 2 - 1)
    warm = 1.0 + 0.05 * (random_per_id(key, rng) * 2 - 1)
    ox = random_per_id(key, rng) * 200.0
    oy = random_per_id(key, rng) * 200.0
    # Growth rings per metre across the board; each board cut from a different part of a log.
    ring_freq = float(rng.uniform(25, 70)) * (0.6 + 0.8 * random_per_id(key, rng))
    arch = 0.5 + 3.0 * random_per_id(key, rng)  # flat-sawn boards show arches ("cathedrals")
    a = slats.along + ox
    c = slats.across + oy
    warp = n.fbm(a * 1.2, c * 6.0, octaves=3, lattice=1)
    rings = 0.5 + 0.5 * np.sin(2 * np.pi * (c * ring_freq + 2.5 * warp + arch * np.sin(a * 1.7)))
    rings = rings**6  # thin dark latewood lines
    fibres = n.fbm(a * 4.0, c * 220.0, octaves=2, lattice=2)
    blotch = n.fbm(a * 3.0, c * 12.0, octaves=2, lattice=3)
    fine = _fade(s.footprint, 0.004)
    shade = tone * (1.0 - 0.22 * rings * _fade(s.footprint, 0.012) + 0.07 * fibres * fine + 0.06 * blotch)
    albedo = base[None, None, :] * shade[..., None]
    albedo[..., 0] *= warm
    albedo[..., 2] /= warm
    return albedo


def _board_edges(
    s: Surface, slats: Slats, albedo: np.ndarray, seam_m: float, darkness: float, end_seams: bool = True
) -> np.ndarray:
    d = np.minimum(slats.across, slats.width - slats.across)
    if end_seams:
        d = np.minimum(d, np.minimum(slats.along, slats.length - slats.along))
    line = _edge_line(d, seam_m, s.footprint)
    # A bevel: the board edge a little darker just inside the seam.
    bevel = smoothstep(seam_m * 4, seam_m, d) * 0.12
    return albedo * (1.0 - darkness * line - bevel * (1 - line))[..., None]


def wood(s: Surface) -> Material:
    """Solid or engineered wood planks."""
    rng = s.rng
    name, colour = _pick(rng, WOODS)
    width = float(rng.choice([0.07, 0.09, 0.12, 0.15, 0.19, 0.22]))
    length = float(rng.uniform(0.8, 2.2))
    slats = plank_layout(s.x, s.y, width, length, rng)
    tone_var = float(rng.uniform(0.06, 0.2))
    albedo = wood_grain(s, slats, _jitter(colour, rng), tone_var=tone_var, prints=None)
    albedo = _board_edges(s, slats, albedo, seam_m=float(rng.uniform(0.0006, 0.0015)), darkness=0.55)
    gloss = float(rng.uniform(0.05, 0.45))
    return Material(
        albedo,
        gloss,
        {
            "wood": name,
            "board_width_m": width,
            "board_length_m": round(length, 3),
            "tone_variation": round(tone_var, 3),
            "gloss": round(gloss, 3),
        },
    )


def parquet(s: Surface) -> Material:
    """Herringbone or basket-weave parquet of short boards."""
    rng = s.rng
    name, colour = _pick(rng, WOODS)
    width = float(rng.uniform(0.06, 0.1))
    if rng.random() < 0.65:
        ratio = int(rng.integers(4, 8))
        slats, layout = herringbone_layout(s.x, s.y, width, ratio), {"layout": "herringbone", "ratio": ratio}
    else:
        per = int(rng.integers(3, 6))
        slats, layout = basketweave_layout(s.x, s.y, width, per), {"layout": "basketweave", "boards_per_square": per}
    tone_var = float(rng.uniform(0.08, 0.22))
    albedo = wood_grain(s, slats, _jitter(colour, rng), tone_var=tone_var, prints=None)
    albedo = _board_edges(s, slats, albedo, seam_m=float(rng.uniform(0.0005, 0.0012)), darkness=0.5)
    gloss = float(rng.uniform(0.1, 0.5))
    return Material(
        albedo,
        gloss,
        {
            "wood": name,
            "board_width_m": round(width, 4),
            **layout,
            "tone_variation": round(tone_var, 3),
            "gloss": round(gloss, 3),
        },
    )


def laminate(s: Surface) -> Material:
    """Laminate: wide, long boards with a handful of repeating printed textures and bevelled edges."""
    rng = s.rng
    name, colour = _pick(rng, WOODS)
    width, length = float(rng.uniform(0.16, 0.24)), float(rng.uniform(1.2, 1.4))
    prints = int(rng.integers(4, 9))
    slats = plank_layout(s.x, s.y, width, length, rng)
    albedo = wood_grain(s, slats, _jitter(colour, rng), tone_var=0.05, prints=prints)
    albedo = _board_edges(s, slats, albedo, seam_m=float(rng.uniform(0.0008, 0.002)), darkness=0.4)
    gloss = float(rng.uniform(0.25, 0.6))
    return Material(
        albedo,
        gloss,
        {
            "wood": name,
            "board_width_m": round(width, 3),
            "board_length_m": round(length, 3),
            "prints": prints,
            "gloss": round(gloss, 3),
        },
    )


# --- tiles and stone ---------------------------------------------------------------------------


def _tile_grid(x: np.ndarray, y: np.ndarray, sx: float, sy: float, offset: float) -> tuple[np.ndarray, ...]:
    """Tile indices and in-tile coordinates; ``offset`` shifts alternate rows (running bond)."""
    j = np.floor(y / sy).astype(np.int64)
    xs = x + (j % 2) * offset * sx
    i = np.floor(xs / sx).astype(np.int64)
    lx, ly = xs - i * sx, y - j * sy
    edge = np.minimum(np.minimum(lx, sx - lx), np.minimum(ly, sy - ly))
    return i, j, lx, ly, edge


def _grout(s: Surface, albedo: np.ndarray, edge: np.ndarray, grout_m: float, grout_colour: np.ndarray) -> np.ndarray:
    line = _edge_line(edge, grout_m / 2, s.footprint)[..., None]
    dirt = 1.0 + 0.12 * s.noise.fbm(s.x * 9, s.y * 9, octaves=3, lattice=2)[..., None]
    # Tile edges are slightly rounded: a thin darker rim next to the grout.
    rim = (smoothstep(grout_m * 2.5, grout_m / 2, edge) * 0.1)[..., None]
    return albedo * (1 - line) * (1 - rim) + grout_colour * dirt * line


def tile(s: Surface) -> Material:
    """Glazed ceramic or porcelain tiles: plain, chequered or running bond, with grout."""
    rng = s.rng
    name, colour = _pick(rng, TILE_COLOURS)
    size = float(rng.choice([0.025, 0.05, 0.1, 0.15, 0.2, 0.3, 0.3, 0.45, 0.6]))  # mosaic .. large format
    aspect = float(rng.choice([1.0, 1.0, 1.0, 2.0]))
    style = str(rng.choice(["plain", "plain", "checker", "running-bond"]))
    offset = 0.5 if style == "running-bond" else 0.0
    i, j, lx, ly, edge = _tile_grid(s.x, s.y, size * aspect, size, offset)
    base = _jitter(colour, rng)
    tone = 1.0 + 0.05 * (random_per_id(hash_ids(i, j), rng) * 2 - 1)
    albedo = base[None, None, :] * tone[..., None]
    if style == "checker":
        _, other = _pick(rng, TILE_COLOURS)
        albedo = np.where(((i + j) % 2 == 1)[..., None], np.asarray(other, F32) * tone[..., None], albedo)
    # Glaze: faint cloudiness inside each tile.
    cloud = s.noise.fbm(s.x * 6 + (i % 7) * 3.1, s.y * 6 + (j % 5) * 2.3, octaves=3, lattice=1)
    albedo = albedo * (1 + 0.04 * cloud)[..., None]
    grout_name, grout = _pick(
        rng,
        {
            "light": (0.78, 0.77, 0.74),
            "mid": (0.55, 0.54, 0.52),
            "dark": (0.25, 0.25, 0.25),
            "sand": (0.70, 0.64, 0.54),
        },
    )
    grout_m = float(rng.uniform(0.002, 0.007))
    albedo = _grout(s, albedo, edge, grout_m, np.asarray(grout, F32))
    gloss = float(rng.uniform(0.35, 0.9))
    return Material(
        albedo,
        gloss,
        {
            "colour": name,
            "tile_m": size,
            "aspect": aspect,
            "style": style,
            "grout": grout_name,
            "grout_m": round(grout_m, 4),
            "gloss": round(gloss, 3),
        },
    )


def stone(s: Surface) -> Material:
    """Natural stone tiles (slate, travertine, limestone...): mottled, each tile different."""
    rng = s.rng
    name, colour = _pick(rng, STONES)
    size = float(rng.choice([0.3, 0.4, 0.45, 0.6]))
    aspect = float(rng.choice([1.0, 1.5, 2.0]))
    i, j, lx, ly, edge = _tile_grid(s.x, s.y, size * aspect, size, float(rng.choice([0.0, 0.5, 0.33])))
    tid = hash_ids(i, j, salt=7)
    tone = 1.0 + 0.14 * (random_per_id(tid, rng) * 2 - 1)
    ox, oy = random_per_id(tid, rng) * 100, random_per_id(tid, rng) * 100
    mottle = s.noise.fbm((s.x + ox) * 5, (s.y + oy) * 5, octaves=5, lattice=0)
    pits = s.noise.value((s.x + ox) * 260, (s.y + oy) * 260, lattice=3) * _fade(s.footprint, 0.005)
    base = _jitter(colour, rng, 0.08)
    hue = 1 + 0.06 * s.noise.fbm(s.x * 2 + ox, s.y * 2, octaves=2, lattice=2)
    albedo = base[None, None, :] * (tone * (1 + 0.16 * mottle + 0.05 * pits))[..., None]
    albedo[..., 0] *= hue
    grout = np.asarray(_pick(rng, {"a": (0.6, 0.58, 0.54), "b": (0.4, 0.39, 0.37), "c": (0.75, 0.72, 0.66)})[1], F32)
    grout_m = float(rng.uniform(0.003, 0.01))
    albedo = _grout(s, albedo, edge, grout_m, grout)
    gloss = float(rng.uniform(0.0, 0.35))
    return Material(
        albedo,
        gloss,
        {"stone": name, "tile_m": size, "aspect": aspect, "grout_m": round(grout_m, 4), "gloss": round(gloss, 3)},
    )


def marble(s: Surface) -> Material:
    """Polished marble slabs: turbulent veins, thin joints, strong reflections."""
    rng = s.rng
    name, (base, vein) = _pick(rng, MARBLES)
    size = float(rng.choice([0.4, 0.6, 0.8, 1.2]))
    i, j, lx, ly, edge = _tile_grid(s.x, s.y, size, size, 0.0)
    tid = hash_ids(i, j, salt=9)
    ox, oy = random_per_id(tid, rng) * 50, random_per_id(tid, rng) * 50
    angle = random_per_id(tid, rng) * np.pi
    px, py = s.x + ox, s.y + oy
    # Veins: level lines of a gently warped ramp; the warp's fine octaves make them craggy.
    turb = s.noise.fbm(px * 0.9, py * 0.9, octaves=6, lattice=1, gain=0.55)
    along = px * np.cos(angle) + py * np.sin(angle)
    freq = float(rng.uniform(3.0, 8.0))
    main = np.abs(np.sin(along * freq + 2.5 * turb * freq / 3))
    veins = 1 - smoothstep(0.0, float(rng.uniform(0.05, 0.14)), main)
    halo = (1 - smoothstep(0.0, 0.6, main)) * 0.3  # the soft cloud around a vein
    turb2 = s.noise.fbm(px * 2.5, py * 2.5, octaves=5, lattice=2, gain=0.6)
    fine = (1 - smoothstep(0.0, 0.05, np.abs(np.sin(along * freq * 2.3 + 6.0 * turb2)))) * 0.22
    # Veins fade in and out along their length instead of running like contour lines.
    v = np.clip(veins + halo + fine, 0, 1) * smoothstep(-0.5, 0.4, turb2)
    cloud = 1 + 0.05 * s.noise.fbm(px * 3, py * 3, octaves=3, lattice=3)
    b, vc = _jitter(base, rng, 0.04), np.asarray(vein, F32)
    albedo = (b[None, None, :] * (1 - v[..., None]) + vc * v[..., None]) * cloud[..., None]
    albedo = _grout(s, albedo, edge, float(rng.uniform(0.001, 0.003)), b * 0.8)
    gloss = float(rng.uniform(0.6, 1.0))
    return Material(
        albedo, gloss, {"marble": name, "slab_m": size, "vein_frequency": round(freq, 3), "gloss": round(gloss, 3)}
    )


# --- textiles ------------------------------------------------------------------------------------


def _pile(s: Surface, colour: np.ndarray, pile_mm: float, contrast: float) -> np.ndarray:
    """Carpet pile: tufts at ``pile_mm`` scale, clumps of tufts a few times larger, fibre sparkle
    and soft tread marks; each scale fades out where a pixel covers several of its features."""
    n, fp = s.noise, s.footprint
    k = 1000.0 / pile_mm
    tufts = n.value(s.x * k, s.y * k, lattice=0) * _fade(fp, pile_mm / 1000)
    clumps = n.fbm(s.x * k / 3.5, s.y * k / 3.5, octaves=2, lattice=1) * _fade(fp, pile_mm * 3.5 / 1000)
    fibres = n.value(s.x * k * 3.1, s.y * k * 3.1, lattice=1) * _fade(fp, pile_mm / 3000)
    tread = n.fbm(s.x * 1.5, s.y * 1.5, octaves=3, lattice=2)  # crushed pile where people walk
    mottle = n.fbm(s.x * 25, s.y * 25, octaves=2, lattice=3) * _fade(fp, 0.02)
    shade = 1 + contrast * (0.5 * tufts + 0.6 * clumps + 0.3 * fibres) + 0.1 * tread + 0.07 * mottle
    return colour[None, None, :] * shade[..., None]


def carpet(s: Surface) -> Material:
    """Wall-to-wall carpet: cut pile, loop pile (rows) or heathered (two-tone fibres)."""
    rng = s.rng
    name, colour = _pick(rng, TEXTILES)
    style = str(rng.choice(["cut", "loop", "heather"]))
    pile = float(rng.uniform(2.0, 5.0))
    c = _jitter(colour, rng)
    albedo = _pile(s, c, pile, contrast=float(rng.uniform(0.2, 0.4)))
    if style == "loop":
        rows = 0.5 + 0.5 * np.sin(
            2 * np.pi * s.y * 1000 / (pile * 2.2) + 1.5 * s.noise.fbm(s.x * 2, s.y * 2, octaves=2, lattice=0)
        )
        albedo *= (1 - 0.15 * rows * _fade(s.footprint, pile / 1000))[..., None]
    elif style == "heather":
        second = _jitter(TEXTILES[_pick(rng, TEXTILES)[0]], rng)
        k = 1000.0 / pile
        mix = smoothstep(0.2, 0.6, s.noise.value(s.x * k * 1.7, s.y * k * 1.7, lattice=3)) * _fade(
            s.footprint, pile / 1000
        )
        albedo = albedo * (1 - 0.35 * mix[..., None]) + second * 0.35 * mix[..., None]
    return Material(albedo, 0.0, {"colour": name, "style": style, "pile_mm": round(pile, 2)})


def _rug_pattern(
    u: np.ndarray, v: np.ndarray, n_colours: int, style: str, cell: float, half: tuple[float, float]
) -> np.ndarray:
    """Palette index for each pixel of a rug; (u, v) from the rug's centre, ``half`` its half-size."""
    if style == "stripes":
        return np.floor(v / cell).astype(np.int64) % n_colours
    if style == "checks":
        return (np.floor(u / cell) + np.floor(v / cell)).astype(np.int64) % 2
    # Small diamonds on a lattice: the field of most patterned rugs.
    d = np.abs(np.mod(u / cell, 1.0) - 0.5) + np.abs(np.mod(v / cell, 1.0) - 0.5)
    idx = np.where(d < 0.18, 1, np.where(d < 0.26, 2 % n_colours, 0))
    if style == "persian":
        # A central diamond medallion and a border of bands, as on an oriental rug.
        m = np.abs(u) / half[0] + np.abs(v) / half[1]
        idx = np.where(m < 0.42, np.where(m < 0.3, 2 % n_colours, 1), idx)
        inward = np.minimum(half[0] - np.abs(u), half[1] - np.abs(v))
        band = np.floor(inward / (cell * 0.6)).astype(np.int64)
        idx = np.where(band < 3, np.array([1, 2 % n_colours, 1])[np.clip(band, 0, 2)], idx)
    return np.minimum(idx, n_colours - 1)


PERSIAN = ["burgundy", "navy", "cream", "rust", "forest", "mustard"]


def rug(s: Surface) -> Material:
    """A patterned rug lying on a wood or tile floor (the edge and the floor around it in view)."""
    rng = s.rng
    style = str(rng.choice(["stripes", "diamonds", "checks", "persian", "persian"]))
    if style == "persian":
        names = [PERSIAN[i] for i in rng.permutation(len(PERSIAN))[:3]]
    else:
        names = [_pick(rng, TEXTILES)[0] for _ in range(int(rng.integers(2, 5)))]
    palette = [_jitter(TEXTILES[n], rng) for n in names]
    cell = float(rng.uniform(0.06, 0.2))
    half_w, half_h = float(rng.uniform(0.6, 1.5)), float(rng.uniform(0.8, 2.0))
    # Somewhere near the middle of the view so that usually an edge of it is in frame too.
    cx = s.centre[0] + float(rng.uniform(-1.0, 1.0)) * half_w
    cy = s.centre[1] + float(rng.uniform(-1.0, 1.0)) * half_h
    u, v = s.x - cx, s.y - cy
    idx = _rug_pattern(u, v, len(palette), style, cell, (half_w, half_h))
    colours = np.stack(palette).astype(F32)[idx]
    # A plain binding round the edge.
    border = np.maximum(np.abs(u) - (half_w - 0.04), np.abs(v) - (half_h - 0.04)) > 0
    colours = np.where(border[..., None], palette[0] * 0.7, colours)
    k = 1000.0 / float(rng.uniform(1.5, 3.0))
    tex = 1 + 0.22 * s.noise.value(s.x * k, s.y * k, lattice=0) * _fade(s.footprint, 1.0 / k)
    wear = 1 + 0.07 * s.noise.fbm(s.x * 4, s.y * 4, octaves=3, lattice=1)
    rug_albedo = colours * (tex * wear)[..., None]
    under = wood(s) if rng.random() < 0.7 else tile(s)
    outside = np.maximum(np.abs(u) - half_w, np.abs(v) - half_h)
    on_rug = smoothstep(0.004 + s.footprint, -0.004, outside)[..., None]
    # The rug casts a thin contact shadow on the floor next to its edge.
    shadow = 1 - 0.35 * smoothstep(0.03, 0.0, outside)[..., None] * (1 - on_rug)
    albedo = rug_albedo * on_rug + under.albedo * shadow * (1 - on_rug)
    return Material(
        albedo,
        under.gloss * 0.5,
        {
            "style": style,
            "colours": names,
            "cell_m": round(cell, 3),
            "rug_m": [round(2 * half_w, 2), round(2 * half_h, 2)],
            "under": under.params,
        },
    )


# --- hard, seamless --------------------------------------------------------------------------------


def concrete(s: Surface) -> Material:
    """Polished or raw concrete: blotches, trowel marks, pores and aggregate, saw-cut joints."""
    rng, n = s.rng, s.noise
    grey = float(rng.uniform(0.42, 0.72))
    base = _jitter((grey, grey * 0.99, grey * 0.96), rng, 0.05)
    blotch = n.fbm(s.x * 0.8, s.y * 0.8, octaves=5, lattice=0)
    trowel = n.fbm(s.x * 10, s.y * 2.5, octaves=3, lattice=1)
    pores = n.value(s.x * 400, s.y * 400, lattice=2)
    pores = smoothstep(0.55, 0.85, pores) * _fade(s.footprint, 0.003)
    aggregate = smoothstep(0.5, 0.8, n.value(s.x * 120, s.y * 120, lattice=3)) * _fade(s.footprint, 0.008)
    agg_tone = float(rng.uniform(-0.15, 0.15))
    shade = 1 + 0.18 * blotch + 0.06 * trowel - 0.25 * pores + agg_tone * aggregate
    albedo = base[None, None, :] * shade[..., None]
    joint = float(rng.uniform(2.0, 4.0))
    jx = np.abs(np.mod(s.x, joint) - joint / 2)
    jy = np.abs(np.mod(s.y, joint) - joint / 2)
    d = np.minimum(joint / 2 - jx, joint / 2 - jy)
    albedo *= (1 - 0.5 * _edge_line(d, 0.002, s.footprint))[..., None]
    gloss = float(rng.uniform(0.0, 0.6))
    return Material(
        albedo,
        gloss,
        {"grey": round(grey, 3), "aggregate": round(agg_tone, 3), "joint_m": round(joint, 2), "gloss": round(gloss, 3)},
    )


TERRAZZO_BASES = {
    "white": (0.88, 0.87, 0.84),
    "grey": (0.62, 0.62, 0.60),
    "pink": (0.86, 0.76, 0.72),
    "charcoal": (0.28, 0.28, 0.29),
    "sand": (0.82, 0.76, 0.64),
}
CHIPS = [
    (0.15, 0.15, 0.16),
    (0.95, 0.95, 0.93),
    (0.55, 0.40, 0.32),
    (0.45, 0.47, 0.50),
    (0.75, 0.55, 0.45),
    (0.30, 0.40, 0.35),
    (0.85, 0.80, 0.70),
]


def terrazzo(s: Surface) -> Material:
    """Polished terrazzo: stone chips of a few colours set in cement, ground flat."""
    rng, n = s.rng, s.noise
    name, base = _pick(rng, TERRAZZO_BASES)
    chip_mm = float(rng.uniform(8, 25))
    density = float(rng.uniform(0.2, 0.55))
    albedo = np.broadcast_to(_jitter(base, rng), s.x.shape + (3,)).astype(F32)
    albedo = albedo * (1 + 0.04 * n.fbm(s.x * 3, s.y * 3, octaves=3, lattice=3))[..., None]
    chosen = rng.permutation(len(CHIPS))[: int(rng.integers(2, 5))]
    for layer, c in enumerate(chosen):
        k = 1000.0 / chip_mm * (0.7 + 0.25 * layer)  # chips of each colour a little smaller
        field = n.value(s.x * k + 31.0 * layer, s.y * k - 17.0 * layer, lattice=layer)
        thr = 0.9 - 0.35 * density
        chips = smoothstep(thr, thr + 0.04, field) * _fade(s.footprint, 0.5 / k)
        # Far away the chips average into a tint instead of vanishing.
        share = (1 - _fade(s.footprint, 0.5 / k)) * 0.5 * (1 - thr)
        cover = (chips + share)[..., None]
        albedo = albedo * (1 - cover) + np.asarray(CHIPS[c], F32) * cover
    gloss = float(rng.uniform(0.3, 0.8))
    return Material(
        albedo,
        gloss,
        {
            "base": name,
            "chip_mm": round(chip_mm, 1),
            "density": round(density, 3),
            "chips": [int(c) for c in chosen],
            "gloss": round(gloss, 3),
        },
    )


def linoleum(s: Surface) -> Material:
    """Linoleum and vinyl: marbled (jaspe), speckled, or sheet vinyl printed as tiles."""
    rng, n = s.rng, s.noise
    name, colour = _pick(rng, LINO)
    style = str(rng.choice(["marbled", "speckled", "printed-tiles"]))
    base = _jitter(colour, rng)
    if style == "marbled":
        # Jaspe: fine directional streaks (mm wide, cm long) over a faint larger cloud.
        fine = n.fbm(s.x * 120, s.y * 10, octaves=3, lattice=0) * _fade(s.footprint, 0.006)
        cloud = n.fbm(s.x * 10, s.y * 2.0, octaves=4, lattice=1)
        shade = 1 + 0.09 * np.tanh(fine * 3) + 0.05 * cloud
        albedo = base[None, None, :] * shade[..., None]
    elif style == "speckled":
        albedo = np.broadcast_to(base, s.x.shape + (3,)).astype(F32)
        fade = _fade(s.footprint, 0.004)
        for lattice, (tone, k) in enumerate([(0.6, 300.0), (1.35, 260.0), (0.85, 180.0)]):
            dots = smoothstep(0.6, 0.75, n.value(s.x * k, s.y * k, lattice=lattice))[..., None] * fade[..., None]
            albedo = albedo * (1 - dots) + np.clip(base * tone, 0, 1) * dots
        albedo = albedo * (1 + 0.05 * n.fbm(s.x * 2, s.y * 2, octaves=3, lattice=3))[..., None]
    else:
        size = float(rng.choice([0.3, 0.33, 0.5]))
        i, j, _, _, edge = _tile_grid(s.x, s.y, size, size, 0.0)
        tone = 1 + 0.04 * (random_per_id(hash_ids(i, j), rng) * 2 - 1)
        albedo = base[None, None, :] * (tone * (1 + 0.05 * n.fbm(s.x * 8, s.y * 8, octaves=3, lattice=1)))[..., None]
        albedo *= (1 - 0.18 * _edge_line(edge, 0.0015, s.footprint))[..., None]
    gloss = float(rng.uniform(0.15, 0.55))
    return Material(albedo, gloss, {"colour": name, "style": style, "gloss": round(gloss, 3)})


MATERIALS: dict[str, Callable[[Surface], Material]] = {
    "wood": wood,
    "parquet": parquet,
    "laminate": laminate,
    "tile": tile,
    "stone": stone,
    "marble": marble,
    "carpet": carpet,
    "rug": rug,
    "concrete": concrete,
    "linoleum": linoleum,
    "terrazzo": terrazzo,
}
