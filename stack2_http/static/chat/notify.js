// Avisos con la pestaña en segundo plano (lección 11): el título cuenta lo no leído
// y, si te nombran o es un privado, el navegador avisa (si le diste permiso).
// Notifier es el dueño del título de la página y del botón «Avisarme si me nombran».

import { nameOf } from "./people.js";

// Como mucho una notificación del navegador cada 5 s: avisar, no acosar.
const NOTIFY_EVERY_MS = 5000;

export class Notifier {
  constructor(room, button, people) {
    this.room = room;
    this.button = button;
    this.people = people;
    this.title = "Chat · " + room;
    // Lo no leído con la pestaña en segundo plano, y cuándo avisamos por última vez.
    this.unread = 0;
    this.notifiedAt = -Infinity;
    this.notification = null;
    document.title = this.title;
    this.showState();
    // El permiso lo pide el botón: el navegador solo deja pedirlo tras un clic.
    button.addEventListener("click", async () => {
      await Notification.requestPermission();
      this.showState();
    });
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        this.seen();
      }
    });
  }

  // Un mensaje de otra persona con la pestaña escondida: el título lo cuenta y, si
  // te nombra o es un privado, el navegador avisa (si le diste permiso).
  attention(event, isPrivate) {
    if (!document.hidden) {
      return;
    }
    this.unread += 1;
    document.title = "(" + this.unread + ") " + this.title;
    if (isPrivate || this.mentionsMe(event.text)) {
      this.notify(event, isPrivate);
    }
  }

  // Sin apodo no hay forma de nombrarte; con él, da igual en mayúsculas o minúsculas.
  mentionsMe(text) {
    const nick = this.people.myNick();
    return Boolean(nick) && text.toLocaleLowerCase().includes(nick.toLocaleLowerCase());
  }

  notify(event, isPrivate) {
    const now = performance.now();
    if (!("Notification" in window) || Notification.permission !== "granted" || now - this.notifiedAt < NOTIFY_EVERY_MS) {
      return;
    }
    this.notifiedAt = now;
    const from = nameOf(event.from, event.nick);
    const title = isPrivate ? "Privado de " + from : from + " te nombra en «" + this.room + "»";
    // El texto de la notificación lo pinta el sistema como texto: nunca como HTML.
    // tag: una notificación nueva de esta sala sustituye a la anterior, no se apila.
    this.notification = new Notification(title, { body: event.text.slice(0, 200), tag: "chat2-" + this.room });
  }

  // Vuelves a la pestaña: ya lo has visto todo, y la notificación sobra.
  seen() {
    this.unread = 0;
    document.title = this.title;
    if (this.notification !== null) {
      this.notification.close();
      this.notification = null;
    }
  }

  // El permiso solo se puede pedir al pulsar algo: nunca al cargar la página.
  showState() {
    if (!("Notification" in window)) {
      this.button.hidden = true;
      return;
    }
    const granted = Notification.permission === "granted";
    this.button.disabled = granted || Notification.permission === "denied";
    this.button.textContent = granted
      ? "Avisos activados"
      : Notification.permission === "denied"
        ? "Avisos bloqueados en este navegador"
        : "Avisarme si me nombran";
  }
}
