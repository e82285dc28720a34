"""Lección 12: varios procesos: fork, el enlace con Redis y el log, la presencia y el relé."""
