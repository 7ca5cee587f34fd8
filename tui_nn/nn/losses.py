"""Output layers fused with their cost, in the spirit of Nielsen's network2.py: each
class defines the cost once, and training and evaluation both use that definition.

- ``total(z, labels, targets)``: the loss summed over the batch, computed from the
  logits z (the last layer's pre-activations), numerically stable for any z;
  it overwrites z with the outputs (softmax probabilities or sigmoids) on the way,
  because the outputs fall out of the same arithmetic and the backward pass needs them;
- ``fn(...)``: the same, averaged over the batch (the loss of a batch is its mean);
- ``delta(outputs, labels, targets)``: overwrites the outputs with dLoss/dz of the
  batch-mean loss. The fused gradients are both simpler and numerically safer than
  chaining the activation's and the cost's derivatives.
"""

from __future__ import annotations

import numpy as np

from .activations import sigmoid


def one_hot(labels: np.ndarray, out: np.ndarray) -> np.ndarray:
    """Fill ``out`` (n, classes) with the one-hot rows of ``labels`` (n,) and return it."""
    out.fill(0)
    out[np.arange(len(out)), labels] = 1
    return out


def _label_positions(z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Flat indices of each row's label entry in a C-ordered z (n, classes): one flat
    gather is about twice as fast as z[arange(n), labels]."""
    return np.arange(0, z.size, z.shape[1]) + labels


def _at_labels(z: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """z[i, labels[i]] for every row i."""
    if z.flags.c_contiguous:
        return z.reshape(-1)[_label_positions(z, labels)]
    return z[np.arange(len(z)), labels]


class OutputLoss:
    name = ""
    needs_one_hot = False   # whether total/delta read ``targets`` (else only ``labels``)

    def total(self, z: np.ndarray, labels: np.ndarray, targets: np.ndarray | None) -> float:
        """Loss summed over the batch, from the logits z; overwrites z with the outputs.

        ``targets`` is the one-hot form of ``labels`` in a buffer of z's shape, filled by
        the caller for the losses that need it (``needs_one_hot``)."""
        raise NotImplementedError

    def fn(self, z: np.ndarray, labels: np.ndarray, targets: np.ndarray | None = None) -> float:
        """Mean loss of the batch, from the logits z; overwrites z with the outputs.
        Builds the one-hot targets itself when they are not given."""
        if targets is None and self.needs_one_hot:
            targets = one_hot(labels, np.empty_like(z))
        return self.total(z, labels, targets) / len(z)

    def delta(self, outputs: np.ndarray, labels: np.ndarray, targets: np.ndarray | None) -> None:
        """Overwrite outputs (as left by ``total``) with dLoss/dz of the batch-mean loss."""
        raise NotImplementedError

    def outputs(self, z: np.ndarray) -> np.ndarray:
        """Inference only: overwrite z with the outputs and return them."""
        raise NotImplementedError


class SoftmaxCrossEntropy(OutputLoss):
    """p = softmax(z), L = -log p[label] = log sum_j exp(z_j) - z[label].

    Stable through the log-sum-exp identity: with m = max_j z_j,
    log sum_j exp(z_j) = m + log sum_j exp(z_j - m), so no exp ever sees a
    positive argument and no probability is ever logged (logits of 1e4 give a loss
    of 1e4, not the log of an underflowed 0). dL/dz = p - onehot(label).
    """

    name = "softmax_ce"

    def total(self, z, labels, targets):
        n, k = z.shape
        # NumPy reduces along a short last axis slowly (14 us for the max of 128x10 rows);
        # along the first axis of a transposed copy it takes 6.5 us, and the row sums as a
        # product with ones 1.6 us instead of 6.4: about -20 us per batch in all
        z -= np.ascontiguousarray(z.T).max(axis=0)[:, None]   # shift: max is now 0
        z_label = _at_labels(z, labels)                        # a copy, read before z becomes p
        np.exp(z, out=z)
        sums = z @ np.ones(k, z.dtype)                         # in [1, n_classes]
        # both sums are of non-negative terms (log sums >= 0, -z_label >= 0): no cancellation
        loss = float(np.log(sums).sum() - z_label.sum())
        z /= sums[:, None]
        return loss

    def delta(self, outputs, labels, targets):
        if outputs.flags.c_contiguous:
            outputs.reshape(-1)[_label_positions(outputs, labels)] -= 1
        else:
            outputs[np.arange(len(outputs)), labels] -= 1
        outputs *= outputs.dtype.type(1.0 / len(outputs))

    def outputs(self, z):
        z -= z.max(axis=1, keepdims=True)
        np.exp(z, out=z)
        z /= z.sum(axis=1, keepdims=True)
        return z


class SigmoidMSE(OutputLoss):
    """a = sigmoid(z), L = 1/2 * sum_k (a_k - y_k)^2 (Nielsen's quadratic cost).

    Bounded (at most n_classes / 2 per sample), so computing it from a = sigmoid(z)
    is exact enough for any z. dL/dz = (a - y) * a * (1 - a): the sigmoid's slope is
    why this cost learns slowly from confidently wrong outputs.
    """

    name = "sigmoid_mse"
    needs_one_hot = True

    def total(self, z, labels, targets):
        sigmoid(z, z)
        diff = z - targets
        return 0.5 * float(np.einsum("ij,ij->", diff, diff))

    def delta(self, outputs, labels, targets):
        slope = outputs * (1 - outputs)
        outputs -= targets
        outputs *= slope
        outputs *= outputs.dtype.type(1.0 / len(outputs))

    def outputs(self, z):
        return sigmoid(z, z)


class SigmoidCrossEntropy(OutputLoss):
    """a = sigmoid(z), L = -sum_k [y_k log a_k + (1 - y_k) log(1 - a_k)] (Nielsen's network2).

    Computed from z, never from a (a rounds to exactly 0 or 1 long before the loss is
    large): L = sum_k softplus(z_k) - y_k z_k, with the stable softplus
    log(1 + exp(z)) = log(1 + exp(-|z|)) + max(z, 0). dL/dz = a - y: the sigmoid's
    slope cancels out.
    """

    name = "sigmoid_ce"
    needs_one_hot = True

    def total(self, z, labels, targets):
        # per element: log(1 + exp(-|z|)) + (max(z, 0) - y z); the bracket is exact for
        # y in {0, 1} (it is max(-z, 0) or max(z, 0)), so every term is >= 0 and summing
        # them cancels nothing
        terms = np.maximum(z, 0)
        t = np.multiply(targets, z)
        terms -= t
        np.abs(z, out=t)
        np.negative(t, out=t)
        np.exp(t, out=t)
        np.log1p(t, out=t)
        terms += t
        loss = float(terms.sum())
        sigmoid(z, z)
        return loss

    def delta(self, outputs, labels, targets):
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
