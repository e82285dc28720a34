"""Pistas de la lección 14, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_sin_cookie_eres_estudiante_y_no_puedes_borrar": (
        "Esta comprobación ya pasaba con el archivo sin tocar: ¿has cambiado el principio "
        "de recognizes(), o lanza ahora una excepción?",
        "Sin cookie, get_cookie() devuelve None, y recognizes() debe devolver False antes "
        "de mirar nada más.",
        "if not signed:\n    return False",
    ),
    "test_una_cookie_escrita_a_mano_no_te_hace_profesora": (
        "El servidor se fía de una cookie que cualquiera puede escribir: no mira si la firmó él.",
        "decode_signed_value() (de tornado.web) comprueba la firma con el secreto del "
        "servidor (self.secret) y devuelve el valor, o None si la firma no es buena.",
        "value = decode_signed_value(self.secret, COOKIE, signed, max_age_days=COOKIE_DAYS)",
    ),
    "test_una_cookie_firmada_por_otro_servidor_no_vale": (
        "Una firma solo vale si la hizo este servidor, con su secreto.",
        "signed.encode() no mira ninguna firma; decode_signed_value() comprueba la de "
        "self.secret, el secreto de este servidor.",
        "value = decode_signed_value(self.secret, COOKIE, signed, max_age_days=COOKIE_DAYS)",
    ),
    "test_una_cookie_de_hace_dos_dias_ha_caducado": (
        "La firma es buena, pero es de hace dos días: una cookie copiada no debe valer "
        "para siempre.",
        "decode_signed_value() acepta por defecto firmas de hasta 31 días. Su argumento "
        "max_age_days dice cuántos; COOKIE_DAYS se importa de stack2_http.teacher.",
        "value = decode_signed_value(self.secret, COOKIE, signed, max_age_days=COOKIE_DAYS)",
    ),
    "test_la_cookie_de_una_clave_anterior_ya_no_vale": (
        "Firmada por este servidor no basta: también debe ser de la clave de ahora.",
        "El valor de la cookie buena es self.badge (un resumen de la clave). "
        "decode_signed_value() devuelve bytes: compáralos con self.badge.encode(), y en "
        "tiempo constante (hmac.compare_digest), no con ==.",
        "return value is not None and hmac.compare_digest(value, self.badge.encode())",
    ),
    "test_la_profesora_de_verdad_puede_borrar": (
        "Ahora nadie es la profesora, ni siquiera con la cookie buena de /profe.",
        "Mira qué comparas: decode_signed_value() devuelve bytes y self.badge es str, y "
        "b'abc' == 'abc' es False en Python. ¿Y usas self.secret, el secreto de este servidor?",
        "return value is not None and hmac.compare_digest(value, self.badge.encode())",
    ),
}
