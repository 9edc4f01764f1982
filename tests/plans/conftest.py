"""Plan tests: each module fills its own database once (see ``plans_support.filled``)."""
