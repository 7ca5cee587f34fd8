"""The engine's choices by name, without NumPy: what a configuration may name.

The configuration, the command line and the setup form validate against these before any
engine module (and so NumPy) is imported; the engine's registries (``ACTIVATIONS``,
``LOSSES``, ``INITS``, ``OPTIMIZERS``) are keyed by the same names, in the same order
(tests/test_lazy_imports.py checks it).
"""

ACTIVATION_NAMES = ("relu", "leaky_relu", "sigmoid", "tanh")
LOSS_NAMES = ("softmax_ce", "sigmoid_mse", "sigmoid_ce")
INIT_NAMES = ("he", "xavier", "uniform", "normal", "fan_in", "fan_out", "standard")
OPTIMIZER_NAMES = ("sgd", "momentum", "nesterov", "adam")
