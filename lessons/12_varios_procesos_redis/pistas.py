"""Pistas de la lección 12, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    # --- Tu turno: el latido (ejercicio/latido.py) -----------------------------------
    "test_un_proceso_que_late_a_tiempo_sigue_vivo": (
        "Un proceso está muerto solo si lleva MÁS de «plazo» segundos sin latir.",
        "Para cada proceso, «ahora - hora» son los segundos desde su último latido.",
        "ahora - hora > plazo  (estrictamente mayor)",
    ),
    "test_un_proceso_que_dejo_de_latir_esta_muerto": (
        "muertos() aún devuelve una lista vacía siempre.",
        "Recorre latidos.items(): cada par es (proceso, hora de su último latido).",
        "return sorted(p for p, hora in latidos.items() if ahora - hora > plazo)",
    ),
    "test_los_muertos_salen_ordenados": (
        "Todos los procesos deben sacar a los muertos en el mismo orden.",
        "Un diccionario conserva el orden en que se llenó, que no es el mismo en cada "
        "proceso. sorted() da siempre el mismo.",
        "return sorted(p for p, hora in latidos.items() if ahora - hora > plazo)",
    ),
    "test_la_gente_de_un_proceso_caido_sale_de_la_lista": (
        "salidas() aún no produce ningún evento.",
        "Dos bucles: por cada proceso caído, por cada persona de miembros[proceso], un "
        '("leave", persona).',
        "for proceso in caidos:\n    for quien in miembros.get(proceso, []):\n"
        '        eventos.append(("leave", quien))',
    ),
    "test_un_proceso_caido_sin_gente_no_produce_eventos": (
        "Un proceso sin gente no está en «miembros»: miembros[proceso] lanza KeyError.",
        "dict.get(clave, valor_por_defecto) devuelve el valor por defecto si no está.",
        "for quien in miembros.get(proceso, []):",
    ),
}
