"""The one place that loads a .tflite file and runs it, with either interpreter.

``tflite`` is TensorFlow's ``tf.lite.Interpreter``; ``litert`` is ``ai_edge_litert``'s, its
successor. Both take the same calls; on x86 their float kernels differ in speed (DESIGN.md), so
every figure records which one produced it. Both apply the XNNPACK delegate by default.

A model may take float pixels or quantised uint8/int8 input and give logits (2 channels) or a
probability (1 channel, e.g. MediaPipe's selfie segmenter); ``TFLiteModel`` hides the difference:
``predict_labels`` takes uint8 images and returns 0/1 masks.
"""

from __future__ import annotations

import os
import struct
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FootsegError, require

INTERPRETERS = ("tflite", "litert")
TFLITE_IDENTIFIER = b"TFL3"


def _schema() -> Any:
    """TFLite's generated flatbuffer schema, loaded from its file so TensorFlow is not imported."""
    import importlib.util

    for package, relative in (
        ("ai_edge_litert", "schema_py_generated.py"),
        ("tensorflow", "lite/python/schema_py_generated.py"),
    ):
        spec = importlib.util.find_spec(package)  # locates the package without importing it
        if spec is None or not spec.submodule_search_locations:
            continue
        path = Path(list(spec.submodule_search_locations)[0]) / relative
        if path.is_file():
            module_spec = importlib.util.spec_from_file_location(f"_footseg_tflite_schema_{package}", path)
            module = importlib.util.module_from_spec(module_spec)
            module_spec.loader.exec_module(module)  # type: ignore[union-attr]
            return module
    return None


def verify_tflite(path: str | os.PathLike[str]) -> None:
    """FootsegError unless ``path`` is a whole, self-consistent .tflite flatbuffer.

    The interpreters do not verify the flatbuffer: a truncated file makes them read past its end
    and the process dies (SIGSEGV) without a word. Here every table of the model is unpacked in
    Python, where an offset past the end raises instead, and every index and buffer extent is
    checked against the file, before any interpreter touches it.
    """
    path = Path(path)
    require(path.is_file(), f"{path}: model file not found")
    data = path.read_bytes()
    bad = f"{path}: not a valid .tflite model"
    require(
        len(data) >= 8 and data[4:8] == TFLITE_IDENTIFIER, f"{bad} (no TFL3 flatbuffer identifier; {len(data)} bytes)"
    )
    schema = _schema()
    if schema is None:  # no schema shipped: the identifier check is all that can be done here
        return
    try:
        model = schema.ModelT.InitFromPackedBuf(bytearray(data), 0)
    except Exception as exc:  # out-of-range offsets surface as struct.error, IndexError, ...
        why = "reads past the end of the file" if isinstance(exc, (struct.error, IndexError)) else type(exc).__name__
        raise FootsegError(f"{bad} (truncated or corrupt flatbuffer: {why})") from None
    buffers = model.buffers or []
    for b, buffer in enumerate(buffers):
        # Models over 2 GB keep buffers after the flatbuffer: offset/size must lie inside the file.
        offset, size = int(buffer.offset or 0), int(buffer.size or 0)
        require(offset + size <= len(data), f"{bad} (buffer {b} ends past the end of the file; truncated)")
    require(bool(model.subgraphs), f"{bad} (no subgraphs)")
    n_codes = len(model.operatorCodes or [])
    for g, graph in enumerate(model.subgraphs):
        tensors = graph.tensors or []
        for t, tensor in enumerate(tensors):
            require(
                0 <= tensor.buffer < max(len(buffers), 1), f"{bad} (subgraph {g} tensor {t}: buffer index out of range)"
            )
        for name, indices in (("inputs", graph.inputs), ("outputs", graph.outputs)):
            require(
                indices is not None and len(indices) > 0 and all(0 <= int(i) < len(tensors) for i in indices),
                f"{bad} (subgraph {g}: {name} missing or out of range)",
            )
        for o, op in enumerate(graph.operators or []):
            require(0 <= op.opcodeIndex < n_codes, f"{bad} (subgraph {g} operator {o}: unknown operator code)")
            for i in list(op.inputs if op.inputs is not None else []) + list(
                op.outputs if op.outputs is not None else []
            ):
                require(-1 <= int(i) < len(tensors), f"{bad} (subgraph {g} operator {o}: tensor index out of range)")


def _interpreter_class(name: str) -> Any:
    if name == "tflite":
        import tensorflow as tf

        # It still works and is still the faster float path here (DESIGN.md); the notice is noise.
        warnings.filterwarnings("ignore", message=r"(?s).*tf\.lite\.Interpreter is deprecated")
        try:
            return tf.lite.Interpreter
        except AttributeError:  # announced for removal from TensorFlow
            raise ImportError("this TensorFlow has no tf.lite.Interpreter") from None
    if name == "litert":
        from ai_edge_litert.interpreter import Interpreter

        return Interpreter
    raise FootsegError(f"unknown interpreter {name!r}; choose one of {', '.join(INTERPRETERS)}")


def interpreter_available(name: str) -> bool:
    """Whether interpreter ``name`` can be imported here."""
    try:
        _interpreter_class(name)
    except ImportError:
        return False
    return True


def interpreter_version(name: str) -> str | None:
    """The package version behind interpreter ``name`` (None when it is not installed)."""
    from importlib import metadata

    package = {"tflite": "tensorflow-cpu", "litert": "ai-edge-litert"}[name]
    for candidate in (package, "tensorflow") if name == "tflite" else (package,):
        try:
            return metadata.version(candidate)
        except metadata.PackageNotFoundError:
            continue
    return None


def resolve_threads(threads: int | str) -> int:
    """``"all"`` -> the number of cores this process may use; an int stays as it is."""
    if threads == "all":
        return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
    return int(threads)


class TFLiteModel:
    """A loaded .tflite segmentation model with a batch-1 input (N,S,S,3) and (N,S,S,C) output.

    ``input_range`` is the float range the model expects for float input: 255 for our models
    (raw pixels, normalisation inside), 1 for models that take pixels scaled to 0..1.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        interpreter: str = "tflite",
        threads: int | str = 1,
        input_range: float = 255.0,
    ) -> None:
        self.path = Path(path)
        self.interpreter_name = interpreter
        self.threads = resolve_threads(threads)
        self.input_range = float(input_range)
        verify_tflite(self.path)  # a bad file is one line here, never a crash inside the interpreter
        try:
            cls = _interpreter_class(interpreter)
        except ImportError as exc:
            raise FootsegError(
                f"interpreter {interpreter!r} is not available here ({exc}); use the other one of {', '.join(INTERPRETERS)}"
            ) from None
        try:
            self.interpreter = cls(model_path=str(self.path), num_threads=self.threads)
            self.interpreter.allocate_tensors()
        except (ValueError, RuntimeError) as exc:
            first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise FootsegError(f"{self.path}: not a valid .tflite model ({first_line})") from None
        self._input = self.interpreter.get_input_details()[0]
        self._output = self.interpreter.get_output_details()[0]
        shape = [int(d) for d in self._input["shape"]]
        require(
            len(shape) == 4 and shape[3] == 3,
            f"{self.path}: expected an image input (1,H,W,3), got shape {shape}",
        )
        self.input_size: tuple[int, int] = (shape[1], shape[2])
        self.input_dtype = np.dtype(self._input["dtype"])
        self.output_dtype = np.dtype(self._output["dtype"])
        self.num_outputs = int(self._output["shape"][-1])

    @property
    def quantized_input(self) -> bool:
        return self.input_dtype in (np.uint8, np.int8)

    def _to_input(self, image: np.ndarray) -> np.ndarray:
        """One uint8 (H,W,3) image at the model's size -> the input tensor (1,H,W,3)."""
        pixels = image.astype(np.float32) * (self.input_range / 255.0)
        if self.quantized_input:
            scale, zero_point = self._input["quantization"]
            info = np.iinfo(self.input_dtype)
            if scale == 0:  # unquantised integer input: feed the pixels as they are
                return image[None].astype(self.input_dtype)
            q = np.round(pixels / scale + zero_point)
            return np.clip(q, info.min, info.max).astype(self.input_dtype)[None]
        return pixels.astype(self.input_dtype)[None]

    def set_input(self, image: np.ndarray) -> None:
        """Load one uint8 image (H,W,3) at the model's input size into the input tensor."""
        require(
            tuple(image.shape[:2]) == self.input_size,
            f"{self.path}: image size {image.shape[:2]} differs from the model's input {self.input_size}",
        )
        self.interpreter.set_tensor(self._input["index"], self._to_input(image))

    def invoke(self) -> None:
        """Run the model once on the input already set (what latency measurements time)."""
        self.interpreter.invoke()

    def output(self) -> np.ndarray:
        """The output (H,W,C) as float32: dequantised logits or probabilities."""
        raw = self.interpreter.get_tensor(self._output["index"])[0]
        if self.output_dtype in (np.uint8, np.int8):
            scale, zero_point = self._output["quantization"]
            if scale != 0:
                return (raw.astype(np.float32) - zero_point) * scale
        return raw.astype(np.float32)

    def labels_from_output(self, out: np.ndarray) -> np.ndarray:
        """(H,W,C) output -> (H,W) uint8 0/1: argmax over 2 logits, or probability > 0.5."""
        if out.shape[-1] == 1:
            return (out[..., 0] > 0.5).astype(np.uint8)
        return np.argmax(out, axis=-1).astype(np.uint8)

    def predict_labels(self, image: np.ndarray) -> np.ndarray:
        """One uint8 image (H,W,3) at the model's input size -> mask (H,W) uint8 0/1."""
        self.set_input(image)
        self.invoke()
        return self.labels_from_output(self.output())

    def predict_batch(self, images: np.ndarray) -> np.ndarray:
        """uint8 images (N,H,W,3) -> masks (N,H,W) uint8; one invoke per image (batch-1 model)."""
        return np.stack([self.predict_labels(np.asarray(img)) for img in images])
