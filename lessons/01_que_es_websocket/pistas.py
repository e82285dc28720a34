"""Pistas de la lección 1, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_el_eco_devuelve_el_mismo_texto": (
        "Tu servidor ya recibe el mensaje (lo imprime en su terminal), pero no contesta nada.",
        "Cada frame que llega pasa por EcoSocket.on_message. Un WebSocketHandler tiene un "
        "método para enviar a su propio cliente: búscalo en el «Resumen» de la lección.",
        "En on_message: self.write_message(message)",
    ),
    "test_el_eco_respeta_tildes_emojis_y_varias_lineas": (
        "Lo que vuelve debe ser idéntico a lo que llegó, hasta el último espacio.",
        "Mira si en on_message transformas el texto antes de devolverlo (strip, upper, "
        "un prefijo…).",
        "Envía message tal cual: self.write_message(message)",
    ),
    "test_el_eco_solo_responde_a_quien_envia": (
        "Un eco contesta a una sola persona. ¿A quién le estás enviando?",
        "self es la conexión que envió el mensaje; un bucle sobre varias conexiones sería "
        "un broadcast (lección 2).",
        "Usa self.write_message(message), sin recorrer ninguna lista de clientes.",
    ),
    "test_un_frame_binario_vuelve_en_binario": (
        "Un frame binario llega a on_message como bytes, no como str.",
        "write_message tiene un segundo parámetro, binary: por defecto envía texto.",
        "self.write_message(message, binary=isinstance(message, bytes))",
    ),
}
