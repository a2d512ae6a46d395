"""Smooth random fields for the floor generator, evaluated at arbitrary floor coordinates.

A small random lattice sampled with cv2.remap (bicubic, wrap-around) is value noise at any
coordinates for the cost of one remap: the patterns ask for noise at the floor position under
every output pixel, so no texture larger than the lattice is ever built.
"""

from __future__ import annotations

import cv2
import numpy as np

LATTICE = 256


class NoiseField:
    """Value noise and fractal sums over a few random lattices owned by one floor's rng."""

    def __init__(self, rng: np.random.Generator, lattices: int = 4) -> None:
        self._lattices = [rng.random((LATTICE, LATTICE), dtype=np.float32) for _ in range(lattices)]
        # Per-octave offsets so octaves of one lattice do not line up.
        self._offsets = rng.uniform(0, LATTICE, size=(16, 2)).astype(np.float32)

    def value(self, x: np.ndarray, y: np.ndarray, lattice: int = 0) -> np.ndarray:
        """Noise in about [-1, 1] at lattice coordinates (x, y) (one unit = one lattice cell)."""
        grid = self._lattices[lattice % len(self._lattices)]
        # Wrap into the lattice first: remap's float32 maps lose precision far from the origin.
        # (np.mod on floats is ~50x slower than this floor-based form.)
        mx = np.asarray(x, np.float32)
        my = np.asarray(y, np.float32)
        mx = mx - np.floor(mx * np.float32(1 / LATTICE)) * np.float32(LATTICE)
        my = my - np.floor(my * np.float32(1 / LATTICE)) * np.float32(LATTICE)
        out = cv2.remap(grid, mx, my, cv2.INTER_CUBIC, borderMode=cv2.BORDER_WRAP)
        return (out - 0.5) * 2.0

    def fbm(
        self,
        x: np.ndarray,
        y: np.ndarray,
        octaves: int = 4,
        lattice: int = 0,
        gain: float = 0.5,
    ) -> np.ndarray:
        """Fractal sum of ``octaves`` octaves (each twice the frequency), normalised to about [-1, 1]."""
        total = np.zeros(np.shape(x), np.float32)
        amplitude, norm, freq = 1.0, 0.0, 1.0
        for octave in range(octaves):
            ox, oy = self._offsets[(octave + 5 * lattice) % len(self._offsets)]
            total += amplitude * self.value(x * freq + ox, y * freq + oy, lattice + octave)
            norm += amplitude
            amplitude *= gain
            freq *= 2.0
        return total / norm


def hash_ids(*keys: np.ndarray, salt: int = 0) -> np.ndarray:
    """A well-mixed non-negative int64 per element from integer keys (e.g. plank row and column)."""
    h = np.full(np.shape(keys[0]), 0x9E3779B1 + salt, dtype=np.int64)
    for k in keys:
        h = (h ^ (np.asarray(k, np.int64) * 0x85EBCA6B)) & 0xFFFFFFFF
        h = ((h ^ (h >> 13)) * 0xC2B2AE35) & 0xFFFFFFFF
        h ^= h >> 16
    return h


def random_per_id(ids: np.ndarray, rng: np.random.Generator, table_size: int = 4096) -> np.ndarray:
    """A uniform [0, 1) value per hashed id, from a table drawn once from the floor's rng."""
    table = rng.random(table_size, dtype=np.float32)
    return table[ids % table_size]


def smoothstep(edge0: float | np.ndarray, edge1: float | np.ndarray, x: np.ndarray) -> np.ndarray:
    """Hermite step from 0 at edge0 to 1 at edge1 (either order)."""
    t = np.clip((x - edge0) / (np.asarray(edge1) - edge0 + 1e-12), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)
