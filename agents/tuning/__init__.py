"""The learning loop: preference data from feedback, LoRA/QLoRA tuning with TRL, model cards."""
