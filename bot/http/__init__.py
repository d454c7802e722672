"""The HTTP side of ``steward serve``: platform webhooks, health, and (later) the API."""
