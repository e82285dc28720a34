"""Lo que hace el Stack 1, escrito una vez: reenvía cada texto a todos, tal cual.

La misma especificación comprueba dos servidores: el de verdad (``tests/test_stack1.py``)
y el que escribe cada estudiante desde un archivo vacío en la lección 2
(``lessons/02_servidor_minimo/test_ejercicio02_construye.py``). Quien la usa hereda de
``Stack1Spec`` y da una fixture ``app`` con su aplicación; las pruebas solo hablan con
ella por la red, con clientes WebSocket reales, así que valen para cualquier servidor.
"""

from __future__ import annotations

import pytest
from tornado.httpclient import HTTPClientError

from tests.helpers import receive, wait_closed


class Stack1Spec:
    """Las comprobaciones del Stack 1. Necesitan las fixtures ``app``, ``connect`` y ``ws_base``."""

    @pytest.mark.gen_test
    async def test_one_message_reaches_all_three_clients_sender_included(
        self, connect, ws_base
    ) -> None:
        """Un mensaje llega a los tres clientes conectados, también a quien lo envió."""
        clients = [await connect(ws_base) for _ in range(3)]
        await clients[0].write_message("Juan: Hola mundo")
        for client in clients:
            assert await receive(client) == "Juan: Hola mundo"

    @pytest.mark.gen_test
    async def test_every_client_sees_every_message_once_in_the_same_order(
        self, connect, ws_base
    ) -> None:
        """Treinta mensajes de tres clientes: todos los ven una vez y en el mismo orden."""
        clients = [await connect(ws_base) for _ in range(3)]
        sent = [f"Cliente{i % 3}: mensaje {i}" for i in range(30)]
        for i, text in enumerate(sent):
            clients[i % 3].write_message(text)  # Una ráfaga, sin esperar respuesta.
        received = []
        for client in clients:
            received.append([await receive(client) for _ in sent])
        assert received[0] == received[1] == received[2], "Cada cliente vio un orden distinto"
        assert sorted(received[0]) == sorted(sent), "Faltan o sobran mensajes"
        for i in range(3):  # Lo que envió un mismo cliente llega en el orden en que lo envió.
            own = [text for text in received[0] if text.startswith(f"Cliente{i}:")]
            assert own == sent[i::3], f"Los mensajes de Cliente{i} llegaron desordenados"
        await clients[0].write_message("fin")
        for client in clients:  # Nada duplicado quedó en cola antes de «fin».
            assert await receive(client) == "fin", "Llegó un mensaje repetido"

    @pytest.mark.gen_test
    async def test_text_is_relayed_unchanged(self, connect, ws_base) -> None:
        """El texto llega tal cual: espacios, tildes, emojis, HTML y saltos de línea."""
        text = "  Ana: ¡ñandú! <b>negrita</b> 🎉 \n segunda línea  "
        sender, other = await connect(ws_base), await connect(ws_base)
        await sender.write_message(text)
        assert await receive(other) == text, "El servidor cambió el texto por el camino"

    @pytest.mark.gen_test
    async def test_a_client_that_leaves_does_not_stop_the_others(self, connect, ws_base) -> None:
        """Si alguien se va, los que quedan siguen recibiendo los mensajes."""
        leaving, staying, sender = [await connect(ws_base) for _ in range(3)]
        leaving.close()
        await wait_closed(leaving)
        await sender.write_message("Luis: ¿sigue alguien?")
        assert await receive(staying) == "Luis: ¿sigue alguien?"
        assert await receive(sender) == "Luis: ¿sigue alguien?"

    @pytest.mark.gen_test
    async def test_accepts_pages_opened_from_disk_with_origin_null(self, connect, ws_base) -> None:
        """Una página abierta desde el disco (Origin: null) puede conectarse y chatear."""
        client = await connect(ws_base, headers={"Origin": "null"})
        await client.write_message("Ana: hola desde file://")
        assert await receive(client) == "Ana: hola desde file://"

    @pytest.mark.gen_test
    async def test_rejects_pages_from_other_websites(self, connect, ws_base) -> None:
        """Una página de otra web (con su propio Origin) recibe un 403 en el handshake."""
        with pytest.raises(HTTPClientError) as error:
            await connect(ws_base, headers={"Origin": "http://otro-sitio.example"})
        assert error.value.code == 403, f"Se esperaba 403 y llegó {error.value.code}"

    @pytest.mark.gen_test
    async def test_binary_frames_close_that_client_with_1003(self, connect, ws_base) -> None:
        """Un frame binario cierra esa conexión con el código 1003 y un motivo en español."""
        intruder, other = await connect(ws_base), await connect(ws_base)
        await intruder.write_message(b"\x00\x01", binary=True)
        code, reason = await wait_closed(intruder)
        assert code == 1003, f"La conexión se cerró con el código {code}, no con 1003"
        assert "texto" in (reason or ""), f"El motivo del cierre no dice «texto»: {reason!r}"
        await other.write_message("Eva: sigo aquí")
        assert await receive(other) == "Eva: sigo aquí"
