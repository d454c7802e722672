"""``make bench``: Steward's retrieval and answer quality and speed, each measured against a peer in the same run.

Run with ``python -m bench`` (``--quick`` uses every 4th QA question). Results go to stdout and
``docs/benchmarks.md``. Then the scale benchmark (``bench.scale``: 10k and 100k chunks) runs and writes
``docs/benchmarks-scale.md``; ``--scale`` runs only it, ``--no-scale`` and ``--quick`` skip it.
"""
