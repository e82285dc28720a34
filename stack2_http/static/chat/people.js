// Quién está en línea y tu apodo (lección 11). La lista llega entera en el welcome;
// después, cada join, leave o nick la cambia (el servidor no repite la lista).
// People es la dueña de la columna «En línea» y del formulario del apodo.

import { local, readText, writeText } from "./storage.js";

// El apodo es tuyo en todas las salas: una sola clave, sin el nombre de la sala.
const NICK_KEY = "chat2.nick";

// «Ana (10.0.0.7:51234)», o solo la identidad si aún no tiene apodo.
export function nameOf(who, nick) {
  return nick ? nick + " (" + who + ")" : who;
}

export class People {
  // parts: los elementos de la página que son suyos (list, count, me, myNick, form, input).
  constructor(parts, connection, messages) {
    this.parts = parts;
    this.connection = connection;
    this.messages = messages;
    // Quién está en línea: identidad → {item, nick}. La identidad es la clave porque
    // no cambia mientras dura la conexión; el apodo, sí.
    this.people = new Map();
    // El apodo que queremos (el guardado): va en la dirección al conectar (?nick=).
    this.wanted = readText(local, NICK_KEY);
    parts.form.addEventListener("submit", (event) => this.chooseNick(event));
    this.showMyNick(null);
    if (this.wanted) {
      parts.input.value = this.wanted;
    }
  }

  // Con un apodo guardado, entramos ya con él: así nuestro «join» lo lleva.
  params() {
    return this.wanted ? { nick: this.wanted } : {};
  }

  get size() {
    return this.people.size;
  }

  has(who) {
    return this.people.has(who);
  }

  // El apodo de alguien según nuestra lista: null si no tiene o si ya no está.
  nickOf(who) {
    const person = this.people.get(who);
    return person ? person.nick : null;
  }

  // Tu apodo tal como lo ve la sala: el que aceptó el servidor, no el que pediste.
  myNick() {
    return this.nickOf(this.connection.me);
  }

  welcome(event) {
    this.parts.me.textContent = event.you;
    this.show(event.online);
    this.showMyNick(this.myNick());
  }

  // Sin conexión no sabemos quién sigue ahí: mejor una lista vacía que una vieja.
  disconnected() {
    this.parts.me.textContent = "—";
    this.show([]);
  }

  // La lista rehecha desde cero: la del welcome, o vacía al perder la conexión.
  show(list) {
    this.people.clear();
    this.parts.list.replaceChildren();
    list.forEach((person) => this.add(person));
    this.parts.count.textContent = String(this.people.size);
  }

  // Alguien más, al final de la lista (el orden es el de llegada). Un join de
  // alguien que ya está (repetido al reconectar) no lo duplica.
  add(person) {
    if (this.people.has(person.who)) {
      return;
    }
    const item = document.createElement("li");
    this.people.set(person.who, { item: item, nick: person.nick || null });
    this.fill(person.who);
    this.parts.list.append(item);
    this.parts.count.textContent = String(this.people.size);
  }

  // Cada persona de la lista (menos tú) es un botón: pulsarlo abre un privado con
  // ella (eso lo escucha private.js, que reconoce el botón por su data-who).
  fill(who) {
    const { item, nick } = this.people.get(who);
    const label = nick ? nick + " · " + who : who;
    if (who === this.connection.me) {
      item.className = "mine";
      item.textContent = label + " (tú)";
      return;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "person";
    button.dataset.who = who;
    button.textContent = label;
    button.title = "Escribir en privado";
    button.setAttribute("aria-label", "Escribir en privado a " + label);
    item.replaceChildren(button);
  }

  remove(who) {
    const person = this.people.get(who);
    if (person) {
      person.item.remove();
      this.people.delete(who);
    }
    this.parts.count.textContent = String(this.people.size);
  }

  renamed(event) {
    // El apodo de antes, para poder decir «Ana (…) ahora se llama Luisa».
    const before = this.nickOf(event.who);
    const person = this.people.get(event.who);
    if (person) {
      person.nick = event.nick;
      this.fill(event.who);
    }
    // nick: null llega cuando el servidor devuelve a alguien a no tener apodo (con
    // varios procesos, si otro dio ese apodo en el mismo instante: lección 12).
    if (event.who === this.connection.me) {
      this.showMyNick(event.nick);
      this.messages.addNotice(event.nick ? "Ahora te llamas " + event.nick + "." : "Ahora no tienes apodo.");
    } else if (event.nick) {
      this.messages.addNotice(nameOf(event.who, before) + " ahora se llama " + event.nick + ".");
    } else {
      this.messages.addNotice(nameOf(event.who, before) + " ya no tiene apodo.");
    }
  }

  // Se guarda al pedirlo; la lista solo cambia cuando el servidor contesta: un «nick»
  // a toda la sala si lo acepta, o un error solo a ti si está ocupado o no vale.
  chooseNick(event) {
    event.preventDefault();
    const nick = this.parts.input.value.trim();
    if (!nick) {
      return;
    }
    this.wanted = nick;
    writeText(local, NICK_KEY, nick);
    if (this.connection.ready()) {
      this.connection.send({ type: "nick", nick: nick });
    }
    // Sin conexión, se enviará al volver (va en la dirección, ?nick=).
  }

  showMyNick(nick) {
    this.parts.myNick.textContent = nick || "sin apodo";
    // Si estás escribiendo en la caja del apodo, no te la cambiamos bajo los dedos.
    if (nick && document.activeElement !== this.parts.input) {
      this.parts.input.value = nick;
    }
  }
}
