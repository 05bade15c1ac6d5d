"""The desk's reports: figures as tables, CSV, JSON and charts."""
