"""Pruebas de los dos clientes web en un Chromium real (Playwright)."""
