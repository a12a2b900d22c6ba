"""The tracking server: REST API over the store, OTLP ingest, and the web UI."""
