"""Floor photographs for compositing: generated (``procedural``), scraped (``openverse``,
``urls``) or imported (``local``) into data/floors/{images/<floor_id>.jpg, manifest.json}."""

from .build import SOURCES, build_floors, validate_config
from .manifest import load_floors, read_manifest

__all__ = ["SOURCES", "build_floors", "load_floors", "read_manifest", "validate_config"]
