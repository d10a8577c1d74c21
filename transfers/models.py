"""Transfers of a passport to a new owner: filled by the transfers issue."""
