"""Las salas que sigue un proceso con --redis: cuáles lee, cuándo, y con qué historia.

Aquí no hay servidor: el log, la presencia y las salas abiertas de un proceso, creados
en la prueba contra un redis-server de verdad, para mirar lo que un cliente no ve (qué
salas lee el proceso, si un XREAD que ya espera se entera de una sala nueva). Lo que se
ve desde fuera está en la suite de conformidad (tests/conformance/).
"""

from __future__ import annotations

import asyncio
import json

import pytest

from common.history.log import Log
from common.processes.link import RedisLink
from common.processes.log import RedisLog
from common.processes.presence import RedisPresence
from common.processes.relay import CHANNEL, RedisRelay
from stack2_http import protocol
from stack2_http.rooms import OpenRooms
from tests.helpers import Answer

TEST_TIMEOUT = 30
ARRIVAL_TIMEOUT = 5.0  # Lo que espera cada prueba a que un mensaje llegue a un proceso.
# Un XREAD que espera un minuto: si algo llega antes, no es porque se acabó la espera.
LONG_BLOCK_MS = 60_000


class Process:
    """Lo que tiene un proceso del chat con --redis: su enlace, su log y su presencia."""

    def __init__(self, url: str, read_block_ms: int = 1000) -> None:
        self.link = RedisLink(url)
        self.log = RedisLog(self.link, history_size=50, read_block_ms=read_block_ms)
        self.presence = RedisPresence(self.link)
        self.rooms = OpenRooms(self.log, self.presence)
        self.delivered: list[tuple[str, str]] = []  # (sala, texto), en orden de llegada.
        self._arrived = asyncio.Event()
        self.log.subscribe(self._deliver)

    async def start(self) -> Process:
        await self.log.start()
        await self.presence.start()
        return self

    async def close(self) -> None:
        await self.presence.close()
        await self.log.close()

    def _deliver(self, room: str, frame: str) -> None:
        self.delivered.append((room, json.loads(frame)["text"]))
        self._arrived.set()

    async def until_delivered(self, room: str, text: str) -> None:
        """Espera a que este proceso reparta ``text`` en ``room`` (el log se lo entrega)."""
        deadline = asyncio.get_running_loop().time() + ARRIVAL_TIMEOUT
        while (room, text) not in self.delivered:
            self._arrived.clear()
            remaining = deadline - asyncio.get_running_loop().time()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(remaining, 0))
            except asyncio.TimeoutError:
                raise AssertionError(
                    f"«{text}» no llegó a la sala {room} en {ARRIVAL_TIMEOUT} s; "
                    f"llegó {self.delivered}"
                ) from None


async def say(log: Log, room: str, text: str) -> int:
    """Guarda un mensaje desde ``log`` y devuelve su seq (cuando Redis lo confirma)."""
    answer, draft = Answer(), protocol.Draft(log.epoch, room, "127.0.0.1:5000", text, None, None)
    log.append(room, "una-clave", None, draft, answer)
    return await answer.seq(ARRIVAL_TIMEOUT)


@pytest.fixture
def processes(io_loop, redis_server):
    """``await processes()``: un proceso nuevo conectado al Redis de la prueba."""
    started: list[Process] = []

    async def start(read_block_ms: int = 1000) -> Process:
        process = await Process(redis_server.url, read_block_ms).start()
        started.append(process)
        return process

    yield start

    async def close_all() -> None:
        for process in started:
            await process.close()

    io_loop.run_sync(close_all, timeout=10)


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_process_reads_a_room_only_while_someone_of_its_own_is_in_it(processes) -> None:
    reader, writer = await processes(), await processes()
    await reader.rooms.enter("general")
    for _ in range(2):  # Dos conexiones de este proceso en «clase».
        assert await reader.rooms.enter("clase")
    reader.rooms.leave("clase")
    await say(writer.log, "clase", "queda una")
    await reader.until_delivered("clase", "queda una")
    reader.rooms.leave("clase")  # La última: el proceso deja de leer la sala.
    assert "clase" not in reader.log.watched
    assert "clase" not in reader.presence.copy.rooms()
    await say(writer.log, "clase", "ya no hay nadie")
    await say(writer.log, "general", "después")
    # Un XREAD devuelve a la vez todo lo que haya en sus streams: si aún leyera «clase»,
    # su mensaje (anterior) habría llegado con el de «general» o antes.
    await reader.until_delivered("general", "después")
    assert ("clase", "ya no hay nadie") not in reader.delivered


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_room_entered_while_the_read_is_blocked_is_read_at_once(processes) -> None:
    # El lector de este proceso ya espera en un XREAD de un minuto que no incluye «clase».
    reader, writer = await processes(read_block_ms=LONG_BLOCK_MS), await processes()
    assert await reader.rooms.enter("clase")
    await say(writer.log, "clase", "recién abierta")
    await reader.until_delivered("clase", "recién abierta")


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_welcome_right_after_redis_is_emptied_never_resumes_the_old_history(
    processes, redis_server
) -> None:
    # Con un XREAD de un minuto, el lector no mira el epoch por su cuenta en toda la prueba:
    # lo que lo descubre es la pregunta de la bienvenida.
    process, writer = await processes(read_block_ms=LONG_BLOCK_MS), await processes()
    resets: list[str] = []
    process.log.on_reset(lambda: resets.append("1012"))
    await process.rooms.enter("clase")
    old_epoch = process.log.epoch
    seq = await say(writer.log, "clase", "se perderá")
    await process.until_delivered("clase", "se perderá")
    assert redis_server.command("FLUSHALL").startswith("+OK")  # Redis sin historia.
    assert await process.rooms.enter("clase")  # Alguien más entra y retoma enseguida.
    replay = process.log.replay("clase", since=seq, epoch=old_epoch)
    assert (replay.recovered, replay.reason) == (False, "epoch_changed")
    assert process.log.epoch != old_epoch and process.log.latest("clase") == 0
    assert resets == ["1012"], "Quien ya estaba dentro debe retomar: la historia cambió"


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_welcomes_that_arrive_together_share_one_question_to_redis(
    processes, redis_server
) -> None:
    process = await processes(read_block_ms=LONG_BLOCK_MS)
    await process.rooms.enter("clase")

    def epoch_checks() -> int:
        # Cada comprobación del epoch empieza con un SET NX (por si Redis volvió vacío).
        stats = redis_server.command("INFO", "commandstats")
        line = next((part for part in stats.split() if part.startswith("cmdstat_set:")), "")
        return int(line.split("calls=")[1].split(",")[0]) if line else 0

    before = epoch_checks()
    await asyncio.gather(*(process.rooms.enter("clase") for _ in range(20)))
    assert epoch_checks() - before == 1, "Veinte bienvenidas a la vez: una sola pregunta"


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_a_process_knows_the_count_of_rooms_it_never_loaded(processes) -> None:
    busy = await processes()
    for who in ("127.0.0.1:1001", "127.0.0.1:1002"):
        await busy.rooms.enter("clase")
        busy.presence.join("clase", who)
    while await busy.link.redis.hget("chat:rooms", "clase") != "2":
        await asyncio.sleep(0.02)  # Esperamos a la tarea que escribe la presencia en Redis.
    # Un proceso que arranca ahora lo sabe al arrancar; uno que ya estaba, por los eventos.
    late = await processes()
    assert late.presence.rooms() == {"clase": 2}
    assert late.presence.copy.rooms() == {}, "Sin nadie aquí, no guarda la lista de la sala"
    await busy.rooms.enter("clase")
    busy.presence.join("clase", "127.0.0.1:1003")
    while late.presence.rooms().get("clase") != 3:
        await asyncio.sleep(0.02)  # Lo trae el lector de eventos: no hay aviso que esperar.


@pytest.mark.gen_test(timeout=TEST_TIMEOUT)
async def test_the_log_the_presence_and_the_relay_of_a_process_share_one_name_in_redis(
    processes, redis_server
) -> None:
    process = await processes()
    relay = RedisRelay(process.link)
    await relay.start()
    listener = process.link.client(None)
    pubsub = listener.pubsub(ignore_subscribe_messages=True)
    try:
        await pubsub.subscribe(CHANNEL)
        name = process.link.name
        assert await process.link.redis.zrange("chat:procs", 0, -1) == [name]  # Presencia.
        await say(process.log, "clase", "hola")
        [(_, fields)] = await process.link.redis.xrange("chat:stream:clase")
        assert fields["w"].split(":")[0] == name  # Log.
        relay.publish("clase", "{}")
        message = None
        while message is None:  # La confirmación de la suscripción llega como None.
            message = await pubsub.get_message(timeout=ARRIVAL_TIMEOUT)
        assert json.loads(message["data"])[0] == name  # Relé.
    finally:
        await relay.close()
        await pubsub.aclose()
        await listener.aclose()
