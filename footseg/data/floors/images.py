"""Checking and normalising image bytes: Pillow verification, decompression-bomb guard,
EXIF orientation, RGB, centre crop + resize to the floor size, stable JPEG encoding."""

from __future__ import annotations

import hashlib
import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError


class BadImage(ValueError):
    """Bytes that are not a usable image; ``reason`` is a category for the summary's counts."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_image(data: bytes, max_pixels: int) -> Image.Image:
    """Verified, EXIF-transposed RGB image from ``data``; BadImage if corrupt or larger than
    ``max_pixels`` (checked from the header, before any pixel is decompressed)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            width, height = probe.size
            if width * height > max_pixels:
                raise BadImage("too-many-pixels", f"too many pixels ({width}x{height} > {max_pixels})")
            probe.verify()  # structure and checksums, without decoding
            image = Image.open(io.BytesIO(data))
            image.load()
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage("too-many-pixels", f"decompression bomb ({exc})") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise BadImage("bad-image", f"not a readable image ({type(exc).__name__})") from None
    image = ImageOps.exif_transpose(image)
    if image.mode != "RGB":
        # Through RGBA so palette and transparent images convert without Pillow's warnings.
        image = (
            image.convert("RGBA").convert("RGB") if image.mode in ("P", "PA", "LA", "RGBA") else image.convert("RGB")
        )
    return image


# A floor may be upscaled at most this much: a 4x4 thumbnail blown up to 256 px is no floor.
MAX_UPSCALE = 2.0


def check_side(image: Image.Image, size: int) -> None:
    """BadImage("too-small") unless the image's shorter side is at least size / MAX_UPSCALE."""
    side = min(image.size)
    if side * MAX_UPSCALE < size:
        raise BadImage(
            "too-small",
            f"{image.size[0]}x{image.size[1]} is too small for {size}-px floors "
            f"(shorter side must be >= {size / MAX_UPSCALE:g}, at most {MAX_UPSCALE:g}x upscale)",
        )


def square_resize(image: Image.Image, size: int) -> np.ndarray:
    """Centre-crop to a square and resize to size x size: (size, size, 3) uint8."""
    w, h = image.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    square = image.crop((left, top, left + side, top + side))
    return np.asarray(square.resize((size, size), Image.Resampling.LANCZOS, reducing_gap=3.0), dtype=np.uint8)


def encode_jpeg(rgb: np.ndarray, quality: int) -> bytes:
    """JPEG bytes of an RGB array; the same array gives the same bytes."""
    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="JPEG", quality=int(quality), optimize=False, progressive=False)
    return buf.getvalue()
