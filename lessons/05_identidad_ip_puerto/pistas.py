"""Pistas de la lección 5, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_sin_proxy_la_ip_es_la_del_socket": (
        "Sin proxy delante, lo único fiable es la IP del otro extremo de la conexión.",
        "request.remote_ip es esa IP; ya la tienes en la variable «ip».",
        "if ip not in proxies: return ip",
    ),
    "test_sin_proxy_las_cabeceras_inventadas_se_ignoran": (
        "Cualquiera puede escribir la cabecera que quiera. ¿Quién te está hablando?",
        "Antes de mirar ninguna cabecera, comprueba si la conexión viene de uno de tus «proxies».",
        "if ip not in proxies: return ip  (la primera línea, antes de leer cabeceras)",
    ),
    "test_detras_del_proxy_vale_x_real_ip": (
        "Cuando habla tu proxy, la IP del cliente viene en una cabecera que pone él.",
        'request.headers.get(nombre, "") lee una cabecera; la que tu proxy sustituye '
        "siempre es X-Real-IP.",
        'candidata = request.headers.get("X-Real-IP", "").strip()',
    ),
    "test_x_forwarded_for_no_se_cree_ni_desde_el_proxy": (
        "Aunque venga de tu proxy, X-Forwarded-For lleva delante lo que escribió el cliente.",
        "Tu proxy solo garantiza X-Real-IP (la sustituye); X-Forwarded-For la alarga. "
        "¿Lees X-Forwarded-For en algún sitio?",
        "Quita la lectura de X-Forwarded-For: solo "
        'request.headers.get("X-Real-IP", "") y, si no es IP, la del socket.',
    ),
    "test_con_las_dos_cabeceras_manda_x_real_ip": (
        "Con las dos cabeceras, una la garantiza tu proxy y la otra no.",
        "X-Real-IP la pone tu proxy; X-Forwarded-For puede traer lo que quiera el cliente.",
        "return candidata if es_ip(candidata) else ip, con candidata = X-Real-IP",
    ),
    "test_una_cabecera_que_no_es_ip_no_se_cree": (
        "Una cabecera puede traer cualquier texto, incluso desde tu proxy si está mal configurado.",
        "es_ip(texto) dice si es una IP válida; si no lo es, quédate con la del socket.",
        "return candidata if es_ip(candidata) else ip",
    ),
    "test_ipv6_tambien_vale": (
        "Una IPv6 también es una IP.",
        "es_ip usa ipaddress.ip_address, que acepta IPv4 e IPv6: no hace falta nada especial. "
        "¿Partes el texto por «:» en algún sitio?",
        "return candidata if es_ip(candidata) else ip, sin tocar el texto.",
    ),
}
