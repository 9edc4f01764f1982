"""qa-status: is an institution quality assured on a day, as the registry knew it then."""
