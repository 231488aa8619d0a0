"""The package version: the one place it is written (pyproject.toml reads it from here).

A literal rather than ``importlib.metadata.version("framelens")``: that lookup costs ~45 ms at every
start of the command line and of every worker, a tenth of ``framelens score``'s start-up.
"""
__version__ = "0.1.0"
