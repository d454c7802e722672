"""Steward's governance layer: PII redaction, moderation, injection defence, audit and policy."""
