"""The `spanscope` command line: traces, experiments, the database (and, later, the server)."""
