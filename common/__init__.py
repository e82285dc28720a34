"""Código que comparten los dos stacks: el hub de difusión y el arranque de los servidores."""
