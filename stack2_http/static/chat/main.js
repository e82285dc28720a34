// Cliente del Stack 2: se conecta al WebSocket del mismo servidor que sirvió
// la página, muestra los eventos del protocolo JSON y se reconecta solo.
// Este es el punto de entrada (lecciones 4 y 6): aquí solo se crean las piezas
// y se conectan entre sí; lo que hace cada una está en su módulo.
//
// Y no pierde nada (lección 10):
// * Lo que escribes pasa por una «bandeja de salida» guardada en el navegador
//   hasta que el servidor confirma que ya lo guardó (ack). Sin red, espera ahí.
// * Cada mensaje del servidor lleva un número (seq) dentro de una historia
//   (epoch). Al reconectar, la página dice «lo último que vi fue el 41 de esta
//   historia» y el servidor le envía solo lo que se perdió.
// * Con esos dos datos (epoch + seq) ningún mensaje se pinta dos veces.
//
// Y tiene salas, apodos, «está escribiendo…» y privados (lección 11), y una
// profesora que modera (lección 14): sus controles y sus avisos están en teacher.js.
//
// Cada pieza es dueña de una parte del estado y recibe en el constructor las
// piezas que usa, como un handler de Tornado en initialize():
// * MessageList (render.js): la lista de mensajes. Composer: la caja de escribir.
// * Connection: el WebSocket, los reintentos, el estado y quiénes somos (me).
// * People: quién está en línea y tu apodo. Notifier: el título y los avisos.
// * RoomList: la lista de salas. PrivateChat: con quién hablas en privado.
// * Typing: quién está escribiendo. Outbox: lo que aún no ha confirmado el servidor.
// * Conversation: qué historia (epoch) y hasta qué número (seq) hemos visto.
// * Moderation: los controles de la profesora y el estado de la sala (bloqueada, lenta).
//
// Los módulos (type="module") ya van en modo estricto y no comparten variables:
// lo que una pieza necesita de otra, lo pide con import o por el constructor.

import { Composer } from "./composer.js";
import { Connection } from "./connection.js";
import { Conversation } from "./conversation.js";
import { Notifier } from "./notify.js";
import { Outbox } from "./outbox.js";
import { nameOf, People } from "./people.js";
import { PrivateChat } from "./private.js";
import { MessageList } from "./render.js";
import { RoomList } from "./rooms.js";
import { Moderation } from "./teacher.js";
import { Typing } from "./typing.js";

// Cada elemento de la página se le da a una sola pieza: la que lo cambia.
const byId = (id) => document.getElementById(id);

// La sala sale de la dirección (/sala/clase); el servidor ya comprobó que el nombre
// es válido y lo escribió en <body data-room>. Todo lo que se guarda en el
// navegador lleva su nombre (menos el apodo y la llave, que son tuyos en todas).
const room = document.body.dataset.room || "general";

// En este orden porque cada una usa alguna de las de antes. Connection no conoce a
// ninguna: lo que pasa en el socket se lo cuenta a las cuatro funciones de abajo.
const messages = new MessageList(byId("messages"));
const composer = new Composer(byId("composer"), byId("text"));
const connection = new Connection(room, byId("status"), messages, {
  params: socketParams,
  opened: connected,
  received: handleEvent,
  closed: disconnected,
});
const people = new People(
  {
    list: byId("online"),
    more: byId("online-more"),
    count: byId("online-count"),
    me: byId("me"),
    myNick: byId("my-nick"),
    form: byId("nick-form"),
    input: byId("nick"),
  },
  connection,
  messages,
);
const notifier = new Notifier(room, byId("notify"), people);
const rooms = new RoomList(room, { list: byId("rooms"), form: byId("room-form"), input: byId("room-name") }, people);
const privateChat = new PrivateChat(
  {
    bar: byId("private-bar"),
    to: byId("private-to"),
    cancel: byId("private-cancel"),
    // Dónde se pulsa a alguien: en la lista o, si no cabe en ella, en un mensaje suyo.
    lists: [byId("online"), byId("messages")],
  },
  people,
  connection,
  messages,
  composer,
  notifier,
);
const typing = new Typing(byId("typing"), composer, connection, privateChat);
const outbox = new Outbox(room, messages, connection);
const conversation = new Conversation(room, messages, outbox, connection, people, notifier);
const moderation = new Moderation(
  {
    panel: byId("teacher-panel"),
    lock: byId("lock"),
    slow: byId("slow"),
    clear: byId("clear"),
    state: byId("room-state"),
    messages: byId("messages"),
    online: byId("online"),
  },
  connection,
  messages,
  people,
);

// Lo que va en la dirección del WebSocket al (re)conectar, además de la llave:
// desde dónde retomar (since, epoch) y con qué apodo entrar (nick).
function socketParams() {
  return { ...conversation.params(), ...people.params() };
}

function connected() {
  composer.focusIfFree();
}

// Cada evento del servidor, a la pieza que se ocupa de él (el protocolo, en la lección 6).
// Un tipo desconocido no rompe nada: se anota en la consola y se sigue.
function handleEvent(event) {
  switch (event.type) {
    case "welcome":
      welcome(event);
      break;
    case "message":
      typing.stop(event.from); // Quien envía un mensaje ya no está escribiendo.
      conversation.receiveLive(event);
      break;
    case "ack":
      conversation.acknowledged(event);
      outbox.pump(); // Confirmado uno, sale el siguiente: de uno en uno y en orden.
      break;
    case "join":
      messages.addNotice(nameOf(event.who, event.nick) + (event.teacher ? " (profe)" : "") + " se ha unido.");
      people.add(event, event.count);
      break;
    case "leave":
      messages.addNotice(nameOf(event.who, event.nick) + " ha salido.");
      typing.stop(event.who);
      privateChat.left(event.who); // Antes de quitarlo de la lista: aún sabe su apodo.
      people.remove(event.who, event.count);
      break;
    case "count":
      // Una sala grande (más de 100): cuántos hay, no quién entra o sale.
      people.counted(event.count);
      break;
    case "people":
      // La sala grande vuelve a ser pequeña: la lista entera, y desde ahora cada cambio.
      people.show(event.online, event.count);
      privateChat.checkOnline();
      break;
    case "nick":
      people.renamed(event);
      privateChat.renamed(event.who);
      break;
    case "typing":
      typing.start(event);
      break;
    case "private":
      typing.stop(event.from);
      privateChat.receive(event);
      break;
    case "deleted":
      conversation.erase([event.seq]);
      break;
    case "cleared":
      conversation.clearUpTo(event.seq);
      messages.addNotice("La profesora ha vaciado la sala.", "moderation");
      break;
    case "room_state":
      moderation.roomState(event);
      break;
    case "muted":
      moderation.mutedLive(event);
      break;
    case "moderated":
      moderation.confirmed(event);
      break;
    case "error":
      moderation.refused(event); // Un «muted» trae lo que te queda de silencio.
      // Si es de un mensaje nuestro (trae su cid), la bandeja sabe qué hacer con él.
      if (outbox.has(event.cid)) {
        outbox.refused(event);
      } else {
        messages.addNotice(event.text, "error");
      }
      break;
    case "status":
      connection.serverStatus(event);
      break;
    default:
      console.warn("Evento desconocido", event);
  }
}

// El primer evento de cada conexión: quién eres, quién está y lo que te perdiste.
function welcome(event) {
  composer.showOnline();
  messages.addNotice("Te has unido a la sala «" + room + "» como " + event.you + ".");
  moderation.welcome(event); // Antes que la lista y el historial: sus filas ya saben tu papel.
  people.welcome(event);
  privateChat.checkOnline(); // ¿Sigue en la sala aquella con quien hablabas?
  rooms.refresh();
  conversation.welcome(event);
  // Ahora sí sabemos qué guardó el servidor: lo pendiente ya puede salir.
  outbox.refreshRows();
  outbox.pump();
}

// Connection ya avisó y programó el reintento; aquí se limpia lo que ya no es verdad.
function disconnected() {
  outbox.disconnected();
  people.disconnected();
  privateChat.checkOnline();
  typing.clear();
  composer.showOffline();
}

// Enter en la caja: en privado si elegiste a alguien; si no, a la bandeja de la sala.
composer.form.addEventListener("submit", (event) => {
  event.preventDefault(); // Que el formulario no recargue la página.
  const text = composer.text();
  if (!text) {
    return;
  }
  if (privateChat.active()) {
    privateChat.send(text);
    return;
  }
  outbox.add(text);
  composer.clear();
});

// Primero lo que esta pestaña ya había visto y lo que quedó sin enviar (se pinta
// al instante, incluso sin red); después, la conexión.
conversation.restore();
outbox.load();
connection.connect();
