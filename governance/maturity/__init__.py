"""Maturity."""
