"""The dev kit: what the local stack (devserver/), the tests and the bench share.

The AWS emulator with the template's tables, buckets and queues (`emulator`, `stack`), the
template read through SAM CLI's own providers (`stack`), Lambda events (`events`), loading and
invoking a function from the template in this process (`functions`), and `make run` as a
subprocess (`local_server`). Never deployed; nothing in src/ imports it.
"""
