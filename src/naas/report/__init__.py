"""Reports: tables, JSON documents, exports."""
