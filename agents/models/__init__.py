"""Chat models: the local transformers model today; hosted fallback and routing build on this."""
