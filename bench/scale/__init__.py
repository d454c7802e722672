"""``python -m bench --scale``: write and read paths at 10k and 100k synthetic chunks, each against a peer.

Results go to stdout and ``docs/benchmarks-scale.md`` (linked from ``docs/benchmarks.md``).
"""
