"""Institutions (providers): their identifiers, names, places and history."""
