"""Simulated channels and radio impairments, seeded (numpy only)."""
