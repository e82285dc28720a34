"""Lecciones 2, 4 y 5: cómo arranca un servidor: opciones, ajustes, escucha, banner y apagado."""
