"""Pistas de la lección 3, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_acepta_file_y_las_paginas_de_este_equipo": (
        "Hoy origen_aceptado solo deja pasar «null». Falta la otra mitad: las páginas de "
        "este equipo.",
        "urlsplit ya partió el origen: partes.scheme es el esquema y partes.hostname el "
        "nombre del equipo, sin puerto. EQUIPOS_LOCALES tiene los dos nombres válidos.",
        'return partes.scheme == "http" and partes.hostname in EQUIPOS_LOCALES',
    ),
    "test_rechaza_cualquier_otra_web": (
        "Las trampas de la lista empiezan por «localhost», lo llevan en la ruta o delante "
        "de una @. Compara el nombre entero, no un trozo del texto.",
        "«in origin» y startswith miran el texto; partes.hostname es solo el nombre del "
        "equipo, y con «in EQUIPOS_LOCALES» se compara entero.",
        'return partes.scheme == "http" and partes.hostname in EQUIPOS_LOCALES',
    ),
    "test_una_pagina_de_localhost_chatea_de_verdad": (
        "La comprobación de origen pasa por tu función: si dice False, el handshake es un 403.",
        "ChatSocketLocal.check_origin devuelve lo que diga origen_aceptado(origin).",
        "Completa origen_aceptado para que acepte http://localhost:8001 (la primera "
        "comprobación te dice cómo).",
    ),
    "test_una_web_ajena_recibe_403": (
        "Si una web ajena entra, tu origen_aceptado devuelve True de más.",
        "¿Devuelves True sin comprobar el esquema y el nombre del equipo? ¿Usas «in» sobre "
        "el texto del origen?",
        'return partes.scheme == "http" and partes.hostname in EQUIPOS_LOCALES',
    ),
}
