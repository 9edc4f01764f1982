"""Offerings: the micro-credential specifications an institution awards."""
