"""Turning files into embedded, citable chunks in PostgreSQL."""
