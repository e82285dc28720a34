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
        "escribiendo(who) construye el evento; self.identity es la IP:puerto de quien "
        "escribe; Hub.broadcast lo envía a muchos.",
        "self.hub.broadcast(escribiendo(self.identity), exclude=self, room=self.session.room)",
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
        "self.hub.broadcast(escribiendo(self.identity), exclude=self, room=self.session.room)",
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
}
