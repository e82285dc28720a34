"""El cierre que pide el cliente, en los dos stacks: 1002 si su código es inválido, y
nunca antes de lo que el servidor ya tenía en cola para él.

Son los casos 7.9.x de Autobahn (la batería de pruebas del protocolo WebSocket), con
un cliente escrito a mano (tests/rawws.py) que envía el frame de cierre tal cual.
Los códigos válidos se siguen devolviendo, como pide el RFC 6455 (sección 5.5.1).
"""

from __future__ import annotations

import json
import struct

import pytest

from common.fanout.hub import Hub
from stack1_pure import server as stack1
from stack2_http import server as stack2
from tests.rawws import OPCODE_CLOSE, OPCODE_TEXT, RawClient, encode_frame

# Los de Autobahn 7.9.1-7.9.9 y 1015 (reservado para «falló TLS»: nunca viaja en un frame).
INVALID = [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999]
VALID = [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000, 4999]

# La dirección del WebSocket de cada stack.
PATHS = {"stack1": "/", "stack2": "/ws"}


@pytest.fixture(params=sorted(PATHS))
def stack(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def app(hub: Hub, stack: str):
    return stack1.make_app(hub) if stack == "stack1" else stack2.make_app(hub)


async def answer_to_close(port: int, path: str, code: int) -> int:
    """Envía un cierre con ``code`` y devuelve el código con que contesta el servidor."""
    client = await RawClient.connect(port, path)
    try:
        client.send(OPCODE_CLOSE, struct.pack("!H", code) + "adiós".encode())
        answer, _ = await client.read_close()
    finally:
        await client.close()
    return answer


@pytest.mark.gen_test
@pytest.mark.parametrize("code", INVALID)
async def test_a_close_frame_with_an_invalid_code_is_answered_with_1002(
    http_server, http_port, stack, code
) -> None:
    answer = await answer_to_close(http_port, PATHS[stack], code)
    assert answer == 1002, f"{stack}: un cierre con {code} debe recibir 1002 y recibió {answer}"


@pytest.mark.gen_test
@pytest.mark.parametrize("code", VALID)
async def test_a_close_frame_with_a_valid_code_is_echoed(
    http_server, http_port, stack, code
) -> None:
    answer = await answer_to_close(http_port, PATHS[stack], code)
    assert answer == code, f"{stack}: un cierre con {code} debe volver igual y volvió {answer}"


@pytest.mark.gen_test
async def test_after_answering_1002_the_server_closes_the_socket_and_forgets_the_client(
    http_server, http_port, hub, stack
) -> None:
    client = await RawClient.connect(http_port, PATHS[stack])
    client.send(OPCODE_CLOSE, struct.pack("!H", 1005))
    assert (await client.read_close())[0] == 1002
    with pytest.raises(EOFError):  # Tras su cierre, nada más: el socket se cierra.
        await client.read_frame()
    await client.close()
    assert len(hub) == 0, "El hub debe olvidar la conexión cerrada con 1002"


@pytest.mark.gen_test
async def test_what_was_queued_for_a_client_goes_out_before_the_answer_to_its_close(
    http_server, http_port, stack
) -> None:
    # Dos mensajes y el cierre en el mismo paquete: el primer reenvío sale en el acto, el
    # segundo espera al final de la vuelta del loop (common/fanout/fast.py)... y el cierre
    # que devuelve el servidor no debe adelantarlo.
    client = await RawClient.connect(http_port, PATHS[stack])
    if stack == "stack2":
        await client.read_frame()  # El welcome.
    texts = ["uno", "dos"] if stack == "stack1" else [chat("uno"), chat("dos")]
    client.send_raw(
        b"".join(encode_frame(OPCODE_TEXT, text.encode()) for text in texts)
        + encode_frame(OPCODE_CLOSE, struct.pack("!H", 1000))
    )
    received = []
    while (frame := await client.read_frame())[0] != OPCODE_CLOSE:
        received.append(frame[1].decode())
    await client.close()
    said = [text if stack == "stack1" else json.loads(text)["text"] for text in received]
    assert said == ["uno", "dos"], f"{stack}: antes del cierre debían llegar los dos: {said}"


def chat(text: str) -> str:
    return json.dumps({"type": "message", "text": text})
