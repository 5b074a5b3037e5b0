"""The ``partnerpilot`` command line.

The top layer: the only package that imports ``ui`` and ``evals``.
"""
