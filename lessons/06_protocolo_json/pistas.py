"""Pistas de la lección 6, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    # --- Tu turno: «typing» (ejercicio/escribiendo.py) -------------------------------
    "test_typing_es_un_tipo_que_el_servidor_acepta": (
        'El servidor aún contesta «unknown_type» a {"type": "typing"}: no lo conoce.',
        "Los tipos que acepta ChatSocket están en su tabla de despacho, EVENTS: cada "
        "entrada es tipo → (función que valida, método que atiende).",
        "EVENTS: ClassVar = dict(ChatSocket.EVENTS, typing=(parse_typing, on_typing))",
    ),
    "test_los_demas_ven_quien_escribe": (
        "El tipo ya se acepta, pero on_typing no envía nada a nadie.",
        "escribiendo(who) construye el evento; self.session.identity es la IP:puerto de quien "
        "escribe; Hub.broadcast lo envía a muchos.",
        "self.hub.broadcast(escribiendo(self.session.identity), exclude=self, "
        "room=self.session.room)",
    ),
    "test_quien_escribe_no_recibe_su_propio_typing": (
        "Tu propia página ya sabe que estás escribiendo: no hace falta decírselo.",
        "Hub.broadcast tiene un parámetro para dejar fuera una conexión.",
        "self.hub.broadcast(…, exclude=self, room=self.session.room)",
    ),
    "test_solo_lo_ven_los_de_su_sala": (
        "Pedro está en otra sala y aun así le llega el «escribiendo…».",
        "Sin room, Hub.broadcast envía a todas las salas; la sala de esta conexión está en "
        "self.session.room.",
        "self.hub.broadcast(escribiendo(self.session.identity), exclude=self, "
        "room=self.session.room)",
    ),
    "test_los_mensajes_y_los_errores_siguen_igual": (
        "Al añadir «typing», el chat dejó de entender lo que ya entendía.",
        "Tu EVENTS tiene que empezar con las entradas del Stack 2 (message, nick, "
        "private…) y añadir una.",
        "EVENTS: ClassVar = dict(ChatSocket.EVENTS, typing=(parse_typing, on_typing))",
    ),
    "test_quien_inunda_con_typing_acaba_fuera_como_con_mensajes": (
        "Los «typing» se saltan el control de inundación.",
        "ChatSocket.on_message pasa cada frame por el control de inundación antes de "
        "llamar al método de la tabla. ¿Atiendes «typing» antes, en tu propio on_message?",
        "No redefinas on_message: basta con la entrada typing en EVENTS.",
    ),
    # --- Reto: reacciones (ejercicio/reacciones.py) ----------------------------------
    "test_una_reaccion_llega_a_toda_la_sala": (
        "Empieza como en «Tu turno»: el servidor tiene que conocer el tipo «react».",
        "Una función que valida el frame y devuelve algo con seq y emoji (una NamedTuple, "
        "como Message en stack2_http/protocol.py), un método on_react que difunde a la "
        "sala, y una línea más en EVENTS. on_typing, en stack2_http/server.py, es un buen modelo.",
        "EVENTS: ClassVar = dict(ChatSocket.EVENTS, react=(parse_react, on_react)); y en "
        'on_react: self.hub.broadcast(json.dumps({"type": "react", "who": '
        'self.session.identity, "seq": event.seq, "emoji": event.emoji}, '
        "ensure_ascii=False), room=self.session.room)",
    ),
    "test_otra_sala_no_ve_la_reaccion": (
        "La reacción está cruzando a otras salas.",
        "Hub.broadcast sin room envía a todas las salas.",
        "self.hub.broadcast(frame, room=self.session.room)",
    ),
    "test_un_mensaje_que_no_existe_en_tu_sala_es_not_found": (
        "Solo se puede reaccionar a un mensaje que existe: de 1 al último de tu sala.",
        "La función de validación no sabe la sala; on_react sí: "
        "self.chat.log.latest(self.session.room) es el último número. Un error se envía con "
        "self.hub.send(self, protocol.error(protocol.ProtocolError(code, texto))).",
        "if not 1 <= event.seq <= self.chat.log.latest(self.session.room):\n"
        '    self.hub.send(self, protocol.error(protocol.ProtocolError("not_found", '
        '"En esta sala no hay ningún mensaje número ….")))\n    return',
    ),
    "test_los_numeros_son_de_cada_sala": (
        "Cada sala numera sus mensajes desde 1.",
        "El último número depende de la sala: log.latest(sala), con la sala de quien reacciona.",
        "self.chat.log.latest(self.session.room)",
    ),
    "test_un_react_mal_formado_es_invalid_field": (
        "Lo que no es un entero, o un emoji que no está en la lista, se rechaza al validar.",
        'En la función de la tabla, lanza protocol.ProtocolError("invalid_field", texto): '
        "on_message lo convierte en un error para el remitente. Ojo: en Python True es un "
        "int, así que isinstance(seq, int) lo deja pasar.",
        'if type(seq) is not int: raise protocol.ProtocolError("invalid_field", …)\n'
        'if emoji not in REACCIONES: raise protocol.ProtocolError("invalid_field", …)',
    ),
    "test_un_error_solo_lo_recibe_quien_se_equivoco": (
        "Un error es solo para quien se equivocó.",
        "Hub.send envía a una conexión; Hub.broadcast, a muchas.",
        "self.hub.send(self, protocol.error(problema))",
    ),
    "test_quien_inunda_con_reacciones_acaba_fuera": (
        "Las reacciones se saltan el control de inundación.",
        "Solo los tipos que pasan por la tabla de despacho (EVENTS) pasan por el control de "
        "ChatSocket.on_message. ¿Atiendes «react» en tu propio on_message?",
        "No redefinas on_message: basta con react=(parse_react, on_react) en EVENTS.",
    ),
}
