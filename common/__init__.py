"""Lo que comparten los dos stacks, una carpeta por idea del curso y la lección que la lee.

fanout/               lección 9: el hub (quién está conectado) y sus dos caminos de envío
defences/             lección 7: límites, el portero, el Host, las cabeceras y los proxies
startup/              lecciones 2, 4 y 5: opciones, ajustes, escucha, banner, QR y apagado
log.py, sqlite_log.py lección 10: los números de cada mensaje y el historial
presence.py, relay.py lección 11: quién está en cada sala, y lo que no se guarda
processes.py, redis_* lección 12: varios procesos y Redis
tornado_internals.py  lo que usamos de Tornado que no es API pública, todo aquí (la valla)
spanish.py            los textos de Tornado en español, y los plurales
cliente.py            el cliente de la terminal: python -m common.cliente
"""
