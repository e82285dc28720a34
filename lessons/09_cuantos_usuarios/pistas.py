"""Pistas de la lección 9, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_numero_entiende_el_formato_espanol": (
        "float() solo entiende el formato inglés: «30391» y «10.19».",
        "Antes de float(), quita los espacios que separan los miles y cambia la coma "
        "decimal por un punto (str.replace, dos veces).",
        'return float(texto.strip().replace(" ", "").replace(",", "."))',
    ),
    "test_numero_lee_lo_que_escribe_el_benchmark": (
        "El benchmark escribe cifras como «1 070 696,00»: varios espacios de miles y coma.",
        "Abre number() en benchmarks/report.py: cambia las comas de miles por espacios y el "
        "punto decimal por una coma. Tu numero() tiene que deshacer exactamente eso.",
        'return float(texto.strip().replace(" ", "").replace(",", "."))',
    ),
    "test_cifra_lee_el_informe_de_ejemplo": (
        "cifra() ya está hecha y usa tu numero(): si esto falla, el problema está en numero().",
        "Haz pasar antes las comprobaciones de numero(): las dos primeras.",
        'return float(texto.strip().replace(" ", "").replace(",", "."))',
    ),
    "test_usuarios_maximos_crece_con_la_raiz_cuadrada": (
        "Despeja N: está al cuadrado en la ecuación.",
        "N × N × m × µs = presupuesto  ⇒  N² = presupuesto / (m × µs); después, "
        "math.sqrt y redondear hacia abajo con math.floor.",
        "return math.floor(math.sqrt(presupuesto / (mensajes_por_persona * us_por_entrega)))",
    ),
    "test_cuatro_veces_mas_cpu_solo_duplica_las_personas": (
        "Si esta falla, tu cuenta no crece con la raíz cuadrada.",
        "Con cpu cuatro veces mayor, el presupuesto se multiplica por 4 y su raíz, por 2.",
        "return math.floor(math.sqrt(presupuesto / (mensajes_por_persona * us_por_entrega)))",
    ),
}
