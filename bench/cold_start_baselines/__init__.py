"""Modules the cold-start benchmark compares every function's handler module against.

They are imported only by fresh benchmark processes, as Lambda imports a handler module.
"""
