"""Pistas de la lección 10, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    # --- Tu turno: retomar tras un corte (ejercicio/retomar.py) ----------------------
    "test_quien_vuelve_recibe_solo_lo_que_no_vio": (
        "Quien vuelve recibe un mensaje de más: el último que ya había visto.",
        "kept[i] es el mensaje número oldest + i. ¿Qué índice tiene el primero que le "
        "falta, el since + 1?",
        "return Replay(kept[since + 1 - oldest :], True)",
    ),
    "test_quien_lo_vio_todo_no_recibe_nada": (
        "Con since igual al último número, no le falta nada, y aun así recibe algo.",
        "Es el mismo fallo que el de la primera comprobación: el corte de la lista "
        "incluye el mensaje número since.",
        "return Replay(kept[since + 1 - oldest :], True)",
    ),
    "test_si_falta_algo_que_ya_no_esta_no_hay_media_entrega": (
        "Cuando parte de lo perdido ya no está guardado, el log entrega una parte y dice "
        "recovered: true. Nunca una parte.",
        "Antes del corte de la lista, compara el primero que falta (since + 1) con el más "
        "antiguo guardado (oldest); si es anterior, falta algo.",
        'if since + 1 < oldest:\n    return Replay(kept[-RECENT:], False, "too_far_behind")',
    ),
    "test_el_mismo_cid_de_dos_personas_son_dos_mensajes": (
        "Dos personas con el mismo cid deben enviar dos mensajes; esta comprobación no "
        "depende de tus TODO.",
        "Si falla, tu LogDeLaLeccion ha cambiado algo más que replay(): compara el archivo "
        "con el de solucion/ fuera de replay().",
        "Deja append() y todo lo que no sea replay() como venía: el log ya reconoce un "
        "reintento por la pareja (remitente, cid).",
    ),
    "test_justo_en_el_borde_aun_se_puede_retomar": (
        "Si el primero que falta es justo el más antiguo guardado, no falta nada.",
        "La comparación es «estrictamente anterior»: ¿usas <= donde va <?",
        "if since + 1 < oldest:",
    ),
    "test_otra_historia_no_se_mezcla": (
        "Un epoch distinto es otra historia: sus números no significan lo mismo.",
        "Esa rama ya está escrita al principio de replay(); ¿la has movido o borrado?",
        'if epoch != self.epoch:\n    return Replay(self.recent(room), False, "epoch_changed")',
    ),
    # --- Reto: mensajes anteriores (ejercicio/anteriores.py) -------------------------
    "test_recibe_los_anteriores_en_orden": (
        "Empieza por la tabla de despacho: el servidor tiene que conocer el tipo «older».",
        "Una función que valida before y limit y devuelve una NamedTuple (como Message en "
        "stack2_http/protocol.py), un método on_older y una línea en EVENTS. Para el tramo: "
        "kept = log.recent(sala, log.history_size) y oldest = latest - len(kept) + 1, como "
        "en «Tu turno»; kept[i] es el mensaje oldest + i, y json.loads lo convierte en dict.",
        "first = max(1, before - limit); start = max(first, oldest); "
        "messages = [json.loads(f) for f in kept[start - oldest : before - oldest]]; y "
        'self.hub.send(self, json.dumps({"type": "older", "before": before, '
        '"messages": messages, "complete": …}, ensure_ascii=False))',
    ),
    "test_sin_limit_son_veinte_como_mucho": (
        "Sin «limit», el tramo tiene POR_DEFECTO mensajes.",
        "dict.get(clave, por_defecto) devuelve el valor por defecto si el campo no está.",
        'limit = event.get("limit", POR_DEFECTO)',
    ),
    "test_si_parte_ya_no_esta_guardada_lo_dice": (
        "Si el tramo empieza antes del más antiguo guardado, falta algo: hay que decirlo.",
        "Compara el primero del tramo (first = max(1, before - limit)) con el primero que "
        "queda (oldest). Envía lo que quede y complete: false.",
        "start = max(first, oldest); complete = start == first or before == 1",
    ),
    "test_desde_el_principio_esta_completo": (
        "Antes del mensaje 1 no hay nada: un tramo que empieza en 1 no está incompleto.",
        "El tramo empieza en max(1, before - limit), nunca en 0 ni en negativo; y con "
        "before=1 está vacío.",
        "first = max(1, before - limit); complete = start == first or before == 1",
    ),
    "test_solo_lo_recibe_quien_pregunta": (
        "La respuesta es solo para quien la pidió.",
        "Hub.send envía a una conexión; Hub.broadcast, a toda la sala.",
        "self.hub.send(self, frame)",
    ),
    "test_cada_sala_tiene_su_historial": (
        "Cada sala tiene su historial y sus números.",
        "latest() y recent() reciben la sala: la de quien pregunta es self.session.room.",
        "room = self.session.room; log.latest(room); log.recent(room, log.history_size)",
    ),
    "test_una_peticion_mal_formada_es_invalid_field": (
        "Los tipos se comprueban al validar; que before no pase del último, en on_older.",
        "Un entero de verdad: type(x) is int (isinstance acepta True). «before» va de 1 a "
        'latest + 1, y «limit» de 1 a MAXIMO; si no, protocol.ProtocolError("invalid_field", …).',
        "if type(before) is not int or before < 1: raise protocol.ProtocolError(…)\n"
        "if type(limit) is not int or not 1 <= limit <= MAXIMO: raise …\n"
        "y en on_older: if before > latest + 1: self.hub.send(self, protocol.error(…)); return",
    ),
}
