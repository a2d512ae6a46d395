"""Feet from FIND, the learned 3D foot model (Boyne et al., BMVC 2022, MIT), run with onnxruntime.

The model directory holds template.obj (1002 vertices, 2000 triangles, metres), model.onnx
(template points + shape/texture/pose latents -> per-vertex displacement and RGB) and
latents.json (for each latent: mean, 3 principal directions V, their stddev). A foot is
``mean + (c * stddev) @ V`` with ``c ~ N(0, 1)^3`` for each of shape, pose and texture.
Files are checked against the sha256s below before use (``footseg fetch-find`` downloads them).
FIND's template is a left foot (big toe toward -y); a person's right foot is its mirror image with
the same shape and texture latents and a slightly different pose.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np

from ...errors import require
from ..types import FootMesh
from .geometry import mirror

# The public copy (github.com/OllieBoyne/FIND, gh-pages, docs/find-demo-model/) at this commit.
FIND_COMMIT = "08be5787e40726c0f70fa22d050326e7b79c1e17"
FIND_FILES = {
    "template.obj": "a23c878cc18a2cf4def96c780970b6718d95ce962bb8535ea19cdfff3cd1e9d5",
    "model.onnx": "a5cb39f39b448e9210691469dbc0ea8b5a1227db18a0de03056501347602de5f",
    "latents.json": "2f569b6f9dfbb5b6684656e6413bb5bd6698ecd24dfc6d75c5538bc2d24cf02e",
}
LATENTS = ("shape", "pose", "tex")


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def check_model_dir(model_dir: str | Path) -> Path:
    """The model directory, verified: every file present with the expected sha256."""
    model_dir = Path(model_dir)
    hint = f"run `footseg fetch-find --dest {model_dir}` to download it"
    require(model_dir.is_dir(), f"feet.model_dir: FIND model directory {model_dir} not found; {hint}")
    for name, expected in FIND_FILES.items():
        path = model_dir / name
        require(path.is_file(), f"feet.model_dir: {path} is missing; {hint}")
        actual = sha256_file(path)
        require(
            actual == expected,
            f"{path}: sha256 {actual[:12]}... does not match the expected {expected[:12]}...; {hint}",
        )
    return model_dir


def read_obj(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Vertices (V, 3) float32 and triangles (F, 3) int32 of a Wavefront OBJ file."""
    vertices, faces = [], []
    for line in path.read_text().splitlines():
        parts = line.split()
        if not parts:
            continue
        if parts[0] == "v":
            vertices.append([float(x) for x in parts[1:4]])
        elif parts[0] == "f":
            faces.append([int(x.split("/")[0]) - 1 for x in parts[1:4]])
    return np.asarray(vertices, np.float32), np.asarray(faces, np.int32)


class FindModel:
    """The FIND model loaded once per process: ``sample_person`` gives a left and a right foot."""

    def __init__(self, model_dir: str | Path):
        import onnxruntime as ort

        model_dir = check_model_dir(model_dir)
        self.template, self.faces = read_obj(model_dir / "template.obj")
        latents = json.loads((model_dir / "latents.json").read_text())
        self.latents = {k: {f: np.asarray(latents[k][f], np.float32) for f in ("mean", "V", "stddev")} for k in LATENTS}
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1  # parallelism comes from the process pool
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"])

    def latent(self, name: str, coeffs: np.ndarray) -> np.ndarray:
        lat = self.latents[name]
        return lat["mean"] + (np.asarray(coeffs, np.float32) * lat["stddev"]) @ lat["V"]

    def deform(self, shape: np.ndarray, pose: np.ndarray, tex: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(vertices, colours) for latent coefficients (3 each, in stddev units)."""
        n = len(self.template)
        feeds = {
            "points": self.template,
            "shapevec": np.tile(self.latent("shape", shape), (n, 1)),
            "posevec": np.tile(self.latent("pose", pose), (n, 1)),
            "texvec": np.tile(self.latent("tex", tex), (n, 1)),
        }
        disp, col = self.session.run(["disp", "col"], feeds)
        vertices = self.template + disp
        # Project convention: heel at x = 0, sole at z = 0, y centred.
        vertices = vertices - [vertices[:, 0].min(), vertices[:, 1].mean(), vertices[:, 2].min()]
        return vertices.astype(np.float32), np.clip(col, 0, 1).astype(np.float32)

    def sample_person(
        self, person_id: str, rng: np.random.Generator, pose_jitter: float = 0.3, latent_scale: float = 1.0
    ) -> list[FootMesh]:
        """The left and right foot of one person: same shape and texture, mirrored, poses differ a little."""
        shape, pose, tex = (rng.normal(0, latent_scale, 3) for _ in LATENTS)
        feet = []
        for side in ("left", "right"):
            side_pose = pose + rng.normal(0, pose_jitter, 3) if side == "right" else pose
            vertices, colours = self.deform(shape, side_pose, tex)
            params = {
                "source": "find",
                "shape": [round(float(c), 5) for c in shape],
                "pose": [round(float(c), 5) for c in side_pose],
                "tex": [round(float(c), 5) for c in tex],
                "length_m": round(float(vertices[:, 0].max()), 4),
            }
            mesh = FootMesh(vertices, self.faces.copy(), colours, "left", f"{person_id}-left", person_id, params)
            feet.append(mesh if side == "left" else mirror(mesh, "right", f"{person_id}-right"))
        return feet
