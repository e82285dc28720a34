// La bandeja de salida (lección 10): lo que escribes se guarda en localStorage
// hasta que el servidor confirma que ya lo guardó (ack). Sin red, espera ahí;
// con red, sale en orden, de uno en uno y sin pasarse del ritmo del servidor.

import { pendingRow, setRowState } from "./render.js";
import { forget, keysStartingWith, local, readJson, writeJson } from "./storage.js";

// Ritmo de la bandeja: hasta 5 mensajes seguidos y luego 4 por segundo, por
// debajo del control de inundación del servidor (10 seguidos, 5 por segundo).
// Así, veinte mensajes escritos sin red no le llegan todos de golpe al volver.
const SEND_BURST = 5;
const SEND_RATE = 4;
// Cuánto esperamos cuando el servidor dice «ahora no» (too_fast, unavailable).
const RETRY_LATER_MS = 1000;

// Un identificador único para cada mensaje (cid). crypto.randomUUID() solo
// existe en un «contexto seguro» (https:// o localhost); una página abierta
// por http://192.168.… no lo tiene, pero sí crypto.getRandomValues().
function newCid() {
  if (typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

export class Outbox {
  constructor(room, messages, connection) {
    // Una clave por mensaje («chat2.outbox.» + sala + cid): sobrevive también a
    // cerrar la pestaña, y lo que quedó sin enviar se envía la próxima vez que
    // abras el chat. Lleva la sala: lo escrito en «clase» se envía a «clase».
    this.prefix = "chat2.outbox." + room + ".";
    this.messages = messages;
    this.connection = connection;
    // cid → {cid, text, at}, en el orden en que se escribieron (un Map
    // conserva el orden de inserción). rows: cid → su fila en la lista.
    this.entries = new Map();
    this.rows = new Map();
    this.inFlight = null; // El cid enviado que espera su ack: solo uno cada vez, en orden.
    this.timer = null; // Espera antes del próximo envío (ritmo o «ahora no»).
    this.tokens = SEND_BURST;
    this.tokensAt = performance.now();
    this.lastStamp = 0;
  }

  has(cid) {
    return this.entries.has(cid);
  }

  // Se puede escribir también sin conexión: el mensaje espera en la bandeja.
  add(text) {
    this.lastStamp = Math.max(Date.now(), this.lastStamp + 1); // Orden estricto aunque vayas rápido.
    const entry = { cid: newCid(), text: text, at: this.lastStamp };
    this.entries.set(entry.cid, entry);
    writeJson(local, this.prefix + entry.cid, entry);
    this.showPending(entry);
    this.pump();
  }

  // Lo que quedó sin enviar la última vez (otra recarga, la pestaña cerrada…).
  // Si había otra pestaña abierta, también lo reintentará: el servidor reconoce
  // el cid y lo publica una sola vez.
  load() {
    const entries = keysStartingWith(local, this.prefix)
      .map((key) => readJson(local, key))
      .filter((entry) => entry && typeof entry.cid === "string" && typeof entry.text === "string");
    entries.sort((a, b) => a.at - b.at);
    for (const entry of entries) {
      this.lastStamp = Math.max(this.lastStamp, entry.at);
      this.entries.set(entry.cid, entry);
      this.showPending(entry);
    }
  }

  // Envía el primero de la bandeja si se puede: con conexión, sin otro en vuelo
  // y sin pasarse del ritmo (un cubo de fichas, como el del servidor).
  pump() {
    if (this.timer !== null || this.inFlight !== null || !this.connection.ready() || this.entries.size === 0) {
      return;
    }
    const now = performance.now();
    this.tokens = Math.min(SEND_BURST, this.tokens + ((now - this.tokensAt) / 1000) * SEND_RATE);
    this.tokensAt = now;
    if (this.tokens < 1) {
      this.pumpLater(((1 - this.tokens) / SEND_RATE) * 1000);
      return;
    }
    this.tokens -= 1;
    const next = this.entries.values().next().value;
    this.inFlight = next.cid;
    this.connection.send({ type: "message", text: next.text, cid: next.cid });
  }

  pumpLater(delay) {
    this.timer = setTimeout(() => {
      this.timer = null;
      this.pump();
    }, delay);
  }

  stopTimer() {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  // El servidor ya guardó este mensaje nuestro (su ack, o el propio mensaje con su
  // cid): sale de la bandeja. Devuelve su texto y su fila «enviando…», o null.
  claim(cid) {
    if (this.inFlight === cid) {
      this.inFlight = null;
    }
    const entry = this.entries.get(cid);
    const row = this.rows.get(cid);
    if (entry === undefined || row === undefined) {
      return null;
    }
    this.settle(cid);
    return { text: entry.text, row: row };
  }

  // Un error de un mensaje nuestro: too_fast y unavailable significan «ahora no,
  // más tarde sí»; cualquier otro, que no se enviará nunca.
  refused(event) {
    if (this.inFlight === event.cid) {
      this.inFlight = null;
    }
    if (event.code === "slow_mode") {
      // Modo lento (lección 14): no es un «no», es un «todavía no». El mensaje espera
      // en su sitio los segundos que dice el servidor y sale solo.
      const wait = Math.max(1, event.wait || 0);
      const row = this.rows.get(event.cid);
      if (row) {
        setRowState(row, "modo lento: sale dentro de " + wait + " s");
      }
      this.stopTimer();
      this.pumpLater(wait * 1000);
      return;
    }
    if (event.code === "too_fast" || event.code === "unavailable") {
      // Sigue el primero de la cola: se reintenta después, sin adelantar a nadie.
      this.stopTimer();
      this.pumpLater(RETRY_LATER_MS);
      return;
    }
    const row = this.rows.get(event.cid);
    this.settle(event.cid);
    if (row) {
      row.className = "message mine failed";
      setRowState(row, "No se envió: " + event.text);
      this.messages.place(row);
    }
    this.pump();
  }

  // El mensaje ya no espera nada (guardado o rechazado): fuera de la bandeja.
  settle(cid) {
    this.entries.delete(cid);
    this.rows.delete(cid);
    forget(local, this.prefix + cid);
    if (this.inFlight === cid) {
      this.inFlight = null;
    }
  }

  // Lo que estaba en vuelo sin ack se reenviará (con el mismo cid) al volver:
  // si el servidor ya lo había guardado, lo reconocerá y no lo repetirá.
  disconnected() {
    this.inFlight = null;
    this.stopTimer();
    this.refreshRows();
  }

  showPending(entry) {
    const row = pendingRow(entry.text);
    setRowState(row, this.pendingText());
    this.rows.set(entry.cid, row);
    this.messages.place(row, true);
    // Lo que acabas de escribir siempre se ve, aunque estuvieras leyendo más arriba.
    this.messages.scrollToEnd();
  }

  pendingText() {
    return this.connection.ready() ? "enviando…" : "pendiente: se enviará al volver la conexión";
  }

  refreshRows() {
    this.rows.forEach((row) => setRowState(row, this.pendingText()));
  }
}
