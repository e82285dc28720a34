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
}
