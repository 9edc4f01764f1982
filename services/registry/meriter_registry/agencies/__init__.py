"""QA agencies and their EQAR registration periods."""
