"""Evaluation corpora nobody here wrote: fetched from the Debian archive, with our questions about them."""
