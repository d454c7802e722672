"""Steward's knowledge and model layer: ingestion, retrieval, models, the answering agent, tuning and eval."""
