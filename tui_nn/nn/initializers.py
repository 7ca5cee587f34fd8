"""Weight initialisations, as named by the projects this one grew from.

| name     | weights                              | biases     |
| -------- | ------------------------------------ | ---------- |
| he       | N(0, 2 / fan_in)                     | 0          |
| xavier   | U(-r, r), r = sqrt(6 / (in + out))   | 0          |
| uniform  | U(-0.5, 0.5)                         | U(-0.5, 0.5) |
| normal   | N(0, std^2) (std given, 0.01 default)| 0          |
| fan_in   | N(0, 1 / fan_in)                     | N(0, 1)    |
| fan_out  | N(0, 1 / fan_out)                    | 0          |
| standard | N(0, 1)                              | N(0, 1)    |
N(mean, variance) throughout. He suits ReLU, Xavier suits sigmoid/tanh.
"""

from __future__ import annotations

import numpy as np

from .names import INIT_NAMES

INITS = INIT_NAMES


def initial_weights(kind: str, rng: np.random.Generator, fan_in: int, fan_out: int,
                    std: float = 0.01) -> tuple[np.ndarray, np.ndarray]:
    """Return (W of shape (fan_in, fan_out), b of shape (fan_out,)) in float64."""
    shape = (fan_in, fan_out)
    zeros = np.zeros(fan_out)
    if kind == "he":
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape), zeros
    if kind == "xavier":
        r = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-r, r, shape), zeros
    if kind == "uniform":
        return rng.uniform(-0.5, 0.5, shape), rng.uniform(-0.5, 0.5, fan_out)
    if kind == "normal":
        return rng.normal(0.0, std, shape), zeros
    if kind == "fan_in":
        return rng.normal(0.0, np.sqrt(1.0 / fan_in), shape), rng.normal(0.0, 1.0, fan_out)
    if kind == "fan_out":
        return rng.normal(0.0, np.sqrt(1.0 / fan_out), shape), zeros
    if kind == "standard":
        return rng.normal(0.0, 1.0, shape), rng.normal(0.0, 1.0, fan_out)
    raise ValueError(f"unknown init {kind!r}; choose one of {', '.join(INITS)}")
