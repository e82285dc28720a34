"""Lo que llega de otros procesos (con --redis) y pasa a los sockets de este.

Con un solo proceso, nada de esto ocurre: el hub ya entrega cada aviso a todos. Con
varios, cada proceso solo ve a su gente, y lo de los demás le llega por tres sitios:

* la presencia (common/processes/presence.py): quién entra, sale o cambia de apodo en
  otro proceso, y el apodo que Redis negó aquí porque otro proceso lo dio antes;
* el relé (common/processes/relay.py): «está escribiendo…» y privados, que no se guardan;
* el log (common/processes/log.py): si Redis cae o vuelve, y si vuelve vacío.

Los mensajes del chat no pasan por aquí: el log los entrega ya a todos los
procesos (``log.subscribe`` en ``make_app()``).
"""

from __future__ import annotations

from common.fanout.hub import Hub
from common.history.log import Log
from common.live.presence import Change, Presence
from common.live.relay import Relay, Relayed
from stack2_http import protocol
from stack2_http.roster import Roster


def connect_shared_events(
    hub: Hub, log: Log, presence: Presence, relay: Relay, roster: Roster
) -> None:
    """Lo que llega de fuera de este proceso (con --redis) pasa a los sockets de aquí."""

    def presence_changed(change: Change) -> None:
        # Como lo de este proceso: en una sala grande, la cuenta y no cada cambio.
        kind, room, who, nick = change.kind, change.room, change.who, change.nick
        if kind == "join":
            roster.joined(room, who, nick, change.count)
        elif kind == "leave":
            roster.left(room, who, nick, change.count)
        elif kind == "nick":
            roster.renamed(room, who, nick)  # Quien lo pidió está en otro proceso.
        elif kind == "refused":
            nick_refused(change)

    def nick_refused(change: Change) -> None:
        # Otro proceso dio ese apodo un instante antes y Redis decide. El apodo es
        # estado de la conexión: lo cambia su handler (ChatSocket.nick_refused).
        target = hub.find(change.who)
        if target is not None and change.asked is not None:
            target.nick_refused(change.asked, change.nick)  # type: ignore[attr-defined]

    def relayed(event: Relayed) -> None:
        if event.to is None:  # «Está escribiendo…»: a la sala.
            hub.broadcast(event.frame, room=event.room)
            return
        target = hub.find(event.to)  # Un privado: solo si esa persona está aquí.
        if target is not None and hub.room_of(target) == event.room:
            hub.send(target, event.frame)

    def status_changed(degraded: bool, text: str) -> None:
        hub.broadcast(protocol.status(degraded, text))

    def history_reset() -> None:
        # Redis volvió vacío: los números que tienen los clientes ya no valen. 1012
        # («service restart») les dice que vuelvan a conectar; al retomar reciben
        # recovered: false con reason "epoch_changed".
        hub.close_all(1012, "El historial se reinició: vuelve a conectar")

    presence.subscribe(presence_changed)
    relay.subscribe(relayed)
    log.on_status(status_changed)
    log.on_reset(history_reset)
