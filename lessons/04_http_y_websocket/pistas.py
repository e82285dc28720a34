"""Pistas de la lección 4, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    # --- Tu turno: dos rutas HTTP nuevas (ejercicio/rutas.py) ------------------------
    "test_salud_responde_json_sin_nadie_conectado": (
        "Si GET /salud da 404, la aplicación no conoce esa ruta; si da otra cosa, mira qué "
        "escribe el handler.",
        "Las rutas nuevas se añaden en make_app, en la lista de app.add_handlers; y "
        "RequestHandler.write convierte un dict en JSON.",
        '(r"/salud", SaludHandler, {"hub": hub}) en la lista, y en get(): '
        'self.write({"estado": "ok", "conectados": len(self.hub)})',
    ),
    "test_salud_cuenta_las_conexiones_del_chat": (
        "El número tiene que ser el de las conexiones del chat, no uno fijo.",
        "SaludHandler recibe en initialize() el mismo hub que el chat (el de la ruta); "
        "len() de un Hub cuenta sus conexiones.",
        '"conectados": len(self.hub)',
    ),
    "test_la_pagina_del_chat_sigue_funcionando": (
        "Las rutas nuevas se suman a las del Stack 2; no las sustituyen.",
        "make_app parte de make_chat_app(hub, …) y le añade rutas con add_handlers.",
        "Deja app = make_chat_app(hub, **settings) y añade, no reemplaces.",
    ),
    "test_espera_no_bloquea_el_chat": (
        "Mientras /espera espera, nadie más es atendido: algo está bloqueando el loop.",
        "time.sleep para el hilo entero. La espera que cede el turno es asyncio.sleep, y "
        "solo se puede usar con await dentro de un «async def».",
        "async def get(self) -> None:\n    await asyncio.sleep(ESPERA_SEGUNDOS)\n"
        '    self.write({"espera": ESPERA_SEGUNDOS})  (e import asyncio)',
    ),
    # --- Construye: el núcleo del Stack 2 desde un archivo vacío (ejercicio/servidor.py)
    "test_tu_archivo_define_make_app": (
        "Empieza por lo que las comprobaciones llaman: make_app(), sin argumentos, que "
        "devuelve una aplicación de Tornado.",
        "Mira make_app() en tu servidor de la lección 2: ahora la lista tiene dos rutas, "
        "la página y el WebSocket, y la aplicación sabe dónde está la carpeta pagina/.",
        'return tornado.web.Application([(r"/", PaginaHandler), (r"/ws", ChatSocket, '
        '{"clientes": {}})], template_path=str(PAGINA), static_path=str(PAGINA))',
    ),
    "test_serves_the_chat_page": (
        "GET / tiene que devolver el HTML de la carpeta pagina/.",
        'Un RequestHandler con get(); self.render("index.html") lo busca en el '
        "template_path de la aplicación. La carpeta sale de Path(__file__): "
        'Path(__file__).resolve().parent.parent / "pagina".',
        "class PaginaHandler(tornado.web.RequestHandler):\n"
        '    def get(self) -> None:\n        self.render("index.html")',
    ),
    "test_serves_the_page_script": (
        "/static/chat.js no lo sirve ningún handler tuyo: lo sirve Tornado si sabe dónde está.",
        "La opción static_path de tornado.web.Application sirve una carpeta en /static/.",
        "tornado.web.Application(rutas, template_path=str(PAGINA), static_path=str(PAGINA))",
    ),
    "test_welcome_tells_you_your_ip_and_port_and_who_is_online": (
        "Quien entra necesita saber quién es y quién está: un evento «welcome» solo para él.",
        "En open(): la IP está en self.request.remote_ip y el puerto del cliente en "
        "self.request.connection.context.address[1] (como client_identity() en "
        "stack2_http/server.py). Guarda conexión → identidad en un dict común, que conserva "
        "el orden de llegada.",
        'self.yo = f"{ip}:{puerto}"; self.clientes[self] = self.yo; '
        'self.write_message(json.dumps({"type": "welcome", "you": self.yo, '
        '"online": [{"who": w} for w in self.clientes.values()]}))',
    ),
    "test_the_others_are_told_when_someone_joins": (
        "Los que ya estaban no se enteran de que alguien llegó.",
        "Al final de open(), un evento «join» para todos menos el que entra, con quién es "
        "y cuántos hay ahora.",
        'difundir(self.clientes, json.dumps({"type": "join", "who": self.yo, '
        '"count": len(self.clientes)}), excepto=self)',
    ),
    "test_the_others_are_told_when_someone_leaves": (
        "Cuando alguien se va, los demás siguen creyendo que está.",
        "Tornado llama a on_close(): quita la conexión del dict y avisa a los que quedan.",
        "if self.clientes.pop(self, None) is not None: difundir(self.clientes, "
        'json.dumps({"type": "leave", "who": self.yo, "count": len(self.clientes)}))',
    ),
    "test_welcome_plus_join_and_leave_rebuild_who_is_online": (
        "La lista del welcome, sumando los join y restando los leave, debe dar la lista real.",
        "«online» va por orden de llegada, con quien entra el último; «count» es siempre el "
        "tamaño del dict después del cambio.",
        'online = [{"who": quien} for quien in self.clientes.values()], después de '
        "añadir self; count = len(self.clientes).",
    ),
    "test_join_and_leave_do_not_grow_with_the_number_of_people": (
        "Un join con la lista entera crece con cada persona: con mil, pesa mil veces más.",
        "La lista completa va solo en el welcome; el join dice quién entra y cuántos hay.",
        '{"type": "join", "who": self.yo, "count": len(self.clientes)}',
    ),
    "test_a_message_reaches_everyone_labelled_with_the_sender": (
        "Un message se reenvía a todos, con quién lo envió y cuándo, puestos por el servidor.",
        "from es la identidad de self; time, la hora UTC en ISO 8601 acabada en Z: "
        'datetime.now(timezone.utc).isoformat(timespec="milliseconds") da «+00:00» al final.',
        '{"type": "message", "from": self.yo, "text": texto, '
        '"time": hora.replace("+00:00", "Z")} a todos, también a self',
    ),
    "test_three_clients_receive_each_message_exactly_once_in_order": (
        "Cada mensaje debe llegar una vez a cada cliente, en el orden en que se envió.",
        "¿Envías dos veces a alguien (por ejemplo, a self aparte y también en el bucle)?",
        "Un solo bucle sobre list(self.clientes) que envía el mismo frame a cada uno.",
    ),
    "test_every_client_sees_the_same_order": (
        "Todos deben ver los mensajes en el mismo orden.",
        "Con un solo loop, basta con enviar cada mensaje a todos en cuanto llega, sin "
        "esperas ni tareas aparte.",
        "En on_message, difundir(...) directamente, sin await ni asyncio.create_task.",
    ),
    "test_bad_frames_get_an_error_event_and_the_connection_stays_usable": (
        "Un frame mal formado no debe cerrar nada: se contesta con un evento error.",
        "Valida por pasos (¿JSON?, ¿objeto?, ¿type?, ¿type conocido?, ¿text es str?, "
        "¿queda algo tras strip()?) y lanza una excepción con su code; on_message la "
        "captura y contesta a self. La docstring de tu archivo da los code.",
        'except Error as error: self.write_message(json.dumps({"type": "error", '
        '"code": error.code, "text": error.text}))',
    ),
    "test_bad_frames_reach_nobody_else": (
        "El error es solo para quien se equivocó.",
        "Contesta con self.write_message, no con el bucle que envía a todos.",
        'self.write_message(json.dumps({"type": "error", ...})) y return',
    ),
    "test_binary_frames_get_an_error_event": (
        "Un frame binario llega a on_message como bytes.",
        "En el Stack 2 no se cierra la conexión (eso era el Stack 1): se contesta un error.",
        'if isinstance(frame, bytes): raise Error("binary", "Este chat solo acepta texto.")',
    ),
    "test_rejects_websockets_from_other_websites": (
        "Una web ajena no debe poder abrir tu WebSocket.",
        "¿Has escrito un check_origin? El de Tornado ya acepta solo tu propia página.",
        "Borra tu check_origin: la comprobación de Tornado es la correcta aquí.",
    ),
    "test_rejects_pages_opened_from_disk": (
        "Aquí la página la sirve tu servidor: ya no hace falta aceptar «null».",
        "El check_origin del Stack 1 aceptaba «null»; el Stack 2 no lo hace.",
        "No definas check_origin: el de Tornado rechaza «null».",
    ),
    "test_accepts_its_own_page": (
        "Tu propia página tiene que poder conectarse.",
        "¿Tu check_origin devuelve siempre False? El de Tornado compara el origen con el "
        "equipo de la petición.",
        "No definas check_origin.",
    ),
}
