"""The `footseg` command: user-facing tools beside the DVC stages.

Each subcommand lives in its own module exposing ``configure(parser)`` and ``run(args) -> int``;
modules import heavy libraries (TensorFlow, onnxruntime) inside ``run`` so ``--help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from .errors import FootsegError

# name -> (module, one-line help)
COMMANDS: dict[str, tuple[str, str]] = {
    "models": (
        "footseg.models.summary",
        "table of the model zoo: parameters, GFLOPs, .keras size, the thesis' figures beside",
    ),
    "fetch-find": (
        "footseg.data.feet.fetch",
        "download the FIND foot model (feet=find) from its public source, sha256-checked",
    ),
    "predict": ("footseg.deploy.predict", "segment an image, a folder of images or a video with an exported .tflite"),
    "fetch-peer": (
        "footseg.deploy.peer",
        "extract MediaPipe's selfie segmenter (the benchmark's peer) from the mediapipe==0.10.14 wheel",
    ),
    "demo": (
        "footseg.deploy.demo.server",
        "serve the live camera demo and the in-browser benchmark (LiteRT.js) for exported .tflite files",
    ),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="footseg", description=__doc__.splitlines()[0])
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (module_name, help_text) in COMMANDS.items():
        module = importlib.import_module(module_name)
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        module.configure(sub)
        sub.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args._run(args) or 0)
    except FootsegError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
