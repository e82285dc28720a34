"""Lección 7: las defensas ante una red hostil: límites, el portero, el Host y las cabeceras."""
