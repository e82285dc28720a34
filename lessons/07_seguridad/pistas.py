"""Pistas de la lección 7, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_un_mensaje_normal_llega_a_todos": (
        "Tus defensas no deben frenar a quien cumple las normas.",
        "Al final de on_message, lo que pasó los dos controles sigue por el camino del "
        "Stack 1: super().on_message(message).",
        "Deja super().on_message(message) como última línea, fuera de los if.",
    ),
    "test_un_mensaje_demasiado_largo_solo_recibe_un_aviso": (
        "Un texto enorme se está difundiendo, o el aviso no le llega a quien lo envió.",
        "len(message) cuenta caracteres; Hub.send envía a una sola conexión; y tras avisar "
        "hay que salir de on_message.",
        "if isinstance(message, str) and len(message) > MAX_CARACTERES:\n"
        "    self.hub.send(self, AVISO_LARGO)\n    return",
    ),
    "test_el_maximo_exacto_si_se_envia": (
        "El límite es «más de», no «a partir de».",
        "Mira la comparación con MAX_CARACTERES: ¿> o >=?",
        "len(message) > MAX_CARACTERES",
    ),
    "test_una_rafaga_pasa_hasta_el_limite_y_el_resto_recibe_avisos": (
        "Todos los mensajes de la ráfaga se difunden: nadie gasta fichas.",
        "self.cubo es un TokenBucket (common/defences/limits.py): take() gasta una ficha y dice si "
        "quedaba alguna.",
        "if not self.cubo.take():\n    self.hub.send(self, AVISO_RAPIDO)\n    return",
    ),
    "test_el_limite_de_ritmo_es_de_cada_conexion": (
        "La ráfaga de Ana no debería dejar callado a Luis.",
        "¿Dónde se crea el cubo? Uno solo para todos (global, o en la clase) se gasta entre todos.",
        "El cubo se crea en open(), en self.cubo: uno por conexión. Usa self.cubo.take().",
    ),
}
