"""Meriter."""
