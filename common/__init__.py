"""Lo que comparten los dos stacks, una carpeta por idea del curso y la lección que la lee.

startup/              lecciones 2, 4 y 5: opciones, ajustes, escucha, banner, QR y apagado
defences/             lección 7: límites, el portero, el Host, las cabeceras y los proxies
fanout/               lección 9: el hub (quién está conectado) y sus dos caminos de envío
history/              lección 10: el log (el número de cada mensaje, el historial), y SQLite
live/                 lección 11: quién está en cada sala, y lo que cruza sin guardarse
processes/            lección 12: varios procesos (fork) y Redis: el log, la presencia, el relé
tornado_internals.py  lo que usamos de Tornado que no es API pública, todo aquí (la valla)
spanish.py            los textos de Tornado en español, y los plurales
cliente.py            el cliente de la terminal: python -m common.cliente
"""
