"""Lección 11: lo vivo que no se guarda: quién está en cada sala, «escribiendo…» y privados."""
