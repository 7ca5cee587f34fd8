"""scratchnet-tui: train and inspect a from-scratch NumPy multilayer perceptron.

Layers (data flows one way):
    datasets/  -> readers and the registry of named datasets (NumPy, pandas)
    nn/        -> the network: layers, activations, losses, initialisers, optimizers
    training/  -> the trainer loop and its events, configs and presets
    cli.py     -> headless commands;  tui/ -> the Textual dashboard
Nothing outside tui/ imports Textual.
"""

__version__ = "0.1.0"
