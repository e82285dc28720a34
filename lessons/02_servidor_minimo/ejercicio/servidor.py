"""Lección 2 · Construye: el Stack 1 desde un archivo vacío.

El objetivo: un servidor de chat que reenvía cada texto que llega a todos los clientes
conectados, tal cual, también a quien lo envió. Cuando esté listo, tu archivo pasará
las mismas comprobaciones que stack1_pure/server.py (tests/spec_stack1.py).

Lo que debe hacer, visto desde fuera:

* Escuchar WebSockets en la ruta «/» del puerto 8765, en todas las interfaces.
* Reenviar cada frame de texto a todos los conectados, en el orden en que llegan.
* Aceptar la página stack1_pure/cliente.html abierta desde el disco («Origin: null»)
  y rechazar con un 403 las páginas de otras webs.
* Cerrar con el código 1003 (y un motivo que diga «texto») a quien envíe un frame binario.
* Seguir funcionando cuando alguien se va, también si se va a mitad de un envío.

Y visto desde dentro, en el orden de stack1_pure/server.py: el handler, make_app()
(sin argumentos, devuelve la aplicación) y main(). Importar el archivo no debe
arrancar nada.

Comprueba tu trabajo con
«python -m pytest lessons/02_servidor_minimo/test_ejercicio02_construye.py».
¿Atascado? «python -m lessons.pista 02» te da una pista; repítelo con 2 y 3 para más.
"""

# TODO: escribe aquí tu servidor. Empieza por make_app(): es lo primero que se comprueba.
