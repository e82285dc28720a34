"""El log guardado en SQLite: el historial sobrevive a un reinicio (y a un ``kill -9``).

SQLite es una base de datos en un solo archivo, incluida en Python: nada que
instalar ni que arrancar aparte. Lo que hace falta saber para leer este archivo:

* **Un hilo, solo uno, y solo para SQLite.** Guardar en disco espera al disco
  (``fsync``: unos milisegundos). Si lo hiciera el event loop, todo el chat se
  pararía en cada mensaje. El módulo ``sqlite3`` de Python no es asíncrono, así
  que este log tiene su propio hilo, que es el único que toca la base de datos;
  el event loop le pasa los mensajes por una cola y recibe la respuesta con
  ``call_soon_threadsafe``. El hilo nace en ``start()``, ya dentro del loop al que
  contesta, y ``close()`` espera a que termine sin parar el loop. Nada más en el
  servidor usa hilos.
* **Varios mensajes, un solo commit.** Mientras el hilo espera al disco, los
  mensajes nuevos se acumulan en la cola; el siguiente commit los guarda todos
  juntos. Con calma, cada mensaje tiene su commit; en una ráfaga, comparten uno.
* **El número lo pone quien guarda.** El hilo da a cada mensaje su ``seq``
  dentro de la misma transacción que lo guarda: si el commit falla, ese número
  no se ha gastado y no queda un hueco.
* **Un archivo, un servidor.** El archivo se abre en exclusiva: un segundo
  servidor con la misma ``--db`` se niega a arrancar en vez de mezclar historias.
* **Si el hilo muere, se nota.** Un fallo del disco se contesta mensaje a mensaje
  y el hilo sigue. Cualquier otro (un error de programación) lo detiene, y el loop
  lo dice: un aviso en el registro, /healthz en 503 y un error a cada mensaje.
* **Las órdenes de la profesora, por la misma cola** (common/history/rules.py): borrar
  un mensaje cambia su fila por una lápida (``deleted = 1``, sin texto); vaciar borra
  las filas y apunta hasta qué número en ``rooms``, donde también se guardan el bloqueo y
  el modo lento. En la misma transacción que los mensajes que las rodean: tras reiniciar,
  la sala está como la dejó. Silenciar y sacar duran minutos: no se guardan aquí.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from pathlib import Path
from typing import Any, Union

from common.history.log import Author, Log, OrderDone, Pending, PendingOrder, Stored
from common.history.rules import Order, tombstone

log = logging.getLogger("chat.log")

# Un número propio en la cabecera del archivo (PRAGMA application_id): así
# reconocemos nuestras bases de datos y nunca escribimos en la de otro programa.
APPLICATION_ID = 0x43484154  # «CHAT» en ASCII.

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS messages (
    room TEXT NOT NULL,
    seq INTEGER NOT NULL,
    sender TEXT,           -- quién lo envió (su clave o su conexión): nunca sale en el frame
    cid TEXT,              -- con sender, reconoce un reintento tras reiniciar
    frame TEXT NOT NULL,   -- el evento «message» tal como se envió, en JSON
    deleted INTEGER NOT NULL DEFAULT 0,  -- 1: lo borró la profesora (frame es la lápida)
    PRIMARY KEY (room, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS rooms (
    room TEXT PRIMARY KEY,
    cleared INTEGER NOT NULL DEFAULT 0,  -- hasta qué seq vació la profesora (0: nunca)
    locked INTEGER NOT NULL DEFAULT 0,   -- 1: solo escribe la profesora
    slow INTEGER NOT NULL DEFAULT 0      -- segundos entre dos mensajes de un estudiante
) WITHOUT ROWID;
"""

# Cómo guarda cada orden de la profesora lo que debe sobrevivir a un reinicio.
ROOM_UPSERT = "INSERT INTO rooms (room, {0}) VALUES (?, ?) ON CONFLICT (room) DO UPDATE SET {1}"
SAVE_CLEARED = ROOM_UPSERT.format("cleared", "cleared = max(cleared, excluded.cleared)")
SAVE_LOCKED = ROOM_UPSERT.format("locked", "locked = excluded.locked")
SAVE_SLOW = ROOM_UPSERT.format("slow", "slow = excluded.slow")


# Lo que el hilo recibe por la cola: un mensaje, una orden, o None para terminar.
_Item = Union[Pending, PendingOrder, None]


class UnusableDatabase(Exception):
    """La base de datos no se puede usar; el texto explica por qué, en español."""


class SqliteLog(Log):
    """Un log que guarda cada mensaje en un archivo SQLite antes de repartirlo."""

    def __init__(self, path: str | Path, history_size: int = 1000) -> None:
        self.path = str(path)
        self._db = open_database(self.path)
        epoch = self._db.execute("SELECT value FROM meta WHERE key = 'epoch'").fetchone()[0]
        super().__init__(history_size, epoch)
        # Los últimos mensajes de cada sala pasan a memoria: leer el historial
        # (al entrar o al retomar) nunca espera a la base de datos.
        self._next: dict[str, int] = {}
        for room, latest in self._db.execute("SELECT room, MAX(seq) FROM messages GROUP BY room"):
            self._next[room] = latest
            rows = self._db.execute(
                "SELECT seq, sender, cid, frame, deleted FROM messages "
                "WHERE room = ? AND seq > ? ORDER BY seq",
                (room, latest - history_size),
            )
            for seq, sender, cid, frame, deleted in rows:
                # Con el remitente y el cid, un reintento se reconoce también tras reiniciar.
                self._load(Stored(room, seq, sender, cid, frame))
                if deleted:
                    self.rules(room).deleted.add(seq)
        # Lo que decidió la profesora sobre cada sala. Una sala vaciada puede no tener
        # mensajes: su número sigue donde lo dejó el vaciado.
        for room, cleared, locked, slow in self._db.execute(
            "SELECT room, cleared, locked, slow FROM rooms"
        ):
            self._load_rules(room, cleared, bool(locked), slow)
            self._next[room] = max(self._next.get(room, 0), cleared)
        self.commits = 0  # Cuántos commits lleva: en una ráfaga, muchos menos que mensajes.
        self._queue: queue.SimpleQueue[_Item] = queue.SimpleQueue()
        # El loop al que contesta el hilo, y lo que espera close(): se crean en start().
        self._loop: asyncio.AbstractEventLoop = None  # type: ignore[assignment]
        self._finished: asyncio.Future[None] | None = None

    async def start(self) -> None:
        """Arranca el hilo que guarda, atado al event loop que está corriendo."""
        self._loop = asyncio.get_running_loop()
        self._finished = self._loop.create_future()
        threading.Thread(target=self._run, name="chat-sqlite", daemon=True).start()

    async def close(self) -> None:
        """Espera a que el hilo guarde lo que tenga en cola y cierre el archivo."""
        if self._finished is None:  # start() no llegó a arrancar el hilo.
            self._db.close()
            return
        self._queue.put(None)
        await self._finished  # El hilo avisa al terminar, sea por lo que sea.

    # --- En el event loop ---------------------------------------------------------

    def _write(self, pending: Pending) -> None:
        self._queue.put(pending)

    def _write_order(self, order: Order, done: OrderDone) -> None:
        self._queue.put(PendingOrder(order, done))  # Detrás de los mensajes que ya esperan.

    def _deliver(self, batch: list[tuple[Stored, Author] | PendingOrder]) -> None:
        for item in batch:  # En el orden en que se guardaron.
            if isinstance(item, PendingOrder):
                self._ordered(item.order)
                item.done(item.order)
            else:
                self._stored(*item)

    def _died(self, error: Exception, batch: list[_Item]) -> None:
        """El hilo se detuvo: contesta a su lote y a todo lo que quedó en la cola."""
        stopped = self._stop(error)
        while True:
            try:
                batch.append(self._queue.get_nowait())
            except queue.Empty:
                break
        for pending in batch:
            if isinstance(pending, PendingOrder):
                pending.done(None)
            elif pending is not None:  # None: close() le pedía terminar.
                self._not_stored(pending, stopped)

    # --- En el hilo de SQLite -----------------------------------------------------

    def _run(self) -> None:
        """El hilo entero: guarda hasta que le piden terminar o se detiene, y lo avisa."""
        try:
            self._writer()
        finally:
            _call_soon(self._loop, _resolve, self._finished)  # close() deja de esperar.

    def _writer(self) -> None:
        """El bucle del hilo: espera mensajes y los guarda, todos los que haya, de una vez."""
        running = True
        while running:
            batch = [self._queue.get()]
            while True:  # Lo que llegó mientras guardábamos lo anterior va en este commit.
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            if None in batch:
                running = False
                batch = batch[: batch.index(None)]
            if batch and not self._commit(batch):  # type: ignore[arg-type]
                running = False  # Un fallo inesperado: _commit ya avisó al loop.
            # Mientras espera el siguiente, el hilo no debe retener este lote: sus
            # mensajes apuntan a las conexiones, que así no se podrían liberar.
            del batch
        self._db.close()

    def _commit(self, batch: list[Pending | PendingOrder]) -> bool:
        """Guarda un lote en una transacción; False si el hilo debe detenerse."""
        loop = self._loop  # Un log sirve a un solo event loop.
        numbers = dict(self._next)
        done: list[tuple[Stored, Author] | PendingOrder] = []  # En el orden del lote.
        stored: list[Stored] = []
        try:
            for item in batch:
                if isinstance(item, PendingOrder):
                    order = item.order
                    if order.action == "clear":  # Hasta el último guardado, también de este lote.
                        order = order._replace(seq=numbers.get(order.room, 0))
                    done.append(PendingOrder(order, item.done))
                    continue
                seq = numbers.get(item.room, 0) + 1
                numbers[item.room] = seq
                stored.append(item.numbered(seq))
                done.append((stored[-1], item.author))
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany(
                    "INSERT INTO messages (room, seq, sender, cid, frame) VALUES (?, ?, ?, ?, ?)",
                    stored,
                )
                for item in done:
                    if isinstance(item, PendingOrder):
                        self._save_order(item.order)
                # Solo se guardan los últimos history_size de cada sala.
                self._db.executemany(
                    "DELETE FROM messages WHERE room = ? AND seq <= ?",
                    [
                        (room, numbers[room] - self.history_size)
                        for room in {s.room for s in stored}
                    ],
                )
                self._db.execute("COMMIT")  # Con synchronous=FULL: ya está en el disco.
                self.commits += 1
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        except (sqlite3.Error, ValueError) as error:
            # Disco lleno, archivo borrado... Los números no se gastan: el cliente
            # recibe un error y su página lo reintentará.
            log.error("No se pudo guardar en %s: %s", self.path, error)
            for pending in batch:
                if isinstance(pending, PendingOrder):
                    _call_soon(loop, pending.done, None)
                else:
                    _call_soon(loop, self._not_stored, pending, error)
            return True
        except Exception as error:
            # Otro fallo (en encode, por ejemplo) es un error de programación: el
            # hilo se detiene y el loop lo dice, en vez de morir en silencio.
            _call_soon(loop, self._died, error, batch)
            return False
        self._next = numbers
        _call_soon(loop, self._deliver, done)
        return True

    def _save_order(self, order: Order) -> None:
        """Lo que guarda de una orden de la profesora (en el hilo, dentro de la transacción)."""
        db, room = self._db, order.room
        if order.action == "delete":
            # La fila se queda (el número no tiene hueco), pero sin el texto: para siempre.
            frame = tombstone(self.epoch, room, order.seq)
            db.execute(
                "UPDATE messages SET frame = ?, deleted = 1 WHERE room = ? AND seq = ?",
                (frame, room, order.seq),
            )
        elif order.action == "clear":
            db.execute("DELETE FROM messages WHERE room = ? AND seq <= ?", (room, order.seq))
            db.execute(SAVE_CLEARED, (room, order.seq))
        elif order.action == "lock":
            db.execute(SAVE_LOCKED, (room, int(order.locked)))
        elif order.action == "slow":
            db.execute(SAVE_SLOW, (room, order.slow))


def _call_soon(loop: asyncio.AbstractEventLoop, callback: Any, *args: Any) -> None:
    """Pide al event loop que ejecute ``callback``: el hilo nunca toca el chat."""
    # Si el loop ya terminó (el servidor se apagó), no hay nadie a quien avisar:
    # lo guardado, guardado está.
    with contextlib.suppress(RuntimeError):
        loop.call_soon_threadsafe(callback, *args)


def _resolve(finished: asyncio.Future[None]) -> None:
    if not finished.done():
        finished.set_result(None)


def open_database(path: str) -> sqlite3.Connection:
    """Abre (o crea) la base de datos del chat, en exclusiva; si no se puede, lo explica."""
    hint = "Elige otro archivo con --db=RUTA (o --db=:memory: para no guardar nada)."
    if path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    try:
        # isolation_level=None: las transacciones las abrimos y cerramos nosotros.
        db = sqlite3.connect(path, timeout=0.2, isolation_level=None, check_same_thread=False)
    except sqlite3.Error as error:
        raise UnusableDatabase(f"Error: no se puede abrir {path}: {error}. {hint}") from None
    try:
        # Exclusivo: desde la primera escritura, ningún otro proceso puede abrirla.
        db.execute("PRAGMA locking_mode = EXCLUSIVE")
        # WAL: un commit escribe al final de un diario en vez de reescribir páginas.
        db.execute("PRAGMA journal_mode = WAL")
        # FULL: COMMIT no vuelve hasta que el disco confirma. Así el «ack» es verdad.
        db.execute("PRAGMA synchronous = FULL")
        # Lo que se borra se sobrescribe con ceros: un mensaje que borra la profesora no
        # se queda escondido en el archivo, donde otro programa aún podría leerlo.
        db.execute("PRAGMA secure_delete = ON")
        tables = db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()
        application_id = db.execute("PRAGMA application_id").fetchone()[0]
        if tables[0] and application_id != APPLICATION_ID:
            raise UnusableDatabase(
                f"Error: {path} es una base de datos SQLite de otro programa; no la toco. {hint}"
            )
        # BEGIN IMMEDIATE toma el archivo en exclusiva; el epoch se crea una sola
        # vez, con la base de datos, y no cambia mientras exista.
        db.executescript(
            f"BEGIN IMMEDIATE; PRAGMA application_id = {APPLICATION_ID}; {SCHEMA}"
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('epoch', lower(hex(randomblob(4))));"
            "COMMIT;"
        )
        add_sender_column(db)  # Una base de datos de antes se pone al día aquí mismo.
        add_deleted_column(db)
    except UnusableDatabase:
        db.close()
        raise
    except sqlite3.Error as error:
        db.close()
        if "locked" in str(error) or "busy" in str(error):
            reason = f"{path} la está usando otro servidor del chat"
        elif "not a database" in str(error):
            reason = f"{path} no es una base de datos SQLite"
        else:
            reason = f"no se puede usar {path}: {error}"
        raise UnusableDatabase(f"Error: {reason}. {hint}") from None
    return db


def add_sender_column(db: sqlite3.Connection) -> None:
    """Pone al día una base de datos de antes de la columna ``sender``, sin perder nada.

    Antes, un reintento se reconocía solo por su ``cid`` en toda la sala, y dos
    estudiantes que elegían el mismo perdían un mensaje. Ahora se reconoce por
    remitente y ``cid``, y el remitente hay que guardarlo. Una base de datos de antes
    (un ``datos/chat.sqlite3`` de otra clase) no tiene esa columna: se añade aquí, en
    el mismo archivo, para no perder su historial ni su epoch. ``ADD COLUMN`` no
    reescribe la tabla: es instantáneo aunque haya miles de mensajes.
    """
    columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
    if "sender" not in columns:
        # Los mensajes de antes quedan con sender NULL: no se sabe quién los envió, así
        # que un reintento de uno de ellos ya no se reconocería. Solo puede pasarle a un
        # mensaje que iba de camino justo cuando se actualizó el servidor.
        db.execute("ALTER TABLE messages ADD COLUMN sender TEXT")


def add_deleted_column(db: sqlite3.Connection) -> None:
    """Pone al día una base de datos de antes de la columna ``deleted`` (issue 21).

    Como ``add_sender_column()``: los mensajes de antes quedan sin borrar (0), y la
    tabla ``rooms`` ya la creó el esquema (``CREATE TABLE IF NOT EXISTS``).
    """
    columns = {row[1] for row in db.execute("PRAGMA table_info(messages)")}
    if "deleted" not in columns:
        db.execute("ALTER TABLE messages ADD COLUMN deleted INTEGER NOT NULL DEFAULT 0")
