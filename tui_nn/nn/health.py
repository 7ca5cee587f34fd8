"""Layer health: the numbers that show why a network is (not) learning.

Per layer (every Dense layer, output included):
- weight norm ||W|| (Frobenius; biases left out);
- gradient norm ||dL/dW|| of a training batch (with the L2 term, as the optimizer sees it);
- update-to-weight ratio ||W_after - W_before|| / ||W_before|| of one optimizer step
  (around 1e-3 is the usual healthy figure; far below, the layer hardly learns);
per hidden layer, from a forward pass over a fixed probe batch (no dropout):
- the share of *flat* units: those in their activation's flat region for at least
  ``FLAT_SHARE`` of the probe samples, where the derivative (almost) vanishes: a dead ReLU
  (z <= 0), a saturated sigmoid (a < 0.05 or a > 0.95) or tanh (|a| > 0.95);
- a histogram of the activations over ``N_BINS`` fixed bins (``histogram_edges``), as the
  share of all (sample, unit) values per bin; values outside the range go to the end bins.

Functions take the network (its public layers and activation) and return plain lists,
so the trainer can sample them on a few batches per epoch at little cost.
"""

from __future__ import annotations

import numpy as np

N_BINS = 20
FLAT_SHARE = 0.99
# the range each activation's histogram covers (ReLU-like outputs are open-ended above)
HISTOGRAM_RANGE = {"relu": (0.0, 4.0), "leaky_relu": (-1.0, 4.0), "sigmoid": (0.0, 1.0), "tanh": (-1.0, 1.0)}
SATURATED = 0.95   # |tanh| above this, or sigmoid beyond 0.05 of 0 or 1, is in the flat region


def histogram_edges(activation: str) -> np.ndarray:
    low, high = HISTOGRAM_RANGE.get(activation, (-4.0, 4.0))
    return np.linspace(low, high, N_BINS + 1)


def weight_norms(network) -> list[float]:
    return [float(np.linalg.norm(layer.W)) for layer in network.layers]


def grad_norms(network) -> list[float]:
    return [float(np.linalg.norm(layer.dW)) for layer in network.layers]


def weight_snapshot(network) -> list[np.ndarray]:
    """Copies of each layer's W, to measure the next step against."""
    return [layer.W.copy() for layer in network.layers]


def update_ratios(network, before: list[np.ndarray]) -> list[float]:
    """||W - W_before|| / ||W_before|| per layer (0 for an all-zero W_before)."""
    ratios = []
    for layer, old in zip(network.layers, before):
        scale = float(np.linalg.norm(old))
        ratios.append(float(np.linalg.norm(layer.W - old)) / scale if scale else 0.0)
    return ratios


def flat_mask(activation: str, values: np.ndarray) -> np.ndarray:
    """True where an activation's output ``values`` lie where its derivative (almost) vanishes."""
    if activation in ("relu", "leaky_relu"):
        return values <= 0
    if activation == "sigmoid":
        return np.abs(values - 0.5) > SATURATED - 0.5
    if activation == "tanh":
        return np.abs(values) > SATURATED
    return np.zeros(values.shape, bool)


def hidden_activations(network, x: np.ndarray) -> list[np.ndarray]:
    """Each hidden layer's output for the batch ``x`` (float, the network's dtype), dropout off."""
    outputs = []
    a = x
    for layer in network.layers[:-1]:
        z = a @ layer.W
        if layer.use_bias:
            z += layer.b
        network.activation.forward(z, z)
        outputs.append(z)
        a = z
    return outputs


def activation_health(network, x: np.ndarray) -> tuple[list[float], list[list[float]]]:
    """(share of flat units, activation histogram) for each hidden layer, on the probe ``x``."""
    name = network.activation.name
    edges = histogram_edges(name)
    flat, histograms = [], []
    for a in hidden_activations(network, x):
        flat_units = flat_mask(name, a).mean(axis=0) >= FLAT_SHARE
        flat.append(float(flat_units.mean()))
        counts, _ = np.histogram(np.clip(a, edges[0], edges[-1]), bins=edges)
        histograms.append((counts / max(a.size, 1)).tolist())
    return flat, histograms
