"""The module the cold-start benchmark compares every function's handler module against.

Imported only by fresh benchmark processes, as Lambda imports a handler module.
"""
