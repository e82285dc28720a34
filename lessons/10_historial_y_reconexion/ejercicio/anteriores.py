"""Lección 10 · Reto: «cargar mensajes anteriores», como al subir en cualquier chat.

El welcome trae los últimos 50. Quien quiera leer más atrás pide un trozo del historial:

El cliente envía    {"type": "older", "before": 21, "limit": 5}
Solo él recibe      {"type": "older", "before": 21, "messages": [...], "complete": true}

No hay TODO línea a línea: tú decides cómo. Las reglas:

* «messages» son los eventos «message» de su sala (tal como se repartieron, con su
  «seq») con número menor que «before»: los «limit» más cercanos a «before», del más
  antiguo al más nuevo. Sin «limit», 20; como mucho, MAXIMO.
* «complete» es true si están todos los números de ese tramo (de before - limit a
  before - 1, sin bajar de 1), y false si parte del tramo ya no está guardado
  (--history). Como al retomar: nunca una parte sin decirlo.
* «before» es un entero de 1 al último número más uno; «limit», un entero de 1 a
  MAXIMO. Si no: un error "invalid_field", solo para quien lo pidió.
* Es una línea más de la tabla de despacho: la inundación y los errores, gratis.

El log ya tiene lo que necesitas: self.chat.log.latest(sala), el último número, y
self.chat.log.recent(sala, cuantos), los frames guardados del más antiguo al más nuevo
(lee el «Tu turno» de esta lección: allí se calcula qué número tiene cada uno).

Arráncalo con «python lessons/10_historial_y_reconexion/ejercicio/anteriores.py --history=10»
y prueba con «python -m common.cliente --raw ws://127.0.0.1:8000/ws». Comprueba tu trabajo con
«python -m pytest lessons/10_historial_y_reconexion/test_ejercicio10_reto.py».
"""

from __future__ import annotations

from stack2_http import protocol  # noqa: F401 (ProtocolError y error(), para el reto)
from stack2_http.server import ChatSocket, main

POR_DEFECTO = 20  # Mensajes por petición si no se dice «limit».
MAXIMO = 50  # Y como mucho: cada petición cuesta un frame de este tamaño.


class ChatConAnteriores(ChatSocket):
    """El ChatSocket del Stack 2, que además atiende «older»."""

    # TODO: el reto entero. Empieza por la tabla de despacho (EVENTS).


if __name__ == "__main__":
    # El arranque del servidor de siempre (opciones, hub, banner), con este handler.
    main(ChatConAnteriores, "Lección 10 · Reto: mensajes anteriores")
