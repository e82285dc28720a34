// La caja donde escribes (lecciones 10 y 11): qué dice cuando hay conexión, cuando
// no la hay y cuando escribes en privado. Adónde va lo escrito lo decide main.js.

const ONLINE = "Escribe un mensaje…";
const OFFLINE = "Sin conexión: lo que escribas se enviará al volver…";
const PRIVATE = "Mensaje privado: solo lo verá esa persona…";

export class Composer {
  constructor(form, input) {
    this.form = form;
    this.input = input;
  }

  // Lo escrito sin espacios a los lados ("" si no hay nada que enviar).
  text() {
    return this.input.value.trim();
  }

  // Tras enviar. A la sala se borra aunque no haya conexión: ya está a salvo en la bandeja.
  clear() {
    this.input.value = "";
  }

  showOnline() {
    this.input.placeholder = ONLINE;
  }

  // Sin conexión se puede seguir escribiendo: el mensaje espera en la bandeja.
  showOffline() {
    this.input.placeholder = OFFLINE;
  }

  // El formulario cambia de aspecto para que no se te escape un privado a la sala.
  showPrivate() {
    this.form.classList.add("private");
    this.input.placeholder = PRIVATE;
  }

  // Se vuelve a la sala: el texto de ayuda depende de si hay conexión.
  endPrivate(online) {
    this.form.classList.remove("private");
    this.input.placeholder = online ? ONLINE : OFFLINE;
  }

  focus() {
    this.input.focus();
  }

  // El foco va a la caja si nadie lo tiene ya (no se lo robamos a otro control).
  focusIfFree() {
    if (document.activeElement === null || document.activeElement === document.body) {
      this.input.focus();
    }
  }
}
