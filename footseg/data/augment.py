"""The thesis' augmentation: four random corners from a 3x3 grid warped onto a new square image.

Split the source into a 3x3 grid, pick a random point in each of the four corner cells and warp so
those points become the corners of the output: a random zoom, rotation, shear and translation in
one step. ``warp="affine"`` fits the least-squares affine through the four point pairs (the thesis'
choice: straight lines stay parallel); ``warp="perspective"`` uses the exact homography.

Transforms are 3x3 matrices mapping source pixel coordinates to output pixel coordinates, so
composite.py can chain them with the foot placement and resample each layer only once.
"""

from __future__ import annotations

import cv2
import numpy as np

from footseg.errors import require

WARPS = ("affine", "perspective")


def corner_points(rng: np.random.Generator, width: float, height: float, reach: float = 1 / 3) -> np.ndarray:
    """(4, 2) float64 points (x, y): one uniform point in each corner cell of a 3x3 grid.

    Order: top-left, top-right, bottom-right, bottom-left (the output corners they map to).
    ``reach`` < 1/3 shrinks the corner cells to that share of each side (a milder warp: the
    egocentric frames are already framed like a photo and must keep both feet).
    """
    cell_x, cell_y = width * reach, height * reach
    origins = np.array([[0, 0], [width - cell_x, 0], [width - cell_x, height - cell_y], [0, height - cell_y]])
    return origins + rng.uniform(0.0, 1.0, size=(4, 2)) * np.array([cell_x, cell_y])


def output_corners(size: int) -> np.ndarray:
    """(4, 2) output corners in the same order as corner_points (pixel edges, 0..size)."""
    return np.array([[0, 0], [size, 0], [size, size], [0, size]], dtype=np.float64)


def corner_transform(points: np.ndarray, size: int, warp: str) -> np.ndarray:
    """3x3 matrix taking the four ``points`` onto the corners of a ``size`` x ``size`` output."""
    require(warp in WARPS, f"composite.warp must be one of {', '.join(WARPS)}, got {warp!r}")
    dst = output_corners(size)
    if warp == "perspective":
        return cv2.getPerspectiveTransform(points.astype(np.float32), dst.astype(np.float32)).astype(np.float64)
    # Least squares over the four pairs: [x y 1] @ A.T = [x' y'].
    design = np.hstack([points, np.ones((4, 1))])
    solution, *_ = np.linalg.lstsq(design, dst, rcond=None)
    matrix = np.eye(3)
    matrix[:2] = solution.T
    return matrix


def warp(
    image: np.ndarray,
    matrix: np.ndarray,
    size: int | tuple[int, int],
    *,
    nearest: bool = False,
    border: int = cv2.BORDER_REFLECT_101,
) -> np.ndarray:
    """Resample ``image`` through the source -> output ``matrix`` into a ``size`` square (or (w, h)).

    Bilinear for images, nearest for label masks (labels must not blend).
    """
    flags = cv2.INTER_NEAREST if nearest else cv2.INTER_LINEAR
    dsize = (size, size) if isinstance(size, int) else size
    if matrix[2, 0] == 0.0 and matrix[2, 1] == 0.0 and matrix[2, 2] == 1.0:
        return cv2.warpAffine(image, matrix[:2], dsize, flags=flags, borderMode=border)
    return cv2.warpPerspective(image, matrix, dsize, flags=flags, borderMode=border)


def augment(
    image: np.ndarray, mask: np.ndarray, rng: np.random.Generator, size: int, warp_kind: str = "affine"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(image, mask, corner points) after the corner warp of one image + mask pair.

    The image is resampled bilinearly, the mask with nearest neighbour, through the same matrix.
    """
    height, width = mask.shape[:2]
    points = corner_points(rng, width, height)
    matrix = corner_transform(points, size, warp_kind)
    return warp(image, matrix, size), warp(mask, matrix, size, nearest=True), points
