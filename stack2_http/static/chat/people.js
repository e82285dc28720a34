// Quién está en línea y tu apodo (lección 11). La lista llega en el welcome; después,
// cada join, leave o nick la cambia (el servidor no repite la lista).
// En una sala grande (más de 100: stack2_http/roster.py), el welcome trae solo las 100
// primeras y la cuenta (count); después llegan «count» (cuántos hay, no quién) y, si
// vuelve a ser pequeña, «people» con la lista entera. La lista dice «y N más».
// People es la dueña de la columna «En línea» y del formulario del apodo.

import { teacherBadge } from "./render.js";
import { local, readText, writeText } from "./storage.js";

// El apodo es tuyo en todas las salas: una sola clave, sin el nombre de la sala.
const NICK_KEY = "chat2.nick";

// «Ana (10.0.0.7:51234)», o solo la identidad si aún no tiene apodo.
export function nameOf(who, nick) {
  return nick ? nick + " (" + who + ")" : who;
}

export class People {
  // parts: los elementos de la página que son suyos (list, more, count, me, myNick, form, input).
  constructor(parts, connection, messages) {
    this.parts = parts;
    this.connection = connection;
    this.messages = messages;
    // Quién está en línea: identidad → {item, nick}. La identidad es la clave porque
    // no cambia mientras dura la conexión; el apodo, sí.
    this.people = new Map();
    // Cuántos hay en la sala: en una sala grande, más de los que tiene la lista.
    this.total = 0;
    // Tu apodo, el que aceptó el servidor (en una sala grande quizá no estás en la lista).
    this.mine = null;
    // El apodo que queremos (el guardado): va en la dirección al conectar (?nick=).
    this.wanted = readText(local, NICK_KEY);
    // Quien quiera añadir algo a cada persona de la lista (el menú de la profesora,
    // teacher.js) pone aquí una función: se llama con (fila, identidad, ¿es profesora?).
    this.decorate = null;
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

  // Cuántos hay en tu sala (también los que no caben en la lista).
  get size() {
    return this.total;
  }

  has(who) {
    return this.people.has(who);
  }

  // ¿Puede estar en la sala? Si la lista está completa, solo quien está en ella; en
  // una sala grande, cualquiera (un privado a quien ya se fue recibe un not_found).
  mayBeHere(who) {
    return this.people.has(who) || this.total > this.people.size;
  }

  // El apodo de alguien según nuestra lista: null si no tiene o si ya no está.
  nickOf(who) {
    const person = this.people.get(who);
    return person ? person.nick : null;
  }

  // Tu apodo tal como lo ve la sala: el que aceptó el servidor, no el que pediste.
  myNick() {
    return this.mine;
  }

  welcome(event) {
    this.parts.me.textContent = event.you;
    this.mine = event.nick || null;
    this.show(event.online, event.count);
    this.showMyNick(this.mine);
  }

  // Sin conexión no sabemos quién sigue ahí: mejor una lista vacía que una vieja.
  disconnected() {
    this.parts.me.textContent = "—";
    this.show([], 0);
  }

  // La lista rehecha desde cero: la del welcome o la de «people», o vacía sin conexión.
  show(list, count) {
    this.people.clear();
    this.parts.list.replaceChildren();
    list.forEach((person) => this.add(person));
    this.counted(count);
  }

  // Alguien más, al final de la lista (el orden es el de llegada). Un join de
  // alguien que ya está (repetido al reconectar) no lo duplica. count: los que hay.
  add(person, count) {
    if (!this.people.has(person.who)) {
      const item = document.createElement("li");
      // teacher: lo dice el servidor ("teacher": true), que sabe quién entró con la cookie.
      this.people.set(person.who, { item: item, nick: person.nick || null, teacher: person.teacher === true });
      this.fill(person.who);
      this.parts.list.append(item);
    }
    this.counted(count);
  }

  // Cuántos hay: el número de arriba, y «y N más» si la lista no los tiene a todos.
  // Manda la cuenta del servidor: en una sala grande, la lista es la de cuando
  // entraste y alguno de ella quizá ya se fue. Sin count, los de la lista.
  counted(count) {
    this.total = count ?? this.people.size;
    this.parts.count.textContent = String(this.total);
    const more = Math.max(0, this.total - this.people.size);
    this.parts.more.hidden = more === 0;
    this.parts.more.textContent = more === 0 ? "" : "y " + more + " más";
  }

  // Cada persona de la lista (menos tú) es un botón: pulsarlo abre un privado con
  // ella (eso lo escucha private.js, que reconoce el botón por su data-who).
  fill(who) {
    const { item, nick, teacher } = this.people.get(who);
    const label = nick ? nick + " · " + who : who;
    if (who === this.connection.me) {
      item.className = "mine";
      item.textContent = label + " (tú)";
      if (teacher) {
        item.append(" ", teacherBadge());
      }
      return;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "person";
    button.dataset.who = who;
    button.textContent = label;
    button.title = "Escribir en privado";
    button.setAttribute("aria-label", "Escribir en privado a " + label);
    if (teacher) {
      button.append(" ", teacherBadge()); // Dentro del botón: en la misma línea que su nombre.
    }
    item.replaceChildren(button);
    if (this.decorate !== null) {
      this.decorate(item, who, teacher);
    }
  }

  // ¿Es la profesora? (Lo que dijo el servidor en la lista; false si no está en ella.)
  isTeacher(who) {
    const person = this.people.get(who);
    return person ? person.teacher : false;
  }

  remove(who, count) {
    const person = this.people.get(who);
    if (person) {
      person.item.remove();
      this.people.delete(who);
    }
    this.counted(count);
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
      this.mine = event.nick;
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
