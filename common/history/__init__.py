"""Lección 10: el log, que numera cada mensaje y guarda el historial (memoria o SQLite)."""
