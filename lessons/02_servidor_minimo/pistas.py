"""Pistas de la lección 2, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    # --- Tu turno: sin eco (ejercicio/sin_eco.py) -----------------------------------
    "test_los_demas_reciben_el_mensaje": (
        "Tus cambios no deben impedir que los demás sigan recibiendo cada mensaje.",
        "En ChatSinEco.on_message, la rama de los textos tiene que seguir llamando a "
        "self.hub.broadcast(...) con el mensaje.",
        "self.hub.broadcast(message, exclude=self)",
    ),
    "test_quien_envia_no_recibe_su_propio_mensaje": (
        "El Stack 1 devuelve cada mensaje también a quien lo envió. Aquí no debe.",
        "Mira los parámetros de Hub.broadcast en common/fanout/hub.py: uno deja fuera a "
        "una conexión.",
        "self.hub.broadcast(message, exclude=self)",
    ),
    "test_cuantos_responde_solo_a_quien_pregunta": (
        "La respuesta a «/cuantos» es para una sola conexión, y con una frase exacta.",
        "Hub.send envía a una conexión; len(self.hub) cuenta las conexiones del hub.",
        'self.hub.send(self, f"Conectados: {len(self.hub)}")',
    ),
    "test_cuantos_cuenta_tambien_a_quien_se_va": (
        "Si esta falla y las demás pasan, el número no baja cuando alguien se va.",
        "Quien se va sale del hub en ChatSocket.on_close. ¿Lo has cambiado en tu clase?",
        "No redefinas on_close (o llama a super().on_close()), y cuenta con len(self.hub).",
    ),
    # --- Construye: el Stack 1 desde un archivo vacío (ejercicio/servidor.py) --------
    "test_tu_archivo_define_make_app": (
        "Empieza por lo que las comprobaciones llaman: una función make_app() sin "
        "argumentos que devuelve una aplicación de Tornado.",
        "Mira make_app() en stack1_pure/server.py y el eco de la lección 1: una "
        "tornado.web.Application con una lista de rutas (expresión, handler, argumentos).",
        "def make_app() -> tornado.web.Application:\n"
        '    return tornado.web.Application([(r"/", ChatSocket, {"clientes": set()})])',
    ),
    "test_one_message_reaches_all_three_clients_sender_included": (
        "Cada conexión tiene su propio handler; para enviar a todas, alguien tiene que "
        "saber quiénes son.",
        "Un conjunto de conexiones creado una vez en make_app() y entregado a cada handler "
        "en initialize(); open() añade, on_close() quita, on_message() recorre.",
        "for cliente in list(self.clientes): cliente.write_message(message)",
    ),
    "test_every_client_sees_every_message_once_in_the_same_order": (
        "Si el primer mensaje llega bien y esta falla, algo se envía dos veces o se pierde.",
        "Un solo conjunto para todo el servidor (no uno por conexión) y un solo envío por "
        "cliente y mensaje; ¿añades la conexión al conjunto en más de un sitio?",
        "open(): self.clientes.add(self); on_message(): un bucle sobre list(self.clientes).",
    ),
    "test_text_is_relayed_unchanged": (
        "El Stack 1 no toca el texto: el cliente ya escribió «Nombre: texto».",
        "¿Haces strip(), un prefijo o un json.dumps antes de enviar?",
        "cliente.write_message(message), con message tal como llegó.",
    ),
    "test_a_client_that_leaves_does_not_stop_the_others": (
        "Cuando alguien se va, su conexión sigue en tu conjunto hasta que la quitas.",
        "Tornado llama a on_close() al irse cualquiera; y enviar a una conexión que se está "
        "cerrando lanza tornado.websocket.WebSocketClosedError.",
        "on_close(): self.clientes.discard(self); y en el bucle, "
        "try: cliente.write_message(message) "
        "except tornado.websocket.WebSocketClosedError: continue",
    ),
    "test_accepts_pages_opened_from_disk_with_origin_null": (
        "Tornado rechaza por defecto las páginas sin origen, y cliente.html lo es.",
        "WebSocketHandler.check_origin(origin) decide; mira el de stack1_pure/server.py.",
        'def check_origin(self, origin: str) -> bool:\n    return origin == "null"',
    ),
    "test_rejects_pages_from_other_websites": (
        "Aceptar «null» no debe abrir la puerta a todas las webs.",
        "¿Tu check_origin devuelve True? Debe aceptar «null» y nada más.",
        'return origin == "null"  (nunca return True)',
    ),
    "test_binary_frames_close_that_client_with_1003": (
        "Un frame binario llega a on_message como bytes, no como str.",
        "self.close(código, motivo) cierra la conexión con un código del estándar: 1003 "
        "significa «no acepto este tipo de datos».",
        'if isinstance(message, bytes):\n    self.close(1003, "Este chat solo acepta texto")\n'
        "    return",
    ),
}
