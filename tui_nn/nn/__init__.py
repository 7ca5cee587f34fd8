"""The from-scratch network: NumPy only, no autograd.

- names.py        the choices by name (activations, losses, inits, optimizers), without NumPy
- layers.py       Dense layer and dropout
- activations.py  ReLU, LeakyReLU, Sigmoid, Tanh (forward and derivative)
- losses.py       softmax + cross-entropy, sigmoid + MSE, sigmoid + cross-entropy
- initializers.py He, Xavier, uniform, normal, 1/fan_in, 1/fan_out, standard normal
- optimizers.py   SGD, momentum, Nesterov, Adam
- network.py      the MLP: forward, backward, predict, evaluate
- model_file.py   the .npz model file: save_model, load_model, ModelFileError
- gradcheck.py    analytic vs finite-difference gradients

The names below load their module (and NumPy) when first used, not when the package is
imported (``tui_nn/lazy.py``): the dashboard draws its first screen without NumPy.
"""

from ..lazy import lazy_exports

__all__ = ["ACTIVATIONS", "INITS", "LOSSES", "OPTIMIZERS", "Architecture", "ModelFileError",
           "Network", "load_model", "make_optimizer", "save_model"]

__getattr__, __dir__ = lazy_exports(__name__, {
    "activations": ("ACTIVATIONS",),
    "initializers": ("INITS",),
    "losses": ("LOSSES",),
    "model_file": ("ModelFileError", "load_model", "save_model"),
    "network": ("Architecture", "Network"),
    "optimizers": ("OPTIMIZERS", "make_optimizer"),
})
