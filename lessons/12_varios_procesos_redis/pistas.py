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
    # --- Reto: el script que numera, en Python (ejercicio/numerador.py) ---------------
    "test_numera_desde_uno_sin_huecos": (
        "Empieza por lo mínimo: un __init__ que guarde maxlen y epoch, y un append que cuente.",
        "El script guarda tres cosas por sala: el último número (INCR), los frames (XADD con "
        "MAXLEN) y los cid con su número (un ZSET). En Python: un int, un deque(maxlen=…) "
        "y un diccionario.",
        'self.ultimo += 1; self.frames.append((self.ultimo, frame)); return ("ok", self.ultimo)',
    ),
    "test_un_reintento_devuelve_su_numero_y_no_guarda_nada": (
        "Un cid que ya se guardó no es un mensaje nuevo: es el mismo, reintentado.",
        "Antes de numerar, mira si el cid está en tu diccionario de cid; si está, devuelve "
        "su número sin tocar nada más. Y al guardar, apunta cid → número.",
        'if cid and cid in self.cids:\n    return ("dup", self.cids[cid])\n'
        "…y después de numerar: if cid: self.cids[cid] = self.ultimo",
    ),
    "test_sin_cid_nunca_es_un_reintento": (
        "Un cid vacío significa «sin cid».",
        '"" es falso en Python: la condición del reintento empieza por «cid and …», '
        "y solo se apunta el cid si no está vacío.",
        "if cid and cid in self.cids: …   y   if cid: self.cids[cid] = self.ultimo",
    ),
    "test_con_otro_epoch_no_se_guarda_nada": (
        "Lo primero que mira el script es el epoch: si no es el suyo, no toca nada.",
        "Compara el epoch que trae append con el del stream antes de mirar el cid o numerar.",
        'if epoch != self.epoch:\n    return ("epoch", self.epoch)',
    ),
    "test_guarda_solo_los_ultimos_maxlen": (
        "El stream guarda como mucho maxlen mensajes: el más antiguo se descarta.",
        "collections.deque(maxlen=n) descarta solo el más antiguo al añadir uno más. "
        "desde(seq) devuelve los (número, frame) con número mayor que seq.",
        "self.frames = deque(maxlen=maxlen); y en desde: faltan = self.ultimo - seq; "
        "return list(self.frames)[len(self.frames) - faltan :]",
    ),
    "test_desde_es_todo_o_nada": (
        "Si parte de lo que falta ya se descartó, no se da una parte: None.",
        "Faltan self.ultimo - seq mensajes; si son más de los que quedan guardados, no "
        "están todos.",
        "if self.ultimo - seq > len(self.frames):\n    return None",
    ),
    "test_desde_el_ultimo_no_hay_nada_y_mas_alla_es_un_error": (
        "Nadie puede haber visto un mensaje que aún no existe.",
        "Antes de nada, en desde: si seq pasa del último número, lanza ValueError. Si es "
        "justo el último, no falta nada.",
        'if seq > self.ultimo:\n    raise ValueError(f"seq={seq} pasa del último mensaje")',
    ),
    "test_el_cid_se_olvida_con_su_mensaje": (
        "El script solo reconoce reintentos de mensajes que siguen guardados.",
        "Como ZREMRANGEBYSCORE: tras guardar, olvida los cid cuyo número sea "
        "<= self.ultimo - maxlen. Con un OrderedDict, los más antiguos van primero.",
        "while self.cids and next(iter(self.cids.values())) <= self.ultimo - self.maxlen:\n"
        "    self.cids.popitem(last=False)",
    ),
    "test_tras_vaciar_cambia_el_epoch_y_se_empieza_de_nuevo": (
        "Redis vuelve vacío: no queda nada, ni números, ni frames, ni cid.",
        "vaciar() pone el estado como al crear el stream, con el epoch nuevo. Puedes "
        "llamarlo desde __init__ para no repetir código.",
        "def vaciar(self, epoch_nuevo):\n    self.epoch = epoch_nuevo; self.ultimo = 0\n"
        "    self.frames = deque(maxlen=self.maxlen); self.cids = OrderedDict()",
    ),
}
