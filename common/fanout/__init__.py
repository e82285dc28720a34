"""Lección 9: el hub, que reparte cada mensaje a las conexiones de su sala, y sus dos caminos."""
