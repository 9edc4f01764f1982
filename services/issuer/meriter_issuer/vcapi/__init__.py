"""vcapi."""
