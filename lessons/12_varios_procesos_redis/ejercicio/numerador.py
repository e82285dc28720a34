"""Lección 12 · Reto: el script que numera los mensajes, en Python.

El script APPEND de common/processes/log.py (el del paso 2) corre dentro de Redis: numera
cada mensaje de una sala, reconoce los reintentos y se niega a mezclar historias. Aquí
escribes la misma lógica en Python puro, para entenderla y probarla sin Redis.

No hay TODO línea a línea: tú decides cómo. Lo que debe hacer la clase Stream:

* Stream(maxlen, epoch): un stream vacío de una sala, que guarda como mucho «maxlen»
  mensajes (el MAXLEN de XADD) y pertenece a la historia «epoch».
* append(epoch, cid, frame) → una tupla, como el script:
  - ("epoch", el epoch actual) si «epoch» no es el del stream: no se guarda nada.
  - ("dup", su número) si «cid» no está vacío y ya se guardó un mensaje con ese cid que
    sigue entre los guardados: es un reintento y no se guarda otra vez.
  - ("ok", el número nuevo) si no: el siguiente al último (1, 2, 3…, sin huecos), y el
    frame queda guardado. Si ya había «maxlen», el más antiguo se descarta, y con él su cid.
  Un cid vacío ("") nunca es un reintento.
* desde(seq) → lo que siguió al mensaje «seq»: una lista de (número, frame) en orden.
  Todo o nada: si alguno de esos ya se descartó, None. Si «seq» pasa del último,
  ValueError (nadie puede haber visto un mensaje que no existe).
* vaciar(epoch_nuevo): Redis vuelve vacío. Todo se pierde, la numeración vuelve a
  empezar y la historia se llama «epoch_nuevo».

Comprueba tu trabajo con
«python -m pytest lessons/12_varios_procesos_redis/test_ejercicio12_reto.py».
"""

from __future__ import annotations


class Stream:
    """El stream de una sala, con la lógica del script APPEND."""

    # TODO: el reto entero: __init__, append, desde y vaciar.
