// Cómo se pinta la conversación: cada fila de la lista de mensajes se construye
// con createElement, y el texto de otros entra siempre por textContent (lección 7).
// MessageList es la dueña de la lista <ol id="messages">: solo ella coloca filas.

// Lo que ve cada cual de un mensaje que borró la profesora (lección 14).
export const DELETED_TEXT = "La profesora ha borrado un mensaje.";

// La insignia «profe» junto a quien tiene el papel de profesora: la pone el servidor
// ("teacher": true en el mensaje o en la lista), nunca un apodo elegido.
export function teacherBadge() {
  const badge = document.createElement("span");
  badge.className = "badge teacher";
  badge.textContent = "profe";
  badge.title = "La profesora de esta sala";
  return badge;
}

// Todo el texto que viene de otros usuarios entra con textContent, nunca
// con innerHTML: así un «<script>» se ve como texto y no se ejecuta.
export function fillMessage(item, event, mine) {
  // Su número y su historia: así se encuentra la fila si la profesora la borra.
  item.dataset.seq = String(event.seq);
  item.dataset.epoch = event.epoch;
  if (event.deleted) {
    // Borrado (el servidor guarda solo el hueco, sin texto ni firma): una línea en su sitio.
    item.className = "notice deleted";
    item.textContent = DELETED_TEXT;
    return;
  }
  item.className = mine ? "message mine" : "message";
  const meta = document.createElement("div");
  meta.className = "meta";
  if (event.nick) {
    const nick = document.createElement("strong");
    nick.className = "nick";
    nick.textContent = event.nick;
    meta.append(nick, " ");
  }
  // La identidad IP:puerto siempre se ve: un apodo se elige, la identidad no. La de
  // otro es un botón: pulsarlo abre un privado (private.js), aunque no quepa en la
  // lista «En línea» (en una sala de más de 100, solo salen las 100 primeras).
  const sender = document.createElement(mine ? "span" : "button");
  sender.className = "from";
  sender.textContent = "[" + event.from + "]";
  if (!mine) {
    sender.type = "button";
    sender.dataset.who = event.from;
    sender.dataset.nick = event.nick || "";
    sender.title = "Escribir en privado";
  }
  meta.append(sender);
  if (event.teacher) {
    meta.append(" ", teacherBadge());
  }
  if (mine) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = "tú";
    meta.append(" ", badge);
  }
  meta.append(" ", timeOf(event.time));
  item.replaceChildren(meta, textOf(event.text));
}

// Un privado: en vez de quién lo firma, una etiqueta que dice de quién y para quién.
export function privateRow(event, label, mine) {
  const item = document.createElement("li");
  item.className = mine ? "message private mine" : "message private";
  const meta = document.createElement("div");
  meta.className = "meta";
  const tag = document.createElement("span");
  tag.className = "private-label";
  tag.textContent = label;
  meta.append(tag);
  if (event.teacher) {
    meta.append(" ", teacherBadge());
  }
  meta.append(" ", timeOf(event.time));
  item.replaceChildren(meta, textOf(event.text));
  return item;
}

// Un mensaje nuestro sin confirmar: se ve al instante; su estado lo pone setRowState.
// Con el ack, fillMessage rellena esta misma fila: no salta ni cambia de sitio.
export function pendingRow(text) {
  const item = document.createElement("li");
  item.className = "message mine pending";
  item.replaceChildren(document.createElement("div"), textOf(text));
  item.firstChild.className = "meta";
  return item;
}

// «enviando…», «pendiente…» o «No se envió: …», en lugar de quién y cuándo.
export function setRowState(item, text) {
  const state = document.createElement("span");
  state.className = "state";
  state.textContent = text;
  item.querySelector(".meta").replaceChildren(state);
}

function textOf(content) {
  const text = document.createElement("p");
  text.className = "text";
  text.textContent = content;
  return text;
}

// La hora (del servidor) en la forma local de quien lee: «14:05».
function timeOf(iso) {
  const time = document.createElement("time");
  time.dateTime = iso;
  time.textContent = new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return time;
}

// La dueña de la lista: avisos y mensajes entran por aquí, en su sitio.
export class MessageList {
  constructor(list) {
    this.list = list;
    // Quien quiera añadir algo a cada mensaje con número (los controles de la
    // profesora, teacher.js) pone aquí una función: se llama con cada fila colocada.
    this.decorate = null;
  }

  // Un aviso de la propia página («Se perdió la conexión», «Te has unido…»).
  addNotice(text, kind) {
    const item = document.createElement("li");
    item.className = "notice" + (kind ? " " + kind : "");
    item.textContent = text;
    this.place(item);
  }

  // Las filas pendientes van siempre al final, en el orden en que se escribieron;
  // todo lo demás (mensajes con número, avisos) entra justo encima de ellas.
  // Como los mensajes llegan en orden de seq, la lista queda en ese orden.
  place(item, atEnd) {
    const list = this.list;
    if (this.decorate !== null && item.classList.contains("message") && item.dataset.seq) {
      this.decorate(item);
    }
    // Solo bajamos hasta el final si el usuario ya estaba abajo del todo.
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    const firstPending = atEnd ? null : list.querySelector("li.pending");
    const below =
      firstPending !== null &&
      item.isConnected &&
      firstPending.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING;
    if (firstPending !== null && (!item.isConnected || below)) {
      list.insertBefore(item, firstPending);
    } else if (!item.isConnected) {
      list.append(item);
    }
    if (atBottom) {
      this.scrollToEnd();
    }
  }

  // Las filas con número de una historia (epoch): mensajes y huecos de mensajes borrados.
  rowsOf(epoch) {
    return Array.from(this.list.querySelectorAll("li[data-seq]")).filter((item) => item.dataset.epoch === epoch);
  }

  // Abajo del todo: lo más nuevo a la vista.
  scrollToEnd() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
