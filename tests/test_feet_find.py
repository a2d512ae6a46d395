"""The FIND source: sampling, left/right mirroring, model directory checks."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from footseg.data.feet.find import FIND_FILES, FindModel, check_model_dir, sha256_file
from footseg.errors import FootsegError


def signed_volume(vertices: np.ndarray, faces: np.ndarray) -> float:
    v0, v1, v2 = (vertices[faces[:, i]].astype(np.float64) for i in range(3))
    return float(np.einsum("ij,ij->i", v0, np.cross(v1, v2)).sum() / 6)


def test_find_dir_hashes_match_the_readme(find_dir):
    assert check_model_dir(find_dir) == find_dir
    for name, digest in FIND_FILES.items():
        assert sha256_file(find_dir / name) == digest


def test_person_has_mirrored_left_and_right_feet(find_dir):
    model = FindModel(find_dir)
    left, right = model.sample_person("p7", np.random.default_rng(0), pose_jitter=0.0)
    assert (left.side, right.side) == ("left", "right")
    assert left.person_id == right.person_id == "p7" and left.foot_id != right.foot_id
    assert np.allclose(right.vertices * [1, -1, 1], left.vertices, atol=1e-6)
    # both closed meshes wind outward (positive volume), a foot of ~0.2-0.32 m, sole at z = 0, heel at x = 0
    for foot in (left, right):
        assert signed_volume(foot.vertices, foot.faces) > 0
        assert 0.2 < foot.vertices[:, 0].max() < 0.32
        assert abs(foot.vertices[:, 0].min()) < 1e-6 and abs(foot.vertices[:, 2].min()) < 1e-6
        assert foot.colors.min() >= 0 and foot.colors.max() <= 1
    # FIND's template is a left foot: the big toe (the highest point of the toe region) toward -y.
    toes = left.vertices[left.vertices[:, 0] > 0.9 * left.vertices[:, 0].max()]
    assert toes[np.argmax(toes[:, 2]), 1] < 0


def test_sampling_is_deterministic_and_varied(find_dir):
    model = FindModel(find_dir)
    a = model.sample_person("p", np.random.default_rng(5))
    b = model.sample_person("p", np.random.default_rng(5))
    c = model.sample_person("p", np.random.default_rng(6))
    assert np.array_equal(a[0].vertices, b[0].vertices) and np.array_equal(a[1].colors, b[1].colors)
    assert not np.allclose(a[0].vertices, c[0].vertices)
    # the left foot's pose differs a little from the right's by default
    assert not np.allclose(a[1].vertices * [1, -1, 1], a[0].vertices, atol=1e-5)


def test_missing_model_dir_names_the_key_and_the_fetch_command(tmp_path):
    with pytest.raises(FootsegError) as err:
        check_model_dir(tmp_path / "nowhere")
    message = str(err.value)
    assert "feet.model_dir" in message and "footseg fetch-find" in message and "\n" not in message


def test_a_modified_file_fails_the_hash_check(find_dir, tmp_path):
    copy = tmp_path / "find"
    shutil.copytree(find_dir, copy)
    (copy / "latents.json").chmod(0o644)
    with open(copy / "latents.json", "a") as fh:
        fh.write(" ")
    with pytest.raises(FootsegError, match="latents.json: sha256"):
        check_model_dir(copy)
    (copy / "model.onnx").chmod(0o644)
    (copy / "model.onnx").unlink()
    with pytest.raises(FootsegError, match="model.onnx is missing"):
        check_model_dir(copy)
