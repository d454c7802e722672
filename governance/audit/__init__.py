"""The tamper-evident audit trail: typed events, a per-tenant SHA-256 chain, verification and export."""
