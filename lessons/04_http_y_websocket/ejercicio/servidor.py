"""Lección 4 · Construye: el núcleo del Stack 2 desde un archivo vacío.

El objetivo: en un solo puerto y un solo event loop, la página del chat y su WebSocket.
Cada cliente se identifica por su IP:puerto y todo viaja como eventos JSON con un
campo «type». Cuando esté listo, tu archivo pasará las mismas comprobaciones que el
núcleo de stack2_http/server.py (tests/spec_core.py).

La página ya está hecha: lessons/04_http_y_websocket/pagina/ (index.html, chat.js y
chat.css). Tu servidor la sirve; léela para saber qué eventos espera.

Lo que debe hacer, visto desde fuera:

* GET / devuelve pagina/index.html, y /static/chat.js y /static/chat.css, sus archivos.
* El WebSocket vive en /ws, en el mismo puerto (8000), en todas las interfaces. Solo lo
  abren las páginas de este mismo servidor: otra web, u Origin: null, reciben un 403.
* Quien entra recibe, solo él, {"type": "welcome", "you": "IP:puerto",
  "online": [{"who": "IP:puerto"}, …]}: todos los conectados por orden de llegada, él el último.
* Los demás reciben {"type": "join", "who": "IP:puerto", "count": N}; cuando alguien
  sale, los que quedan reciben {"type": "leave", "who": …, "count": N}.
* Un frame {"type": "message", "text": "hola"} llega a todos, también a quien lo envió,
  como {"type": "message", "from": "IP:puerto", "text": "hola", "time": "…Z"}
  (la hora en UTC, ISO 8601). El texto llega sin los espacios de los bordes.
* Un frame que no cumple esto recibe, solo quien lo envió, {"type": "error",
  "code": …, "text": "Una frase en español."} y la conexión sigue abierta. Los code:
  binary, invalid_json (no es JSON, o no es un objeto), invalid_field (falta «type»,
  o «text» no es un texto), unknown_type y empty (texto sin nada visible).

Y visto desde dentro, en el orden de stack2_http/server.py: los handlers, make_app()
(sin argumentos, devuelve la aplicación) y main(). Importar el archivo no debe
arrancar nada.

Comprueba tu trabajo con
«python -m pytest lessons/04_http_y_websocket/test_ejercicio04_construye.py».
¿Atascado? «python -m lessons.pista 04» te da una pista; repítelo con 2 y 3 para más.
"""

# TODO: escribe aquí tu servidor. Empieza por make_app(): es lo primero que se comprueba.
