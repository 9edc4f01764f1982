"""Quality-assurance reports: submissions, withdrawal, flags, qa-status, search."""
