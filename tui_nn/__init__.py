"""scratchnet-tui: train and inspect a from-scratch NumPy multilayer perceptron.

The map of the package is README.md's "Code layout". Data flows one way:
datasets -> nn -> training -> runs -> inspection -> (cli | tui), with entry.py above both
front ends; pyproject.toml's [tool.importlinter] contracts enforce it.
"""

__version__ = "0.1.0"
