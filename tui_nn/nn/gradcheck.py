"""Gradient checking: the backward pass against central finite differences.

    dL/dp ~ (L(p + h) - L(p - h)) / 2h      error O(h^2)

Run in float64, where h = 1e-6 leaves both the truncation error (~h^2) and the
round-off error (~1e-16 / h) far below the tolerance.
"""

from __future__ import annotations

import numpy as np

from .network import Network


def batch_loss(net: Network, x: np.ndarray, labels: np.ndarray, l2: float = 0.0,
               dropout_seed: int = 0) -> float:
    """Mean loss of the batch plus the L2 penalty, and fills ``net.grads`` with its
    gradient. Dropout masks come from a fresh generator seeded with ``dropout_seed``,
    so every call draws the same masks and the loss is a fixed function of the params."""
    rng = np.random.default_rng(dropout_seed)
    loss_sum, _ = net.train_batch(x, labels, l2=l2, rng=rng)
    return loss_sum / len(x) + net.l2_penalty(l2)


def numerical_gradient(net: Network, x: np.ndarray, labels: np.ndarray, l2: float = 0.0,
                       h: float = 1e-5) -> np.ndarray:
    """Central differences of ``batch_loss`` with respect to every parameter."""
    numeric = np.empty(net.n_params)
    for i in range(net.n_params):
        saved = net.params[i]
        net.params[i] = saved + h
        plus = batch_loss(net, x, labels, l2)
        net.params[i] = saved - h
        minus = batch_loss(net, x, labels, l2)
        net.params[i] = saved
        numeric[i] = (plus - minus) / (2 * h)
    return numeric


def relative_errors(net: Network, x: np.ndarray, labels: np.ndarray, l2: float = 0.0,
                    h: float = 1e-5) -> dict[str, float]:
    """For each parameter tensor ("layer0.W", "layer0.b", ...), the relative error
    ||analytic - numeric|| / (||analytic|| + ||numeric||).

    Norm-wise rather than element-wise: a single gradient entry of 1e-9 carries
    round-off of the same size, which says nothing about the backward pass."""
    if net.dtype != np.float64:
        raise ValueError("gradient checks need a float64 network")
    batch_loss(net, x, labels, l2)
    analytic = net.grads.copy()
    numeric = numerical_gradient(net, x, labels, l2, h)
    errors = {}
    offset = 0
    for k, layer in enumerate(net.layers):
        parts = [("W", layer.W.size)] + ([("b", layer.b.size)] if layer.use_bias else [])
        for name, size in parts:
            a, n = analytic[offset:offset + size], numeric[offset:offset + size]
            denom = np.linalg.norm(a) + np.linalg.norm(n)
            errors[f"layer{k}.{name}"] = float(np.linalg.norm(a - n) / denom) if denom > 0 else 0.0
            offset += size
    return errors
