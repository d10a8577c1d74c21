"""Passports, status checks, history and costs: filled by the passport issue."""
