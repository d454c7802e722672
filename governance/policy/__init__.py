"""Who may do what (roles per tenant), and how often (token buckets in PostgreSQL)."""
