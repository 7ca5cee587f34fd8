"""Output layers fused with their cost: they turn the last layer's pre-activations z
into outputs, the summed loss, and dLoss/dz — computed together because the fused
gradients are both simpler and numerically safer than chaining the two derivatives.

The loss of a batch is the *mean* over its samples; ``forward`` returns the *sum*
(the trainer averages over the epoch), ``backward`` returns the gradient of the mean.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid


class OutputLoss:
    name = ""

    def forward(self, z: np.ndarray, labels: np.ndarray, targets: np.ndarray | None) -> float:
        """Overwrite z with the outputs; return the loss summed over the batch.

        ``targets`` is a one-hot buffer of z's shape, filled by the caller for the
        losses that need it (``needs_one_hot``); softmax indexes with ``labels``.
        """
        raise NotImplementedError

    def backward(self, outputs: np.ndarray, labels: np.ndarray, targets: np.ndarray | None) -> None:
        """Overwrite outputs with dLoss/dz of the batch-mean loss."""
        raise NotImplementedError

    needs_one_hot = False

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """Inference only: overwrite z with the outputs and return them."""
        raise NotImplementedError


class SoftmaxCrossEntropy(OutputLoss):
    """p = softmax(z), L = -log p[label].

    Stable through the log-sum-exp identity: with m = max_j z_j,
    log sum_j exp(z_j) = m + log sum_j exp(z_j - m), so no exp ever sees a
    positive argument (logits of 1e4 are fine). dL/dz = p - onehot(label).
    """

    name = "softmax_ce"

    def forward(self, z, labels, targets):
        rows = np.arange(len(z))
        z -= z.max(axis=1, keepdims=True)           # shift: max is now 0
        z_label = z[rows, labels]                   # read before z becomes p
        np.exp(z, out=z)
        sums = z.sum(axis=1, keepdims=True)         # in [1, n_classes]
        loss = float(np.log(sums).sum() - z_label.sum())
        z /= sums
        return loss

    def backward(self, outputs, labels, targets):
        outputs[np.arange(len(outputs)), labels] -= 1
        outputs *= outputs.dtype.type(1.0 / len(outputs))

    def outputs(self, z):
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


class SigmoidMSE(OutputLoss):
    """a = sigmoid(z), L = 1/2 * sum_k (a_k - y_k)^2 (Nielsen's quadratic cost).

    dL/dz = (a - y) * a * (1 - a): the sigmoid's slope is why this cost learns
    slowly from confidently wrong outputs.
    """

    name = "sigmoid_mse"
    needs_one_hot = True

    def forward(self, z, labels, targets):
        sigmoid(z, z)
        diff = z - targets
        return 0.5 * float(np.einsum("ij,ij->", diff, diff))

    def backward(self, outputs, labels, targets):
        slope = outputs * (1 - outputs)
        outputs -= targets
        outputs *= slope
        outputs *= outputs.dtype.type(1.0 / len(outputs))

    def outputs(self, z):
        return sigmoid(z, z)


class SigmoidCrossEntropy(OutputLoss):
    """a = sigmoid(z), L = -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)] (Nielsen's network2).

    Computed from z as sum_k softplus(z_k) - y_k z_k (softplus via logaddexp, stable
    for any z). dL/dz = a - y: the sigmoid's slope cancels out.
    """

    name = "sigmoid_ce"
    needs_one_hot = True

    def forward(self, z, labels, targets):
        loss = float(np.logaddexp(0, z).sum() - np.einsum("ij,ij->", targets, z))
        sigmoid(z, z)
        return loss

    def backward(self, outputs, labels, targets):
        outputs -= targets
        outputs *= outputs.dtype.type(1.0 / len(outputs))

    def outputs(self, z):
        return sigmoid(z, z)


LOSSES = {cls.name: cls for cls in (SoftmaxCrossEntropy, SigmoidMSE, SigmoidCrossEntropy)}


def make_loss(name: str) -> OutputLoss:
    try:
        return LOSSES[name]()
    except KeyError:
        raise ValueError(f"unknown output/loss {name!r}; choose one of {', '.join(LOSSES)}") from None
