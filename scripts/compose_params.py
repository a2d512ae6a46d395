"""Write params.yaml from conf/ exactly as `dvc exp run` would (DVC's own composer).

python scripts/compose_params.py                  # the default (laptop) profile
python scripts/compose_params.py profile=smoke    # any Hydra overrides
python scripts/compose_params.py --check          # exit 1 if params.yaml is stale
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from dvc.utils.hydra import compose_and_dump

ROOT = Path(__file__).resolve().parent.parent


def compose(overrides: list[str], out: Path) -> None:
    compose_and_dump(out, str(ROOT / "conf"), None, "config", str(ROOT), overrides)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("overrides", nargs="*", help="Hydra overrides, e.g. profile=smoke")
    parser.add_argument("--check", action="store_true", help="only compare with params.yaml")
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "params.yaml")
    args = parser.parse_args()
    if not args.check:
        compose(args.overrides, args.output)
        print(f"wrote {args.output}")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "params.yaml"
        compose(args.overrides, fresh)
        if fresh.read_text() != args.output.read_text():
            print(f"{args.output} differs from conf/: run python scripts/compose_params.py", file=sys.stderr)
            return 1
    print(f"{args.output} matches conf/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
