"""The from-scratch network: NumPy only, no autograd.

- layers.py       Dense layer and dropout
- activations.py  ReLU, LeakyReLU, Sigmoid, Tanh (forward and derivative)
- losses.py       softmax + cross-entropy, sigmoid + MSE, sigmoid + cross-entropy
- initializers.py He, Xavier, uniform, normal, 1/fan_in, 1/fan_out, standard normal
- optimizers.py   SGD, momentum, Nesterov, Adam
- network.py      the MLP: forward, backward, predict, save/load
- gradcheck.py    analytic vs finite-difference gradients
"""

from .activations import ACTIVATIONS
from .initializers import INITS
from .losses import LOSSES
from .network import Architecture, ModelFileError, Network
from .optimizers import OPTIMIZERS, make_optimizer

__all__ = ["ACTIVATIONS", "INITS", "LOSSES", "OPTIMIZERS", "Architecture", "ModelFileError",
           "Network", "make_optimizer"]
