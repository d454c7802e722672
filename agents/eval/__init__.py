"""Measuring retrieval and answer quality."""
