"""Pistas de la lección 11, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    # --- Tu turno: mensajes privados (ejercicio/privados.py) -------------------------
    "test_llega_a_quien_va_y_una_copia_a_quien_lo_envia": (
        "El privado tiene dos destinatarios, y solo dos: quien lo recibe y quien lo envió.",
        "Hub.send(conexión, frame) envía a una conexión; target es la de destino y self, la tuya.",
        "hub.send(target, frame)\nhub.send(self, frame)",
    ),
    "test_nadie_mas_de_la_sala_lo_recibe": (
        "Marta ve un privado que no es para ella: se está enviando a toda la sala.",
        "Hub.broadcast reparte a todos los de una sala. Un privado son dos envíos sueltos.",
        "Cambia hub.broadcast(frame, room=session.room) por "
        "hub.send(target, frame) y hub.send(self, frame).",
    ),
    "test_alguien_de_otra_sala_no_existe_desde_aqui": (
        "hub.find() encuentra a la persona en cualquier sala, también en las que no ves.",
        "hub.room_of(target) dice en qué sala está esa conexión; session.room es la tuya. "
        "Si no coinciden, contesta como si no existiera.",
        "if target is None or hub.room_of(target) != session.room:\n"
        "    hub.send(self, protocol.error(protocol.not_found(event.to)))\n    return",
    ),
    "test_a_ti_mismo_no_puedes": (
        "Esta comprobación ya pasaba con el archivo sin tocar: ¿has cambiado el principio "
        "de on_private?",
        "El primer if compara event.to con session.identity.",
        "if event.to == session.identity:\n"
        "    hub.send(self, protocol.error(protocol.private_to_self()))\n    return",
    ),
}
