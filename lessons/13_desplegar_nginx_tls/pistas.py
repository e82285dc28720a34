"""Pistas de la lección 13, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_detras_de_nginx_vale_la_direccion_que_pone_nginx": (
        "La función aún devuelve siempre la dirección del socket (la de nginx).",
        "ip_real ya está comprobada; falta comprobar puerto_real y devolver los dos juntos.",
        'return f"{ip_real}:{puerto_real}"',
    ),
    "test_x_forwarded_for_no_cuenta": (
        "La identidad detrás de nginx sale solo de X-Real-IP y X-Real-Port.",
        "¿Lees X-Forwarded-For en algún sitio? Es una cadena a la que el cliente puede "
        "añadir lo que quiera delante (lección 5).",
        'Usa solo cabeceras.get("X-Real-IP", "") y cabeceras.get("X-Real-Port", "").',
    ),
    "test_un_puerto_que_no_es_un_puerto_no_se_cree": (
        "Un puerto son solo cifras, de 1 a 65535.",
        "str.isdigit() dice si son solo cifras (y rechaza «-5»); después, int() y el rango.",
        "if not puerto_real.isdigit() or not 0 < int(puerto_real) < 65536:\n"
        '    return f"{ip}:{puerto}"',
    ),
    "test_una_ip_inventada_que_no_es_ip_no_se_cree": (
        "Esta comprobación ya pasaba con el archivo sin tocar: ¿has cambiado el try?",
        "ipaddress.ip_address() lanza ValueError si el texto no es una IP.",
        'except ValueError:\n    return f"{ip}:{puerto}"',
    ),
}
