// Mensajes privados (lección 11): pulsar a alguien de la lista, o quién firma un
// mensaje, abre un privado con esa persona (en una sala de más de 100, no todos caben
// en la lista). Un privado no pasa por la bandeja: no se guarda en el servidor ni
// tiene seq, así que sin conexión no hay a quién dárselo (y quizá esa persona ya se fue).

import { nameOf } from "./people.js";
import { privateRow } from "./render.js";

export class PrivateChat {
  // parts: la barra «Privado para…» (bar, to, cancel) y dónde se pulsa a alguien
  // (lists: la lista de personas y la de mensajes).
  constructor(parts, people, connection, messages, composer, notifier) {
    this.parts = parts;
    this.people = people;
    this.connection = connection;
    this.messages = messages;
    this.composer = composer;
    this.notifier = notifier;
    // A quién escribimos en privado (su identidad), o null si escribimos a la sala,
    // y su apodo tal como lo vimos (quien no está en la lista no tiene otro).
    this.who = null;
    this.nick = null;
    // Un solo escuchador en cada lista: los botones de las personas se crean y se
    // borran cada dos por tres; la lista se queda. data-who dice de quién es cada uno
    // (y data-nick, en un mensaje, con qué apodo lo firmó).
    for (const list of parts.lists) {
      list.addEventListener("click", (event) => {
        const button = event.target.closest("button[data-who]");
        if (button !== null && button.dataset.who !== this.connection.me) {
          this.start(button.dataset.who, button.dataset.nick || null);
        }
      });
    }
    parts.cancel.addEventListener("click", () => {
      this.end();
      this.composer.focus();
    });
  }

  active() {
    return this.who !== null;
  }

  // La barra y el color de la caja dicen, mientras dure, que esto no va a la sala.
  start(who, nick) {
    this.who = who;
    this.nick = nick;
    this.showBar();
    this.composer.focus();
  }

  // Su apodo según la lista; si no está en ella (una sala grande), el que vimos.
  nickOf(who) {
    return this.people.has(who) || who !== this.who ? this.people.nickOf(who) : this.nick;
  }

  showBar() {
    this.parts.to.textContent = "Privado para " + nameOf(this.who, this.nickOf(this.who));
    this.parts.bar.hidden = false;
    this.composer.showPrivate();
  }

  end() {
    this.who = null;
    this.nick = null;
    this.parts.bar.hidden = true;
    this.composer.endPrivate(this.connection.ready());
  }

  // La lista de personas se rehízo (welcome, people o sin conexión): ¿sigue ahí la
  // nuestra? En una sala grande puede estar aunque no salga en la lista.
  checkOnline() {
    if (this.who !== null && !this.people.mayBeHere(this.who)) {
      this.end();
    }
  }

  // Alguien cambió de apodo: si es con quien hablamos, la barra lo dice.
  renamed(who) {
    if (who === this.who) {
      this.showBar();
    }
  }

  // Alguien sale de la sala (se llama antes de quitarlo de la lista: aún sabemos su apodo).
  left(who) {
    if (who === this.who) {
      this.messages.addNotice(nameOf(who, this.nickOf(who)) + " se fue: el privado se cierra.", "warning");
      this.end();
    }
  }

  // El servidor lo entrega solo a esa persona y a ti (lección 6: el evento private).
  send(text) {
    if (!this.connection.ready()) {
      this.messages.addNotice("Sin conexión: el mensaje privado no se envió. Inténtalo al volver.", "error");
      return;
    }
    this.connection.send({ type: "private", to: this.who, text: text });
    this.composer.clear();
  }

  // Lo que enviamos vuelve también a nosotros: así sabemos que llegó.
  receive(event) {
    const mine = event.from === this.connection.me;
    const label = mine
      ? "Privado para " + nameOf(event.to, this.nickOf(event.to))
      : "Privado de " + nameOf(event.from, event.nick) + " para ti";
    this.messages.place(privateRow(event, label, mine));
    if (!mine) {
      this.notifier.attention(event, true);
    }
  }
}
