"""Varios procesos en un mismo puerto: un padre que vigila a N hijos (``--processes``).

Python ejecuta el código de un proceso en un solo núcleo a la vez. Para usar
varios núcleos, el servidor abre el puerto una vez y luego se copia a sí mismo
(``os.fork``): cada hijo hereda el socket que escucha y el sistema reparte las
conexiones nuevas entre ellos. Es lo que hace ``tornado.process.fork_processes``;
lo escribimos aquí (son pocas líneas) porque además queremos que el padre:

* pase SIGTERM y Ctrl+C a cada hijo, que se apaga limpio (1001 a sus clientes);
* sustituya a un hijo que muere sin que nadie se lo pidiera (un fallo, ``kill -9``).

Los hijos no comparten memoria: por eso esto exige ``--redis``, donde viven el
log y la presencia que ven todos. Solo en Linux y macOS (Windows no tiene fork).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import time

log = logging.getLogger("chat")

# Si los hijos mueren nada más nacer (un error al arrancar), no los sustituimos sin fin.
MAX_RESTARTS_PER_MINUTE = 10


def fork_workers(count: int) -> int:
    """Crea ``count`` hijos y devuelve, en cada hijo, su número (0, 1…).

    El padre no vuelve nunca: vigila a los hijos y termina cuando todos terminaron.
    """
    if not hasattr(os, "fork"):
        raise SystemExit("Error: --processes necesita Linux o macOS (este sistema no tiene fork).")
    children: dict[int, int] = {}  # pid → número de hijo
    stopping = False

    def spawn(number: int) -> int | None:
        pid = os.fork()
        if pid == 0:
            # En el hijo: las señales vuelven a ser las normales y las atiende su loop.
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.SIG_DFL)
            return number
        children[pid] = number
        return None

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)  # Cada hijo cierra con 1001 y termina.

    # Antes de crear hijos: una señal que llegue en medio ya encuentra el manejador.
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    for number in range(count):
        if spawn(number) is not None:
            return number
    restarts: list[float] = []
    while children:
        try:
            pid, status = os.wait()
        except ChildProcessError:
            break
        number = children.pop(pid, None)
        if number is None or stopping:
            continue
        code = os.waitstatus_to_exitcode(status) if hasattr(os, "waitstatus_to_exitcode") else 1
        now = time.monotonic()
        restarts = [t for t in restarts if now - t < 60] + [now]
        if len(restarts) > MAX_RESTARTS_PER_MINUTE:
            log.error("Los procesos mueren nada más arrancar: el servidor se detiene.")
            stop(signal.SIGTERM, None)
            continue
        log.warning("El proceso %d (pid %d) terminó (código %s): arranco otro.", number, pid, code)
        if spawn(number) is not None:
            return number
    sys.exit(0)
