"""What the pipeline records about conversations and answers."""
