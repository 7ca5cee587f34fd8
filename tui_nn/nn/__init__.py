"""The from-scratch network: NumPy only, no autograd.

- layers.py       Dense layer and dropout
- activations.py  ReLU, LeakyReLU, Sigmoid, Tanh (forward and derivative)
- losses.py       softmax + cross-entropy, sigmoid + MSE, sigmoid + cross-entropy
- initializers.py He, Xavier, uniform, normal, 1/fan_in, 1/fan_out, standard normal
- optimizers.py   SGD, momentum, Nesterov, Adam
- network.py      the MLP: forward, backward, predict, evaluate
- model_file.py   the .npz model file: save_model, load_model, ModelFileError
- gradcheck.py    analytic vs finite-difference gradients
"""

from .activations import ACTIVATIONS
from .initializers import INITS
from .losses import LOSSES
from .model_file import ModelFileError, load_model, save_model
from .network import Architecture, Network
from .optimizers import OPTIMIZERS, make_optimizer

__all__ = ["ACTIVATIONS", "INITS", "LOSSES", "OPTIMIZERS", "Architecture", "ModelFileError",
           "Network", "load_model", "make_optimizer", "save_model"]
