"""The multilayer perceptron: forward pass, backward pass, inference (the model file
format lives in model_file.py).

    x -> Dense -> act -> [dropout] -> ... -> Dense -> output loss (softmax + CE, ...)

Why it is fast without being clever:
- every parameter lives in one flat float32 array (``params``) and every gradient in
  another (``grads``); layers hold views into them, so an optimizer step is a few
  whole-array NumPy operations, not a loop over layers;
- the per-batch buffers (pre-activations, gradients, dropout masks) are allocated once
  per batch capacity and written with ``out=``; activations run in place;
- nothing on the hot path is float64 when the network is float32 (mixing dtypes makes
  NumPy leave the fast BLAS path).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np

from .activations import make_activation
from .initializers import initial_weights
from .layers import Dense, Dropout
from .losses import make_loss, one_hot

EVAL_CHUNK = 2048  # rows per inference chunk: bounds the buffers for 60k-row sets


@dataclass(frozen=True)
class Architecture:
    """What the network is: layer sizes (inputs first, classes last) and its parts."""

    sizes: tuple[int, ...]
    activation: str = "relu"
    output: str = "softmax_ce"   # softmax_ce | sigmoid_mse | sigmoid_ce
    use_bias: bool = True
    dropout: float = 0.0         # on every hidden layer's output, training only

    def __post_init__(self):
        object.__setattr__(self, "sizes", tuple(int(s) for s in self.sizes))
        if len(self.sizes) < 2 or min(self.sizes) < 1:
            raise ValueError(f"sizes must be at least (inputs, classes), all >= 1: {self.sizes}")
        make_activation(self.activation)
        make_loss(self.output)
        Dropout(self.dropout)

    @property
    def n_params(self) -> int:
        return sum(Dense(a, b, self.use_bias).n_params for a, b in zip(self.sizes, self.sizes[1:]))

    def describe(self) -> str:
        return "-".join(map(str, self.sizes))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["sizes"] = list(self.sizes)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "Architecture":
        return cls(**d)


@dataclass
class _Workspace:
    """Preallocated buffers for batches of up to ``capacity`` samples."""

    capacity: int
    z: list = field(default_factory=list)        # per layer: pre-activation, then activation in place
    grad: list = field(default_factory=list)     # per hidden layer: dL/d(activation)
    scratch: list = field(default_factory=list)  # per hidden layer: for activation derivatives
    mask: list = field(default_factory=list)     # per hidden layer: dropout mask (training)
    dropped: list = field(default_factory=list)  # per hidden layer: activation * mask
    targets: np.ndarray | None = None            # one-hot labels for MSE/BCE outputs
    ones: np.ndarray | None = None               # (capacity,) ones: bias gradients as a product


class Network:
    """A multilayer perceptron with hand-written forward and backward passes."""

    def __init__(self, arch: Architecture, dtype=np.float32, init: str = "he",
                 init_std: float = 0.01, rng: np.random.Generator | None = None):
        self.arch = arch
        self.dtype = np.dtype(dtype)
        if self.dtype not in (np.float32, np.float64):
            raise ValueError("dtype must be float32 or float64")
        self.layers = [Dense(a, b, arch.use_bias) for a, b in zip(arch.sizes, arch.sizes[1:])]
        self.activation = make_activation(arch.activation)
        self.loss = make_loss(arch.output)
        self.dropout = Dropout(arch.dropout) if arch.dropout > 0 else None
        self.params = np.zeros(arch.n_params, dtype=self.dtype)
        self.grads = np.zeros_like(self.params)
        self._decay_scratch = np.zeros_like(self.params)
        offset = 0
        for layer in self.layers:
            n = layer.n_params
            layer.bind(self.params[offset:offset + n], self.grads[offset:offset + n])
            offset += n
        self._workspaces: dict[tuple[int, bool], _Workspace] = {}
        if rng is not None:
            self.initialize(init, rng, init_std)

    # ------------------------------------------------------------------ set-up
    def initialize(self, init: str, rng: np.random.Generator, std: float = 0.01) -> None:
        for layer in self.layers:
            W, b = initial_weights(init, rng, layer.n_in, layer.n_out, std)
            layer.W[...] = W
            if layer.use_bias:
                layer.b[...] = b

    def set_dropout(self, rate: float) -> None:
        """Change the dropout rate between batches (a live change while training); the
        training buffers are rebuilt at the next batch, as the masks may now be needed."""
        self.arch = replace(self.arch, dropout=rate)
        self.dropout = Dropout(rate) if rate > 0 else None
        self._workspaces = {k: v for k, v in self._workspaces.items() if not k[1]}

    @property
    def n_params(self) -> int:
        return self.params.size

    @property
    def n_classes(self) -> int:
        return self.arch.sizes[-1]

    def _workspace(self, n: int, training: bool) -> _Workspace:
        """Buffers for a batch of n: reuse the cached ones if they are big enough."""
        key_capacity = max((c for c, t in self._workspaces if t == training), default=0)
        if key_capacity >= n:
            return self._workspaces[(key_capacity, training)]
        self._workspaces = {k: v for k, v in self._workspaces.items() if k[1] != training}
        ws = _Workspace(capacity=n)
        hidden = self.arch.sizes[1:-1]
        ws.z = [np.empty((n, s), self.dtype) for s in self.arch.sizes[1:]]
        if training:
            ws.grad = [np.empty((n, s), self.dtype) for s in hidden]
            ws.scratch = [np.empty((n, s), self.dtype) for s in hidden]
            ws.ones = np.ones(n, self.dtype)
            if self.dropout:
                ws.mask = [np.empty((n, s), self.dtype) for s in hidden]
                ws.dropped = [np.empty((n, s), self.dtype) for s in hidden]
        if self.loss.needs_one_hot:
            ws.targets = np.zeros((n, self.n_classes), self.dtype)
        self._workspaces[(n, training)] = ws
        return ws

    # ---------------------------------------------------------- forward pass
    def _forward(self, x: np.ndarray, ws: _Workspace, dropout_rng: np.random.Generator | None = None,
                 inputs: list | None = None) -> np.ndarray:
        """The logits (last layer's pre-activations) of the batch x, as a view of ws.

        The one forward pass, for training and inference alike. With ``dropout_rng``
        (training) every hidden layer's output goes through inverted dropout, masks drawn
        from it; without, nothing is dropped. ``inputs``, if given, receives what each
        layer saw, which the backward pass needs for dL/dW."""
        n = len(x)
        dropout = self.dropout if dropout_rng is not None else None
        last = len(self.layers) - 1
        a = x
        for i, layer in enumerate(self.layers):
            if inputs is not None:
                inputs.append(a)
            z = layer.forward(a, ws.z[i][:n])
            if i < last:
                self.activation.forward(z, z)
                if dropout:
                    mask = ws.mask[i][:n]
                    dropout.sample_mask(dropout_rng, ws.dropped[i][:n], mask)
                    a = np.multiply(z, mask, out=ws.dropped[i][:n])
                else:
                    a = z
        return ws.z[last][:n]

    def _targets(self, ws: _Workspace, labels: np.ndarray) -> np.ndarray | None:
        """One-hot labels in ws's buffer for the losses that need them, else None."""
        return one_hot(labels, ws.targets[:len(labels)]) if self.loss.needs_one_hot else None

    # --------------------------------------------------------------- training
    def train_batch(self, x: np.ndarray, labels: np.ndarray, l2: float = 0.0,
                    rng: np.random.Generator | None = None) -> tuple[float, int]:
        """Forward and backward pass on one batch; fills ``self.grads``.

        x: float (n, n_inputs) of the network's dtype; labels: integer (n,).
        The gradient is that of mean loss + l2/2 * sum of squared weights (biases are
        not decayed). Returns (loss summed over the batch, number of correct argmaxes).
        ``rng`` draws the dropout masks (required when dropout > 0).
        """
        n = len(x)
        ws = self._workspace(n, training=True)
        if self.dropout and rng is None:
            raise ValueError("a network with dropout needs rng to train")
        inputs = []
        out = self._forward(x, ws, rng if self.dropout else None, inputs)
        targets = self._targets(ws, labels)
        loss_sum = self.loss.total(out, labels, targets)
        correct = int(np.count_nonzero(out.argmax(axis=1) == labels))

        self.loss.delta(out, labels, targets)
        grad = out
        for i in range(len(self.layers) - 1, -1, -1):
            grad_x = ws.grad[i - 1][:n] if i > 0 else None
            self.layers[i].backward(inputs[i], grad, grad_x, ws.ones[:n])
            if grad_x is not None:
                if self.dropout:
                    grad_x *= ws.mask[i - 1][:n]
                self.activation.backward(ws.z[i - 1][:n], grad_x, ws.scratch[i - 1][:n])
                grad = grad_x
        if l2:
            self.add_weight_decay(l2)
        return loss_sum, correct

    def add_weight_decay(self, l2: float) -> None:
        """grads += l2 * W for every weight matrix: the gradient of l2/2 * ||W||^2."""
        coef = self.dtype.type(l2)
        for layer in self.layers:
            decay = self._decay_scratch[: layer.W.size].reshape(layer.W.shape)
            np.multiply(layer.W, coef, out=decay)
            layer.dW += decay

    def l2_penalty(self, l2: float) -> float:
        return 0.5 * l2 * float(sum(np.vdot(layer.W, layer.W) for layer in self.layers))

    # -------------------------------------------------------------- inference
    def _as_input(self, x: np.ndarray, out: np.ndarray) -> np.ndarray:
        """Images may come as uint8 0..255; the network sees float in [0, 1]."""
        if x.dtype == np.uint8:
            return np.multiply(x, self.dtype.type(1 / 255), out=out[: len(x)])
        return x.astype(self.dtype, copy=False)

    def _inference_chunks(self, x: np.ndarray):
        """For consecutive chunks of up to EVAL_CHUNK rows of x, yield (start, logits, ws):
        the chunk's logits with dropout off, a view of the reused workspace ws, valid
        until the next chunk. Chunks keep the buffers small for sets of 60k rows."""
        if x.ndim != 2 or x.shape[1] != self.arch.sizes[0]:
            raise ValueError(f"expected inputs of shape (n, {self.arch.sizes[0]}), got {x.shape}")
        chunk = min(EVAL_CHUNK, max(len(x), 1))
        ws = self._workspace(chunk, training=False)
        xbuf = np.empty((chunk, self.arch.sizes[0]), self.dtype)
        for start in range(0, len(x), chunk):
            yield start, self._forward(self._as_input(x[start:start + chunk], xbuf), ws), ws

    def outputs(self, x: np.ndarray) -> np.ndarray:
        """Output-layer activations (softmax probabilities or sigmoids), in chunks."""
        result = np.empty((len(x), self.n_classes), self.dtype)
        for start, logits, _ in self._inference_chunks(x):
            result[start:start + len(logits)] = self.loss.outputs(logits)
        return result

    def predict_proba(self, x: np.ndarray) -> np.ndarray:
        """Class probabilities, each row summing to 1. Sigmoid outputs are independent
        per class, so they are normalised by their sum to be read as probabilities."""
        out = self.outputs(x)
        if self.loss.name != "softmax_ce":
            out /= np.maximum(out.sum(axis=1, keepdims=True), np.finfo(out.dtype).tiny)
        return out

    def predict(self, x: np.ndarray) -> np.ndarray:
        return self.outputs(x).argmax(axis=1)

    def evaluate(self, x: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
        """(mean loss, accuracy) with dropout off; (nan, nan) for an empty set.

        The loss is the training loss's own function (``loss.total`` on the logits),
        so validation and test losses are exactly what training minimises."""
        if len(x) == 0:
            return float("nan"), float("nan")
        labels = np.asarray(labels, dtype=np.intp)
        loss_sum, correct = 0.0, 0
        for start, logits, ws in self._inference_chunks(x):
            chunk_labels = labels[start:start + len(logits)]
            loss_sum += self.loss.total(logits, chunk_labels, self._targets(ws, chunk_labels))
            # total() has turned the logits into the outputs: the argmax is the same
            correct += int(np.count_nonzero(logits.argmax(axis=1) == chunk_labels))
        return loss_sum / len(x), correct / len(x)

    def check_fits(self, n_features: int, n_classes: int, source: str = "the data") -> None:
        """Refuse data the network was not built for, with a readable reason."""
        from .model_file import ModelFileError  # here: model_file imports this module
        if n_features != self.arch.sizes[0] or n_classes > self.n_classes:
            raise ModelFileError(
                f"the model ({self.arch.describe()}) takes {self.arch.sizes[0]} inputs and "
                f"{self.n_classes} classes; {source} has {n_features} inputs and {n_classes} classes")
