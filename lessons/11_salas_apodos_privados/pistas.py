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
    # --- Tu turno en JavaScript: «está escribiendo…» (ejercicio/typing.js) -------------
    "test_la_otra_pagina_ve_quien_escribe": (
        "Esta comprobación ya pasaba con el archivo sin tocar: ¿has cambiado algo que impide "
        "que el aviso salga o que se pinte?",
        "Lee los «Errores de JavaScript» del fallo: uno de sintaxis deja la página entera sin "
        "cargar. typed() debe acabar enviando el aviso, y show() escribe en this.line.",
        'typed() termina en this.connection.send({ type: "typing" }); y en show(), con un '
        'nombre: this.line.textContent = names[0] + " está escribiendo…";',
    ),
    "test_teclear_deprisa_envia_un_aviso_cada_2_s": (
        "Cada tecla llama a typed(), pero no cada tecla tiene que llegar al servidor.",
        "this.sentAt guarda cuándo salió el último aviso, y now es ahora (performance.now(), "
        "en milisegundos). Si entre los dos hay menos de TYPING_EVERY_MS, typed() se vuelve "
        "sin enviar; si envía, apunta now en this.sentAt.",
        "if (now - this.sentAt < TYPING_EVERY_MS) {\n  return;\n}\nthis.sentAt = now;",
    ),
    "test_la_linea_se_borra_5_s_despues_del_ultimo_aviso": (
        "Si nadie la borra, la línea se queda para siempre cuando Ana deja de escribir sin "
        "enviar nada. (Si se borra antes de tiempo, mira qué guardas en timer.)",
        "setTimeout(función, milisegundos) llama a la función pasado ese tiempo y devuelve "
        "un número que clearTimeout() acepta. start() ya llama a this.stop(event.who, true), "
        "que cancela el temporizador anterior, si lo guardaste en timer.",
        "const timer = setTimeout(() => this.stop(event.who), TYPING_SHOWN_MS);",
    ),
    "test_dos_personas_escribiendo_a_la_vez": (
        "Con dos personas escribiendo, show() deja la línea vacía: falta la frase de dos.",
        "names es la lista de nombres (con dos: names[0] y names[1]). La frase de un nombre, "
        "justo encima, te sirve de modelo.",
        'this.line.textContent = names[0] + " y " + names[1] + " están escribiendo…";',
    ),
    # --- Reto: el tema de cada sala (ejercicio/temas.py) ------------------------------
    "test_el_tema_llega_a_toda_la_sala": (
        "Empieza por la tabla de despacho: el servidor tiene que conocer el tipo «topic».",
        "Una función que valida (protocol.parse_text hace casi todo) y devuelve una "
        "NamedTuple; un método on_topic que difunde a la sala; y una línea en EVENTS. "
        "on_nick, en stack2_http/server.py, difunde a la sala incluido quien lo pidió.",
        "EVENTS: ClassVar = dict(ChatSocket.EVENTS, topic=(parse_topic, on_topic)); y en "
        'on_topic: self.hub.broadcast(json.dumps({"type": "topic", "who": '
        'session.identity, "nick": session.nick, "text": event.text}, '
        "ensure_ascii=False), room=session.room)",
    ),
    "test_quien_llega_despues_lo_recibe_tras_su_welcome": (
        "Quien llega tarde necesita que el servidor recuerde el tema de cada sala.",
        "Guarda el último frame «topic» de cada sala en un diccionario del servidor, y "
        "envíalo en open() después de await super().open() (que envía el welcome; "
        "open() del Stack 2 es async). "
        "self.settings es un diccionario de la aplicación: uno por servidor.",
        "async def open(self, asked=None):\n    await super().open(asked)\n"
        "    if self.session is not None and self.session.room in self.temas:\n"
        "        self.hub.send(self, self.temas[self.session.room])",
    ),
    "test_un_tema_nuevo_sustituye_al_anterior": (
        "Cada sala recuerda un solo tema: el último.",
        "Un diccionario sala → frame: asignar otra vez la misma clave sustituye el valor.",
        "self.temas[session.room] = frame",
    ),
    "test_otra_sala_ni_lo_ve_ni_lo_hereda": (
        "El tema de una sala está llegando a otra.",
        "La clave del diccionario es la sala (self.session.room), y Hub.broadcast necesita "
        "room= para no enviar a todas.",
        "self.temas[session.room] = frame; self.hub.broadcast(frame, room=session.room)",
    ),
    "test_un_tema_vacio_o_largo_es_un_error": (
        "Un tema erróneo debe recibir su error y no guardarse. (Si Eva recibe un topic que "
        "nadie puso en esta prueba, viene de otra: mira dónde guardas los temas.)",
        "protocol.parse_text(texto) lanza ProtocolError con «empty» o «invalid_field»; el "
        "largo lo compruebas tú con MAX_TEMA. Los temas, en self.settings (uno por servidor), "
        "no en un atributo de la clase ni en una variable global.",
        'text = protocol.parse_text(event.get("text"))\nif len(text) > MAX_TEMA:\n'
        '    raise protocol.ProtocolError("too_long", …)',
    ),
    "test_el_texto_se_limpia_como_el_de_un_mensaje": (
        "El tema debe limpiarse como el texto de un mensaje.",
        "protocol.parse_text devuelve el texto ya limpio: usa lo que devuelve.",
        'return Tema(protocol.parse_text(event.get("text")))',
    ),
    "test_una_sala_sin_tema_no_envia_nada_al_entrar": (
        "Un servidor nuevo no tiene temas, pero el tuyo recuerda los de otras pruebas.",
        "Un diccionario en la clase (o global) lo comparten todos los servidores del "
        "proceso. Guárdalo en los settings de la aplicación: uno por servidor.",
        '@property\ndef temas(self):\n    return self.settings.setdefault("temas", {})',
    ),
}
