// La conversación vista (lección 10): de qué historia (epoch) y hasta qué número
// (seq) hemos pintado. Con esos dos datos ningún mensaje se pinta dos veces, y un
// hueco nunca pasa en silencio: se pide lo que falta o se dice que falta.

import { DELETED_TEXT, fillMessage } from "./render.js";
import { readJson, session, writeJson } from "./storage.js";

// Cuántos mensajes recordamos para volver a pintarlos al recargar la página.
const KEPT_MESSAGES = 100;

export class Conversation {
  constructor(room, messages, outbox, connection, people, notifier) {
    // La conversación vista (epoch, último seq y los últimos mensajes) se guarda en
    // sessionStorage: es de esta pestaña. Al recargar se pinta al instante, incluso
    // sin red, y al conectar se pide solo lo que falta (since) en vez de descargar
    // otra vez los últimos 50. Otra pestaña empieza limpia y pide los últimos 50.
    // La clave lleva la sala: cada una recuerda lo suyo (sus seq no tienen nada que ver).
    this.viewKey = "chat2.view." + room;
    this.messages = messages;
    this.outbox = outbox;
    this.connection = connection;
    this.people = people;
    this.notifier = notifier;
    // La historia que estamos viendo y el último número que hemos pintado en orden.
    this.epoch = null;
    this.lastSeq = 0;
    // «epoch:seq» de cada mensaje ya pintado: lo que llegue repetido se ignora.
    this.shown = new Set();
    // Lo que se guarda en sessionStorage: {event, mine} en el orden de la pantalla.
    this.kept = [];
  }

  // Si ya vimos mensajes, pedimos retomar: «desde el lastSeq de este epoch».
  params() {
    return this.epoch === null ? {} : { since: String(this.lastSeq), epoch: this.epoch };
  }

  welcome(event) {
    // recovered: false = no se pudo retomar. Nunca en silencio: una marca visible
    // dice que aquí faltan mensajes, y debajo van los últimos que guarda el servidor.
    if (event.recovered === false) {
      this.messages.addNotice(missedText(event), "gap");
    }
    // Con recovered: true, history es exactamente lo que nos perdimos, en orden.
    event.history.forEach((message) => this.showMessage(message));
    this.epoch = event.epoch;
    this.lastSeq = event.seq; // El historial llega hasta el último mensaje de la sala.
    // Lo que la profesora borró o vació mientras no estábamos (lección 14): lo que
    // esta pestaña ya tenía pintado de antes también se va.
    this.erase(event.deleted || []);
    if (this.clearUpTo(event.cleared || 0) > 0) {
      this.messages.addNotice("La profesora vació la sala mientras no estabas.");
    }
    this.save();
  }

  // La profesora borró estos mensajes: cada fila pasa a decir «borrado», y la copia
  // de esta pestaña (sessionStorage) tampoco guarda ya su texto.
  erase(seqs) {
    const gone = new Set(seqs);
    for (const item of this.messages.rowsOf(this.epoch)) {
      if (gone.has(Number(item.dataset.seq))) {
        item.className = "notice deleted";
        item.textContent = DELETED_TEXT;
      }
    }
    this.kept = this.kept.map((entry) =>
      entry.event.epoch === this.epoch && gone.has(entry.event.seq)
        ? { event: { seq: entry.event.seq, epoch: entry.event.epoch, deleted: true }, mine: false }
        : entry,
    );
    this.save();
  }

  // La profesora vació la sala hasta el número seq: esas filas desaparecen. Devuelve
  // cuántas quitó (una pestaña que no tenía ninguna no tiene nada que avisar).
  clearUpTo(seq) {
    const rows = this.messages.rowsOf(this.epoch).filter((item) => Number(item.dataset.seq) <= seq);
    rows.forEach((item) => item.remove());
    this.kept = this.kept.filter((entry) => entry.event.epoch !== this.epoch || entry.event.seq > seq);
    this.save();
    return rows.length;
  }

  // Un mensaje en directo. Si su número no es el siguiente al último que vimos
  // (llega el 8 tras el 6), algo se perdió por el camino: en vez de pintar una
  // conversación coja, reconectamos con since y el servidor nos da lo que falta.
  receiveLive(event) {
    if (event.epoch !== this.epoch || event.seq > this.lastSeq + 1) {
      this.resync();
      return;
    }
    if (event.seq <= this.lastSeq) {
      return; // Ya lo teníamos.
    }
    const isNew = !this.shown.has(event.epoch + ":" + event.seq);
    this.showMessage(event);
    this.lastSeq = event.seq;
    this.save();
    if (isNew && event.from !== this.connection.me) {
      this.notifier.attention(event, false);
    }
  }

  resync() {
    if (this.connection.reopen()) {
      this.messages.addNotice("Faltaba un mensaje: reconectando para recuperarlo…", "warning");
    }
  }

  // El servidor ya guardó nuestro mensaje: la fila «enviando…» pasa a ser un
  // mensaje normal. Su «message» llegará justo después y se ignorará (mismo seq).
  acknowledged(event) {
    const sent = this.outbox.claim(event.cid);
    if (sent === null) {
      return;
    }
    const delivered = {
      seq: event.seq,
      epoch: this.epoch,
      from: this.connection.me,
      nick: this.people.myNick(),
      text: sent.text,
      time: new Date().toISOString(),
      cid: event.cid,
    };
    this.shown.add(this.epoch + ":" + event.seq);
    fillMessage(sent.row, delivered, true);
    this.messages.place(sent.row);
    this.keep(delivered, true);
  }

  // Un mensaje con número. Si es uno nuestro que esperaba en la bandeja (mismo
  // cid), su fila «enviando…» se convierte en él: nunca aparece dos veces.
  showMessage(event) {
    const key = event.epoch + ":" + event.seq;
    if (this.shown.has(key)) {
      return;
    }
    this.shown.add(key);
    // Ya está guardado: si esperaba en la bandeja, sale de ella y no se reenvía.
    const sent = event.cid === undefined ? null : this.outbox.claim(event.cid);
    const mine = sent !== null || event.from === this.connection.me;
    const item = sent !== null ? sent.row : document.createElement("li");
    fillMessage(item, event, mine);
    this.messages.place(item);
    this.keep(event, mine);
  }

  keep(event, mine) {
    this.kept.push({ event: event, mine: mine });
    if (this.kept.length > KEPT_MESSAGES) {
      this.kept = this.kept.slice(-KEPT_MESSAGES);
    }
    this.save();
  }

  save() {
    if (this.epoch !== null) {
      writeJson(session, this.viewKey, { epoch: this.epoch, seq: this.lastSeq, items: this.kept });
    }
  }

  // Al cargar la página: lo que esta pestaña ya había visto, pintado sin esperar a la red.
  restore() {
    const view = readJson(session, this.viewKey);
    if (!view || typeof view.epoch !== "string" || !Number.isInteger(view.seq) || !Array.isArray(view.items)) {
      return;
    }
    this.epoch = view.epoch;
    this.lastSeq = view.seq;
    for (const { event, mine } of view.items) {
      if (event && (typeof event.text === "string" || event.deleted === true)) {
        this.shown.add(event.epoch + ":" + event.seq);
        const item = document.createElement("li");
        fillMessage(item, event, mine === true);
        this.messages.place(item);
        this.kept.push({ event: event, mine: mine === true });
      }
    }
  }
}

function missedText(event) {
  const count = event.history.length;
  const latest = count === 1 ? "el último" : "los últimos " + count;
  if (event.reason === "epoch_changed") {
    // El servidor perdió su historial (otra base de datos, o --db=:memory: al
    // reiniciar): los números de antes no significan nada en la historia nueva.
    return "El historial del servidor se borró y empezó de nuevo: lo de arriba ya no está en él" +
      (count ? "; mostramos " + latest + " de la historia nueva." : ".");
  }
  if (event.reason === "unavailable") {
    // Con varios procesos, el servidor no pudo llegar a Redis y no sabe si la historia
    // que conocemos sigue existiendo: no dice «no te perdiste nada» sin comprobarlo.
    return "El servidor no pudo comprobar si te perdiste mensajes (perdió la conexión con " +
      "su base de datos): quizá falte alguno aquí" + (count ? "; mostramos " + latest + "." : ".");
  }
  return "Te perdiste mensajes: mostramos " + latest + ".";
}
