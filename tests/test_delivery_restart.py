"""El historial sobrevive al servidor: SIGTERM, kill -9 y bases de datos que no se pueden usar.

Cada prueba arranca el server.py del Stack 2 de verdad, con --db en una carpeta temporal.
"""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import sys
from pathlib import Path

import pytest
from tornado.websocket import WebSocketClientConnection, websocket_connect

from tests.helpers import RECEIVE_TIMEOUT, receive_event
from tests.test_processes import ROOT, Server


async def start(servers: list[Server], db: str | Path) -> Server:
    server = await Server.start("stack2_http", ROOT, f"--db={db}")
    servers.append(server)
    return server


async def open_chat(server: Server, query: str = "") -> tuple[WebSocketClientConnection, dict]:
    conn = await websocket_connect(f"ws://127.0.0.1:{server.port}/ws{query}")
    return conn, await receive_event(conn, "welcome")


async def send_and_ack(conn: WebSocketClientConnection, text: str, cid: str) -> dict:
    await conn.write_message(json.dumps({"type": "message", "text": text, "cid": cid}))
    while (event := await receive_event(conn))["type"] != "ack":
        pass
    return event


async def kill_hard(server: Server) -> None:
    server.process.send_signal(
        signal.SIGKILL
    )  # Sin apagado limpio: como un corte de luz del proceso.
    await asyncio.wait_for(server.process.wait(), RECEIVE_TIMEOUT)


@pytest.mark.gen_test(timeout=30)
@pytest.mark.parametrize("how", ["SIGTERM", "kill -9"])
async def test_after_a_restart_clients_resume_and_seq_goes_on(servers, tmp_path, how) -> None:
    db = tmp_path / "chat.sqlite3"
    server = await start(servers, db)
    conn, welcome = await open_chat(server)
    for i in range(3):
        await send_and_ack(conn, f"antes {i}", f"c{i}")
    conn.close()
    if how == "SIGTERM":
        returncode, stderr = await server.stop()
        assert returncode == 0, stderr
    else:
        await kill_hard(server)
    again = await start(servers, db)
    conn, back = await open_chat(again, f"?since=1&epoch={welcome['epoch']}")
    conn.close()
    assert back["recovered"] is True
    assert [event["text"] for event in back["history"]] == ["antes 1", "antes 2"]
    conn, _ = await open_chat(again)
    assert (await send_and_ack(conn, "después", "c3"))["seq"] == 4
    conn.close()
    await again.stop()


@pytest.mark.gen_test(timeout=30)
async def test_an_acked_message_is_on_disk_even_if_the_server_dies_right_after(
    servers, tmp_path
) -> None:
    db = tmp_path / "chat.sqlite3"
    server = await start(servers, db)
    conn, _ = await open_chat(server)
    ack = await send_and_ack(conn, "lo último", "último")
    await kill_hard(server)  # Justo después del ack, sin dejarle hacer nada más.
    conn.close()
    again = await start(servers, db)
    conn, welcome = await open_chat(again)
    conn.close()
    assert welcome["history"][-1]["text"] == "lo último"
    assert welcome["history"][-1]["seq"] == ack["seq"]
    await again.stop()


@pytest.mark.gen_test(timeout=30)
async def test_a_retry_after_a_restart_is_still_recognised(servers, tmp_path) -> None:
    db = tmp_path / "chat.sqlite3"
    server = await start(servers, db)
    # La misma página antes y después: su clave (?client=) dice que es el mismo remitente.
    conn, _ = await open_chat(server, "?client=clave-de-ana")
    first = await send_and_ack(conn, "hola", "reintento")
    await kill_hard(server)
    conn.close()
    again = await start(servers, db)
    conn, _ = await open_chat(again, "?client=clave-de-ana")
    assert await send_and_ack(conn, "hola", "reintento") == first
    conn.close()
    await again.stop()


@pytest.mark.gen_test(timeout=30)
async def test_a_memory_only_history_is_a_new_epoch_after_a_restart(servers) -> None:
    server = await start(servers, ":memory:")
    assert "Historial: solo en memoria" in server.banner
    assert "/sala/<nombre>" in server.banner  # Cómo se abre una sala (lección 11).
    conn, welcome = await open_chat(server)
    await send_and_ack(conn, "se perderá", "x")
    conn.close()
    await server.stop()
    again = await start(servers, ":memory:")
    conn, back = await open_chat(again, f"?since=1&epoch={welcome['epoch']}")
    conn.close()
    assert (back["recovered"], back["reason"]) == (False, "epoch_changed")
    assert back["epoch"] != welcome["epoch"]
    assert back["history"] == []
    await again.stop()


@pytest.mark.gen_test(timeout=30)
async def test_the_banner_says_where_the_history_lives(servers, tmp_path) -> None:
    server = await start(servers, tmp_path / "aula.sqlite3")
    assert "aula.sqlite3" in server.banner
    assert "--db" in server.banner
    await server.stop()


async def refused(*args: str) -> str:
    """Arranca el servidor con estas opciones y devuelve su error (debe salir con 1)."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "stack2_http/server.py",
        "--port=0",
        "--address=127.0.0.1",
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 10)
    message = stderr.decode()
    assert process.returncode == 1, stdout.decode() + message
    assert "Traceback" not in message
    assert len(message.strip().splitlines()) == 1, message
    return message


@pytest.mark.gen_test(timeout=30)
async def test_a_file_that_is_not_a_database_is_refused_and_left_alone(tmp_path) -> None:
    notes = tmp_path / "apuntes.txt"
    notes.write_text("Mis apuntes de clase\n" * 100)
    message = await refused(f"--db={notes}")
    assert "no es una base de datos SQLite" in message and "--db" in message
    assert notes.read_text() == "Mis apuntes de clase\n" * 100


@pytest.mark.gen_test(timeout=30)
async def test_another_programs_database_is_refused_and_left_alone(tmp_path) -> None:
    other = tmp_path / "notas.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE notas (alumno TEXT, nota REAL)")
    message = await refused(f"--db={other}")
    assert "de otro programa" in message and str(other) in message


@pytest.mark.gen_test(timeout=30)
async def test_a_database_in_use_by_another_server_is_refused(servers, tmp_path) -> None:
    db = tmp_path / "chat.sqlite3"
    server = await start(servers, db)
    message = await refused(f"--db={db}")
    assert "la está usando otro servidor" in message and "--db" in message
    await server.stop()


@pytest.mark.gen_test(timeout=30)
async def test_a_database_that_cannot_be_opened_is_refused(tmp_path) -> None:
    folder = tmp_path / "carpeta"
    folder.mkdir()
    message = await refused(f"--db={folder}")  # Una carpeta no se puede abrir como archivo.
    assert str(folder) in message and "--db" in message


@pytest.mark.gen_test(timeout=30)
async def test_a_history_of_zero_is_refused() -> None:
    message = await refused("--db=:memory:", "--history=0")
    assert "--history" in message
