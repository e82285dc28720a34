"""Los bots de bots.py repartidos entre varios procesos (benchmarks/scaleout.py).

Un proceso de bots aguanta unas decenas de miles de entregas por segundo; repartirlos
deja al principal solo con el emisor, y ningún proceso que recibe es a la vez el que
envía. El principal manda órdenes por una tubería a cada proceso («connect», «record»,
«wait», «close») y cada uno contesta con sus cifras. La hora de envío de cada mensaje
la ven todos en un archivo compartido (``SendTimes``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import mmap
import multiprocessing
import os
import time
from array import array
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any

from bots import Bench, Bot, connect_bots, incomplete, raise_open_file_limit
from progress import Progress
from servers import pin

PROGRESS_EVERY_SECONDS = 0.2  # Cada cuánto cuenta un proceso de bots cómo va al conectar.


class SendTimes:
    """La hora de envío de cada mensaje, en un archivo que todos los procesos ven a la vez.

    El emisor apunta ``times[seq]`` justo antes de enviar y cada proceso de bots lo lee
    al recibir: la latencia es recepción − envío con el mismo reloj (perf_counter es el
    CLOCK_MONOTONIC de todo el equipo en Linux). Un mmap compartido y no un mensaje por
    la tubería: así el Bot de bots.py calcula la latencia sin saber que hay procesos.
    """

    def __init__(self, path: Path, count: int, create: bool = False) -> None:
        self.path = path
        if create:
            path.write_bytes(bytes(8 * count))
        with open(path, "r+b") as file:
            self.map = mmap.mmap(file.fileno(), 8 * count)
        self.times = memoryview(self.map).cast("d")

    def close(self) -> None:
        self.times.release()
        self.map.close()


@dataclass
class WorkerSetup:
    """Lo que necesita un proceso de bots para empezar."""

    label: str
    count: int  # Cuántos bots abre este proceso.
    messages: int  # Cuántos mensajes recibirá cada bot, calentamiento incluido.
    times_path: Path
    core: int | None = None  # El núcleo donde se fija, si se pide.


@dataclass
class WorkerReport:
    """Lo que contesta un proceso de bots: entregas, si falta algo y las latencias (s)."""

    bots: int
    delivered: int
    problem: str  # Vacío si cada bot tiene cada mensaje, una vez y en orden.
    latencies: bytes = b""  # Un array("d") en bytes: decenas de miles de floats de una vez.

    def latencies_ms(self) -> list[float]:
        values = array("d")
        values.frombytes(self.latencies)
        return [1000 * x for x in values]


class PipeProgress(Progress):
    """El progreso de un proceso de bots: en vez de dibujarlo, se lo cuenta al principal.

    Varios procesos dibujando su barra en la misma línea de la terminal se pisarían;
    el principal suma lo de todos y dibuja una sola.
    """

    def __init__(self, pipe: Connection, base: int = 0) -> None:
        super().__init__("", 0)
        self.pipe, self.base, self.last_sent = pipe, base, 0.0

    def update(self, value: int) -> None:
        now = time.monotonic()
        if now - self.last_sent >= PROGRESS_EVERY_SECONDS:
            self.last_sent = now
            self.pipe.send(("progress", self.base + value))

    def done(self, note: str = "") -> None:
        pass  # El principal da por terminado cuando contestan todos.


# --- Dentro de cada proceso de bots ----------------------------------------------------


def share(total: int, parts: int, index: int) -> int:
    """La parte ``index`` de ``total`` repartido en ``parts`` trozos casi iguales."""
    return total // parts + (index < total % parts)


def worker_main(pipe: Connection, setup: WorkerSetup) -> None:
    """Un proceso de bots: obedece las órdenes del principal hasta que le dice «close»."""
    raise_open_file_limit()
    if setup.core is not None:
        pin(os.getpid(), setup.core)
    # Ctrl+C llega a todo el grupo de procesos: el principal ya lo cuenta.
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve_orders(pipe, setup))


async def serve_orders(pipe: Connection, setup: WorkerSetup) -> None:
    orders: asyncio.Queue[tuple[Any, ...]] = asyncio.Queue()
    loop = asyncio.get_running_loop()

    def order_arrived() -> None:
        try:
            orders.put_nowait(pipe.recv())
        except (EOFError, OSError):  # El principal ya no está: cerramos.
            loop.remove_reader(pipe.fileno())
            orders.put_nowait(("close",))

    # Las órdenes llegan por la tubería; leerla solo cuando trae algo no para a los bots.
    loop.add_reader(pipe.fileno(), order_arrived)
    expected = b"".join(b"%08d" % i for i in range(setup.messages))
    bench = Bench(expected, welcome=True)  # El welcome del Stack 2 trae el historial.
    shared = SendTimes(setup.times_path, setup.messages)
    bench.sent_at = shared.times
    bots: list[Bot] = []
    try:
        while True:
            order, *params = await orders.get()
            if order == "close":
                return
            try:
                reply = await obey(order, params, bench, bots, pipe, setup)
            except SystemExit as error:  # connect_bots explica así lo que falló.
                pipe.send(("error", str(error).strip()))
                continue
            pipe.send(("done", reply))
    finally:
        for bot in bots:
            if bot.transport is not None:
                bot.transport.abort()
        bench.sent_at = []
        shared.close()


async def obey(
    order: str,
    params: list[Any],
    bench: Bench,
    bots: list[Bot],
    pipe: Connection,
    setup: WorkerSetup,
) -> int | WorkerReport | None:
    """Una orden del principal: «connect», «record» o «wait»."""
    if order == "connect":  # Los bots de este proceso, a partes iguales entre las URL.
        urls: list[str] = params[0]
        for n, url in enumerate(urls):
            progress = PipeProgress(pipe, base=len(bots))
            count = share(setup.count, len(urls), n)
            bots += await connect_bots(bench, url, count, setup.label, progress)
        # Miles de bots son muchos objetos: que el recolector de basura no se pare a
        # revisarlos a mitad de la medición (sería latencia de los bots, no del chat).
        gc.collect()
        gc.freeze()
        return len(bots)
    if order == "record":  # Desde ahora se apunta la latencia de cada entrega.
        bench.latencies = []
        return None
    if order == "wait":  # Hasta que cada bot tenga ``messages`` o se acabe el plazo.
        messages, limit = params
        deadline = time.monotonic() + limit
        while bench.delivered < messages * len(bots) and time.monotonic() < deadline:
            await asyncio.sleep(0.002)
        latencies = array("d", bench.latencies or []).tobytes()
        bench.latencies = None
        return WorkerReport(len(bots), bench.delivered, incomplete(bots, messages), latencies)
    raise ValueError(f"Orden desconocida: {order}")


# --- Desde el proceso principal ----------------------------------------------------------


@dataclass
class Worker:
    """Un proceso de bots visto desde el principal."""

    process: BaseProcess
    pipe: Connection


def start_workers(
    processes: int, bots: int, messages: int, times_path: Path, core: int | None = None
) -> list[Worker]:
    """Arranca ``processes`` procesos de bots que abrirán ``bots`` entre todos."""
    # spawn y no fork: cada proceso empieza limpio, sin el loop ni los sockets del principal.
    context = multiprocessing.get_context("spawn")
    workers = []
    for n in range(processes):
        mine, theirs = context.Pipe()
        label = f"bots {n + 1}/{processes}"
        setup = WorkerSetup(label, share(bots, processes, n), messages, times_path, core)
        process = context.Process(target=worker_main, args=(theirs, setup), daemon=True)
        process.start()
        theirs.close()
        workers.append(Worker(process, mine))
    return workers


async def ask(
    workers: list[Worker],
    order: tuple[Any, ...],
    limit: float,
    progress: Progress | None = None,
) -> list[Any]:
    """Da la orden a todos los procesos de bots y espera, como mucho ``limit`` s, a cada uno."""
    for worker in workers:
        worker.pipe.send(order)
    replies: dict[int, Any] = {}
    counts = [0] * len(workers)
    deadline = time.monotonic() + limit
    while len(replies) < len(workers):
        for n, worker in enumerate(workers):
            while n not in replies and worker.pipe.poll():
                kind, payload = worker.pipe.recv()
                if kind == "error":
                    raise SystemExit(payload)
                if kind == "progress":
                    counts[n] = payload
                    if progress is not None:
                        progress.update(sum(counts))
                else:
                    replies[n] = payload
            if n not in replies and not worker.process.is_alive():
                code = worker.process.exitcode
                raise SystemExit(f"Un proceso de bots terminó antes de tiempo (código {code}).")
        if time.monotonic() > deadline:
            raise SystemExit(f"Los procesos de bots no contestaron a «{order[0]}» a tiempo.")
        await asyncio.sleep(0.01)
    return [replies[n] for n in range(len(workers))]


def stop_workers(workers: list[Worker]) -> None:
    """Cierra cada proceso de bots que arrancamos: primero pidiéndolo; si no, a la fuerza."""
    for worker in workers:
        if worker.process.is_alive():
            with contextlib.suppress(OSError):  # Si ya no escucha, lo esperamos igual.
                worker.pipe.send(("close",))
    for worker in workers:
        worker.process.join(10)
        if worker.process.is_alive():
            worker.process.terminate()  # Solo los nuestros, por su propio objeto Process.
            worker.process.join(5)
        worker.pipe.close()
