"""The inference benchmark (``python -m bench --inference``): fp32 against the quantized loaders on this CPU.

For each quantization mode it measures, in one run, the first-token latency of a ~500-token grounded prompt,
the greedy decode rate, prefill GFLOP/s against a measured fp32 matmul ceiling, and answer quality on the
handbook QA set (key-fact hit rate and agreement with fp32); it writes docs/benchmarks-inference.md.
"""
