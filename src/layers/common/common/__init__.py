"""The shared layer: HTTP request/response handling and DynamoDB access for every function.

Records are `NamedTuple`s, not dataclasses: defining a frozen dataclass runs generated code worth
3.5 to 6.6 million instructions per class at import (callgrind), some 0.3-0.6% of a cold start
each; a NamedTuple costs a third of that and is as immutable.
"""
