"""Optimizers over the network's flat parameter and gradient arrays.

Each ``step`` updates every layer at once, in place, with preallocated state.
State buffers that decay towards zero (momentum, Adam's moments) are flushed to
zero now and then: subnormal floats make the CPU's vector units many times slower.
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("sgd", "momentum", "nesterov", "adam")
FLUSH_EVERY = 64  # steps between flushes of subnormal state


class Optimizer:
    def __init__(self, params: np.ndarray, lr: float):
        self.params = params
        self.lr = params.dtype.type(lr)
        self.steps = 0
        self._scratch = np.empty_like(params)

    def step(self, grads: np.ndarray) -> None:
        raise NotImplementedError

    def state(self) -> dict[str, np.ndarray]:
        """Arrays to save so training can resume exactly."""
        return {}

    def load_state(self, state: dict[str, np.ndarray], steps: int) -> None:
        for name, value in state.items():
            getattr(self, name)[...] = value
        self.steps = steps

    def _flush_subnormals(self, *buffers: np.ndarray) -> None:
        if self.steps % FLUSH_EVERY == 0:
            tiny = np.finfo(self.params.dtype).tiny
            for buf in buffers:
                np.abs(buf, out=self._scratch)
                buf[self._scratch < tiny] = 0


class SGD(Optimizer):
    """p -= lr * g"""

    def step(self, grads):
        np.multiply(grads, self.lr, out=self._scratch)
        self.params -= self._scratch
        self.steps += 1


class Momentum(Optimizer):
    """v = mu * v + g;  p -= lr * v            (heavy ball, as PyTorch's SGD)
    Nesterov: p -= lr * (g + mu * v), i.e. the step looks ahead along v."""

    def __init__(self, params, lr, momentum: float = 0.9, nesterov: bool = False):
        super().__init__(params, lr)
        self.mu = params.dtype.type(momentum)
        self.nesterov = nesterov
        self.velocity = np.zeros_like(params)

    def step(self, grads):
        v = self.velocity
        v *= self.mu
        v += grads
        if self.nesterov:
            np.multiply(v, self.mu, out=self._scratch)
            self._scratch += grads
        else:
            np.copyto(self._scratch, v)
        self._scratch *= self.lr
        self.params -= self._scratch
        self.steps += 1
        self._flush_subnormals(v)

    def state(self):
        return {"velocity": self.velocity}


class Adam(Optimizer):
    """m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2;
    p -= lr * m_hat / (sqrt(v_hat) + eps), with the bias corrections
    m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t) folded into one step size."""

    def __init__(self, params, lr, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        super().__init__(params, lr)
        t = params.dtype.type
        self.beta1, self.beta2, self.eps = t(beta1), t(beta2), t(eps)
        self.m = np.zeros_like(params)
        self.v = np.zeros_like(params)
        self._denom = np.empty_like(params)

    def step(self, grads):
        self.steps += 1
        t = self.steps
        one = self.params.dtype.type(1)
        self.m *= self.beta1
        np.multiply(grads, one - self.beta1, out=self._scratch)
        self.m += self._scratch
        self.v *= self.beta2
        np.multiply(grads, grads, out=self._scratch)
        self._scratch *= one - self.beta2
        self.v += self._scratch
        # lr * sqrt(1-b2^t)/(1-b1^t) * m / (sqrt(v) + eps*sqrt(1-b2^t)) == the textbook update
        correction2 = np.sqrt(1.0 - float(self.beta2) ** t)
        step_size = self.params.dtype.type(float(self.lr) * correction2 / (1.0 - float(self.beta1) ** t))
        np.sqrt(self.v, out=self._denom)
        self._denom += self.params.dtype.type(float(self.eps) * correction2)
        np.divide(self.m, self._denom, out=self._scratch)
        self._scratch *= step_size
        self.params -= self._scratch
        self._flush_subnormals(self.m, self.v)

    def state(self):
        return {"m": self.m, "v": self.v}


def make_optimizer(name: str, params: np.ndarray, lr: float, momentum: float = 0.9,
                   beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> Optimizer:
    if name == "sgd":
        return SGD(params, lr)
    if name in ("momentum", "nesterov"):
        return Momentum(params, lr, momentum, nesterov=name == "nesterov")
    if name == "adam":
        return Adam(params, lr, beta1, beta2, eps)
    raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
