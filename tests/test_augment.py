"""footseg.data.augment: the thesis' 3x3-grid corner warp."""

from __future__ import annotations

import numpy as np
import pytest

from footseg.data.augment import augment, corner_points, corner_transform, output_corners
from footseg.errors import FootsegError


def _apply(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    mapped = np.hstack([points, np.ones((len(points), 1))]) @ matrix.T
    return mapped[:, :2] / mapped[:, 2:]


def test_each_point_lies_in_its_corner_cell():
    rng = np.random.default_rng(0)
    for _ in range(200):
        points = corner_points(rng, 90.0, 60.0)
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points
        assert 0 <= x0 <= 30 and 0 <= y0 <= 20  # top-left cell
        assert 60 <= x1 <= 90 and 0 <= y1 <= 20  # top-right
        assert 60 <= x2 <= 90 and 40 <= y2 <= 60  # bottom-right
        assert 0 <= x3 <= 30 and 40 <= y3 <= 60  # bottom-left


def test_perspective_is_exact_and_affine_is_the_least_squares_fit():
    rng = np.random.default_rng(1)
    points = corner_points(rng, 64.0, 64.0)
    homography = corner_transform(points, 32, "perspective")
    np.testing.assert_allclose(_apply(homography, points), output_corners(32), atol=1e-6)
    affine = corner_transform(points, 32, "affine")
    np.testing.assert_array_equal(affine[2], [0, 0, 1])
    residual = _apply(affine, points) - output_corners(32)
    # Normal equations of least squares: the residual is orthogonal to [x, y, 1].
    design = np.hstack([points, np.ones((4, 1))])
    np.testing.assert_allclose(design.T @ residual, 0, atol=1e-6)
    # A parallelogram is fitted exactly.
    square = np.array([[5.0, 5.0], [59.0, 5.0], [59.0, 59.0], [5.0, 59.0]])
    np.testing.assert_allclose(_apply(corner_transform(square, 32, "affine"), square), output_corners(32), atol=1e-9)


@pytest.mark.parametrize("kind", ["affine", "perspective"])
def test_image_and_mask_stay_aligned(kind: str):
    rng = np.random.default_rng(2)
    yy, xx = np.mgrid[0:96, 0:96]
    mask = (((xx - 40) / 25.0) ** 2 + ((yy - 55) / 18.0) ** 2 <= 1).astype(np.uint8)
    image = np.dstack([mask * 255, np.zeros_like(mask), (1 - mask) * 255]).astype(np.uint8)
    out_image, out_mask, points = augment(image, mask, rng, 64, kind)
    assert out_image.shape == (64, 64, 3) and out_mask.shape == (64, 64)
    assert set(np.unique(out_mask)) <= {0, 1}  # nearest neighbour: labels never blend
    assert points.shape == (4, 2)
    disagree = (out_image[..., 0] > 127) != (out_mask == 1)
    assert out_mask.sum() > 100 and disagree.mean() < 0.02


def test_unknown_warp_names_the_key():
    with pytest.raises(FootsegError, match="composite.warp"):
        corner_transform(np.zeros((4, 2)), 32, "shear")
