// Mensajes privados (lección 11): pulsar a alguien de la lista abre un privado con
// esa persona. Un privado no pasa por la bandeja: no se guarda en el servidor ni
// tiene seq, así que sin conexión no hay a quién dárselo (y quizá esa persona ya se fue).

import { nameOf } from "./people.js";
import { privateRow } from "./render.js";

export class PrivateChat {
  // parts: la barra «Privado para…» (bar, to, cancel) y la lista de personas (list).
  constructor(parts, people, connection, messages, composer, notifier) {
    this.parts = parts;
    this.people = people;
    this.connection = connection;
    this.messages = messages;
    this.composer = composer;
    this.notifier = notifier;
    // A quién escribimos en privado (su identidad), o null si escribimos a la sala.
    this.who = null;
    // Un solo escuchador en la lista: los botones de las personas se crean y se
    // borran cada dos por tres; la lista se queda. data-who dice de quién es cada uno.
    parts.list.addEventListener("click", (event) => {
      const button = event.target.closest("button.person");
      if (button !== null) {
        this.start(button.dataset.who);
      }
    });
    parts.cancel.addEventListener("click", () => {
      this.end();
      this.composer.focus();
    });
  }

  active() {
    return this.who !== null;
  }

  // La barra y el color de la caja dicen, mientras dure, que esto no va a la sala.
  start(who) {
    this.who = who;
    this.showBar();
    this.composer.focus();
  }

  showBar() {
    this.parts.to.textContent = "Privado para " + nameOf(this.who, this.people.nickOf(this.who));
    this.parts.bar.hidden = false;
    this.composer.showPrivate();
  }

  end() {
    this.who = null;
    this.parts.bar.hidden = true;
    this.composer.endPrivate(this.connection.ready());
  }

  // La lista de personas se rehízo (welcome, o sin conexión): ¿sigue ahí la nuestra?
  checkOnline() {
    if (this.who !== null && !this.people.has(this.who)) {
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
      this.messages.addNotice(nameOf(who, this.people.nickOf(who)) + " se fue: el privado se cierra.", "warning");
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
      ? "Privado para " + nameOf(event.to, this.people.nickOf(event.to))
      : "Privado de " + nameOf(event.from, event.nick) + " para ti";
    this.messages.place(privateRow(event, label, mine));
    if (!mine) {
      this.notifier.attention(event, true);
    }
  }
}
