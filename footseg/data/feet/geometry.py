"""Mesh operations shared by the foot sources and the renderer: normals, mirroring, smoothing,
and the tubes (lower leg, trouser leg) that continue a foot mesh above the ankle."""

from __future__ import annotations

import numpy as np

from ..types import FootMesh


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals of a counter-clockwise (outward) triangle mesh."""
    v0, v1, v2 = (vertices[faces[:, i]] for i in range(3))
    face_n = np.cross(v1 - v0, v2 - v0)  # length = 2 x area: larger faces weigh more
    normals = np.zeros_like(vertices, dtype=np.float64)
    for i in range(3):
        np.add.at(normals, faces[:, i], face_n)
    norm = np.linalg.norm(normals, axis=1, keepdims=True)
    return (normals / np.maximum(norm, 1e-12)).astype(np.float32)


def mirror(mesh: FootMesh, side: str, foot_id: str) -> FootMesh:
    """The mirror image across the y = 0 plane (a left foot from a right one); winding flipped so
    faces stay counter-clockwise seen from outside."""
    vertices = mesh.vertices * np.array([1.0, -1.0, 1.0], dtype=np.float32)
    return FootMesh(
        vertices=vertices.astype(np.float32),
        faces=mesh.faces[:, ::-1].copy(),
        colors=mesh.colors.copy(),
        side=side,
        foot_id=foot_id,
        person_id=mesh.person_id,
        params=dict(mesh.params),
    )


def smooth(vertices: np.ndarray, faces: np.ndarray, weight: np.ndarray, iterations: int) -> np.ndarray:
    """Laplacian smoothing where ``weight`` (per vertex, 0..1) is positive: merges toes into the
    rounded toe box of a sock or a shoe."""
    edges = np.concatenate([faces[:, [0, 1]], faces[:, [1, 2]], faces[:, [2, 0]]])
    edges = np.concatenate([edges, edges[:, ::-1]])
    degree = np.bincount(edges[:, 0], minlength=len(vertices)).astype(np.float64)[:, None]
    out = vertices.astype(np.float64)
    w = weight.astype(np.float64)[:, None]
    for _ in range(iterations):
        neighbour_sum = np.zeros_like(out)
        np.add.at(neighbour_sum, edges[:, 0], out[edges[:, 1]])
        out = out + w * (neighbour_sum / np.maximum(degree, 1) - out)
    return out.astype(np.float32)


def ankle_ring(vertices: np.ndarray, cut: float = 0.015) -> tuple[float, np.ndarray, np.ndarray]:
    """Where the leg takes over: (cut height z, centre (x, y), semi-axes (rx, ry)).

    The foot is cut ``cut`` metres below its top (a mesh's rim often flares or is capped); the
    ring is the extent of the cross-section just below the cut.
    """
    z_cut = float(vertices[:, 2].max()) - cut
    band = vertices[(vertices[:, 2] > z_cut - 0.012) & (vertices[:, 2] <= z_cut)]
    if len(band) < 6:  # a very coarse mesh: take the vertices nearest below the cut
        below = vertices[vertices[:, 2] <= z_cut]
        band = below[np.argsort(z_cut - below[:, 2])[:12]]
    lo, hi = band[:, :2].min(axis=0), band[:, :2].max(axis=0)
    return z_cut, ((lo + hi) / 2).astype(np.float32), ((hi - lo) / 2).astype(np.float32)


def cut_at(
    vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray, z: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Clip the mesh to z <= z (where the leg takes over): triangles crossing the plane are cut
    along it, new vertices shared between neighbours, so the foot ends on a clean closed outline
    (its mask edge). Returns (vertices, faces, colors); the outline's vertices lie exactly on z."""
    vertices, below, _, colors = split_at(vertices, faces, colors, z)
    return vertices, below, colors


def split_at(
    vertices: np.ndarray, faces: np.ndarray, colors: np.ndarray, z: float, slope: float = 0.0, x0: float = 0.0
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``cut_at`` keeping both sides: (vertices, faces below the plane, faces above it, colors),
    the two sides sharing the new vertices on it. The plane is at height ``z`` over x = ``x0``,
    rising ``slope`` per metre of x (0: level)."""
    height = vertices[:, 2] - slope * (vertices[:, 0] - x0)  # above the plane where > z
    above = height > z
    n_above = above[faces].sum(axis=1)
    keep = faces[n_above == 0]
    top = [faces[n_above == 3]]
    crossing = faces[(n_above == 1) | (n_above == 2)]
    if not len(crossing):
        return vertices, keep, top[0], colors
    # One new vertex per crossing edge, keyed by the edge's sorted vertex pair.
    edges = np.concatenate([crossing[:, [0, 1]], crossing[:, [1, 2]], crossing[:, [2, 0]]])
    edges = edges[above[edges[:, 0]] != above[edges[:, 1]]]
    keys = np.unique(np.sort(edges, axis=1), axis=0)
    a, b = keys[:, 0], keys[:, 1]
    t = ((z - height[a]) / (height[b] - height[a]))[:, None]
    new_v = vertices[a] + t * (vertices[b] - vertices[a])
    if slope == 0:
        new_v[:, 2] = z  # exactly on the level plane
    new_c = colors[a] + t * (colors[b] - colors[a])
    n = len(vertices)
    lookup = {(int(p), int(q)): n + i for i, (p, q) in enumerate(keys)}

    def mid(p: int, q: int) -> int:
        return lookup[(p, q) if p < q else (q, p)]

    out = [keep]
    for tri in crossing:
        # Rotate so the vertex alone on its side comes first (winding unchanged).
        up = above[tri]
        lone = int(np.nonzero(up if up.sum() == 1 else ~up)[0][0])
        p, q, r = (int(tri[(lone + k) % 3]) for k in range(3))
        pq, pr = mid(p, q), mid(p, r)
        corner, quad = np.array([[p, pq, pr]]), np.array([[pq, q, r], [pq, r, pr]])
        if up.sum() == 1:  # p alone above: the quad q, r, pr, pq is below
            out.append(quad)
            top.append(corner)
        else:  # p alone below: its corner is
            out.append(corner)
            top.append(quad)
    return (
        np.vstack([vertices, new_v]).astype(np.float32),
        np.vstack(out).astype(np.int32),
        np.vstack(top).astype(np.int32),
        np.vstack([colors, new_c]).astype(np.float32),
    )


def cut_outline(
    vertices: np.ndarray,
    faces: np.ndarray,
    z: float,
    centre: np.ndarray,
    radii: np.ndarray,
    segments: int,
    colors: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The mesh's outline on the plane z (after ``cut_at``) at ``segments`` angles around the
    ellipse (centre, radii): radius as multiples of the ellipse (the ``base`` that makes a tube
    start exactly on the cut) and, given per-vertex ``colors``, the colour there (segments, 3)."""
    on_plane = np.unique(faces[np.abs(vertices[faces][:, :, 2] - z) < 1e-6])
    if len(on_plane) < 3:
        return np.ones(segments, np.float32), None if colors is None else np.tile(colors.mean(axis=0), (segments, 1))
    rel = (vertices[on_plane, :2] - centre) / radii  # ellipse-normalised: the ellipse is the unit circle
    order = np.argsort(np.arctan2(rel[:, 1], rel[:, 0]))
    angle = np.arctan2(rel[:, 1], rel[:, 0])[order]
    radius = np.hypot(rel[:, 0], rel[:, 1])[order]
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    angles = np.where(angles > np.pi, angles - 2 * np.pi, angles)
    profile = np.interp(angles, angle, radius, period=2 * np.pi).astype(np.float32)
    if colors is None:
        return profile, None
    edge_colors = colors[on_plane][order]
    outline_colors = np.stack([np.interp(angles, angle, edge_colors[:, c], period=2 * np.pi) for c in range(3)], 1)
    return profile, outline_colors.astype(np.float32)


LEAN_EASE = 0.12  # metres: the leg leaves the ankle upright and leans from there


def lean(h: np.ndarray | float) -> np.ndarray:
    """How far (per unit of tilt) a leg's axis has moved at height h above the ankle: nothing at
    the ankle (no shear against the foot's cut), then growing linearly."""
    h = np.asarray(h, dtype=np.float64)
    ease = np.clip(h / LEAN_EASE, 0, 1)
    return h * ease * ease * (3 - 2 * ease)


def tube(
    centre: np.ndarray,
    radii: np.ndarray,
    z0: float,
    z1: float,
    *,
    flare: float = 0.0,
    flare_start: float = 0.05,
    tilt: tuple[float, float] = (0.0, 0.0),
    tilt_from: float = 0.0,
    rings: int = 18,
    segments: int = 28,
    cap: bool = True,
    base: np.ndarray | None = None,
    base_blend: float = 0.03,
    calf: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """A tapered elliptic tube along z from z0 to z1 (vertices, CCW faces seen from outside).

    ``flare`` widens the radius by that fraction above ``flare_start`` metres (the calf); ``tilt``
    moves the axis by (dx, dy) per metre of height (a leg leaning back toward the body), easing in
    over the first ``LEAN_EASE`` metres of the leg (``tilt_from``: how far up the leg this tube starts);
    ``base`` (segments,) scales the first ring's radius per angle (to meet another mesh's cut
    outline exactly), fading to the ellipse over ``base_blend`` metres.
    """
    zs = z0 + (z1 - z0) * np.linspace(0, 1, rings) ** 1.5  # denser near the ankle
    h = zs - z0
    t = np.clip((h - flare_start) / max(z1 - z0 - flare_start, 1e-6), 0, 1)
    scale = 1.0 + flare * (3 * t**2 - 2 * t**3)
    scale = np.broadcast_to(scale[:, None], (rings, segments))
    if base is not None:
        fade = np.clip(h / base_blend, 0, 1)[:, None]
        fade = 3 * fade**2 - 2 * fade**3
        scale = scale * (base[None, :] * (1 - fade) + fade)
    angles = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    if calf:
        bump = np.exp(-(((h - 0.26) / 0.09) ** 2))[:, None] * np.clip(-np.cos(angles), 0, 1)[None] ** 1.5
        scale = scale * (1 + calf * bump)
    shift = lean(h + tilt_from) - lean(tilt_from)
    ring_x = centre[0] + tilt[0] * shift[:, None] + radii[0] * scale * np.cos(angles)[None]
    ring_y = centre[1] + tilt[1] * shift[:, None] + radii[1] * scale * np.sin(angles)[None]
    ring_z = np.broadcast_to(zs[:, None], ring_x.shape)
    verts = np.stack([ring_x, ring_y, ring_z], axis=-1).reshape(-1, 3)
    r = np.arange(rings - 1)[:, None]
    s = np.arange(segments)[None, :]
    a = r * segments + s
    b = r * segments + (s + 1) % segments
    c = a + segments
    d = b + segments
    faces = np.concatenate([np.stack([a, b, d], -1).reshape(-1, 3), np.stack([a, d, c], -1).reshape(-1, 3)])
    if cap:
        top = len(verts)
        top_shift = lean(z1 - z0 + tilt_from) - lean(tilt_from)
        top_centre = [centre[0] + tilt[0] * top_shift, centre[1] + tilt[1] * top_shift, z1]
        verts = np.vstack([verts, top_centre])
        last = (rings - 1) * segments + np.arange(segments)
        faces = np.vstack([faces, np.stack([last, np.roll(last, -1), np.full(segments, top)], -1)])
    return verts.astype(np.float32), faces.astype(np.int32)


def along(vertices: np.ndarray, start: np.ndarray, direction: np.ndarray) -> np.ndarray:
    """Vertices built along +z (``tube``) turned to run along ``direction`` from ``start``: a
    rotation (det +1, so faces keep their winding) then a shift."""
    d = np.asarray(direction, np.float64)
    d = d / np.linalg.norm(d)
    side = np.cross([0.0, 0.0, 1.0], d)
    side = side / max(np.linalg.norm(side), 1e-9) if np.linalg.norm(side) > 1e-6 else np.array([1.0, 0.0, 0.0])
    frame = np.stack([side, np.cross(d, side), d])  # rows: where local x, y, z go
    return (vertices.astype(np.float64) @ frame + np.asarray(start, np.float64)).astype(np.float32)


def ellipsoid(
    centre: np.ndarray, radii: np.ndarray, rings: int = 12, segments: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    """A closed ellipsoid (vertices, CCW faces seen from outside): a knee."""
    theta = np.linspace(0, np.pi, rings + 1)[1:-1]  # polar angles, the poles added apart
    phi = np.linspace(0, 2 * np.pi, segments, endpoint=False)
    ring = np.stack(
        [
            np.sin(theta)[:, None] * np.cos(phi)[None],
            np.sin(theta)[:, None] * np.sin(phi)[None],
            np.broadcast_to(np.cos(theta)[:, None], (len(theta), segments)),
        ],
        axis=-1,
    ).reshape(-1, 3)
    unit = np.vstack([[0.0, 0.0, 1.0], ring, [0.0, 0.0, -1.0]])
    verts = unit * np.asarray(radii, np.float64) + np.asarray(centre, np.float64)
    top, bottom = 0, len(unit) - 1
    s = np.arange(segments)
    n = np.roll(s, -1)
    faces = [np.stack([np.full(segments, top), 1 + s, 1 + n], -1)]
    for r in range(len(theta) - 1):
        a, b = 1 + r * segments + s, 1 + r * segments + n
        c, d = a + segments, b + segments
        faces += [np.stack([a, c, d], -1), np.stack([a, d, b], -1)]
    last = 1 + (len(theta) - 1) * segments
    faces.append(np.stack([last + s, np.full(segments, bottom), last + n], -1))
    return verts.astype(np.float32), np.vstack(faces).astype(np.int32)


def toe_box(vertices: np.ndarray, strength: float) -> np.ndarray:
    """Pull the front of the foot onto a rounded ellipsoidal toe box (a shoe's or a sock's).

    Every vertex ahead of the ball of the foot moves along the ray from the box centre onto the
    ellipsoid, blended in smoothly from the ball forward; ``strength`` 1 hides the toes entirely.
    """
    v = vertices.astype(np.float64)
    x_min, x_max = v[:, 0].min(), v[:, 0].max()
    length = x_max - x_min
    x0 = x_min + 0.62 * length
    ball = v[np.argsort(np.abs(v[:, 0] - x0))[: max(8, len(v) // 12)]]  # the vertices nearest the ball
    height = ball[:, 2].max()
    centre = np.array([x0, ball[:, 1].mean(), 0.4 * height])
    axes = np.array([(x_max - x0) * 1.04, (ball[:, 1].max() - ball[:, 1].min()) / 2 * 1.02, 0.62 * height])
    d = v - centre
    r = np.linalg.norm(d / axes, axis=1, keepdims=True)
    target = centre + d / np.maximum(r, 1e-6)
    target[:, 2] = np.maximum(target[:, 2], np.minimum(v[:, 2], 0.004))
    t = np.clip((v[:, 0] - x0) / (0.12 * length), 0, 1)
    w = (strength * (3 * t**2 - 2 * t**3))[:, None]
    return (v + w * (target - v)).astype(np.float32)
