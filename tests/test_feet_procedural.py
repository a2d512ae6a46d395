"""feet=procedural: the parametric foot mesh."""

from __future__ import annotations

import numpy as np

from footseg.data.feet import build_foot_views
from footseg.data.feet.procedural import sample_person, sample_shape
from test_feet_views import tiny_cfg


def edge_use_counts(faces: np.ndarray) -> np.ndarray:
    edges = np.sort(np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]]), axis=1)
    _, counts = np.unique(edges, axis=0, return_counts=True)
    return counts


def test_mesh_is_closed_outward_and_in_the_find_convention():
    left, right = sample_person("p1", np.random.default_rng(0))
    shape = left.params
    v = left.vertices
    assert (edge_use_counts(left.faces) == 2).all()  # every part is a closed surface
    v0, v1, v2 = (v[left.faces[:, i]].astype(np.float64) for i in range(3))
    assert np.einsum("ij,ij->i", v0, np.cross(v1, v2)).sum() > 0  # counter-clockwise from outside
    assert abs(v[:, 0].min()) < 0.01 and abs(v[:, 2].min()) < 0.002  # heel at x = 0, sole at z = 0
    assert abs(v[:, 0].max() - shape["length"]) < 0.01
    assert abs(v[:, 2].max() - shape["ankle_height"]) < 0.01
    # left foot: the big toe (the thickest toe) on the -y side; the right foot mirrors it
    front = v[v[:, 0] > 0.85 * shape["length"]]
    assert front[np.argmax(front[:, 2]), 1] < 0
    assert np.allclose(right.vertices, v * [1, -1, 1])
    assert (left.person_id, right.side) == ("p1", "right") and left.foot_id != right.foot_id


def test_shapes_vary_and_are_deterministic():
    a, b = sample_shape(np.random.default_rng(1)), sample_shape(np.random.default_rng(1))
    c = sample_shape(np.random.default_rng(2))
    assert a == b and a != c
    lengths = [sample_shape(np.random.default_rng(i))["length"] for i in range(50)]
    assert 0.22 <= min(lengths) and max(lengths) <= 0.30 and max(lengths) - min(lengths) > 0.04
    assert len(a["toe_tips"]) == 5 and max(a["toe_tips"]) == 1.0


def test_procedural_views():
    views = build_foot_views(tiny_cfg("procedural", persons=1, views=2), seed=0, progress=False)
    assert len(views) == 4 and all(v.mask.any() and v.params["source"] == "procedural" for v in views)
