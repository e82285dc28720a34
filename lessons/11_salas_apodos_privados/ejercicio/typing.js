// «Está escribiendo…» (lección 11): avisar a la sala mientras escribes y mostrar
// quién más escribe. No se guarda ni lleva seq: si se pierde uno, no pasa nada.

// Se envía como mucho uno cada 2 s, y el aviso se borra si en 5 s no llega
// otro (se cansó, o cerró la pestaña sin escribir nada).
const TYPING_EVERY_MS = 2000;
const TYPING_SHOWN_MS = 5000;

export class Typing {
  constructor(line, composer, connection, privateChat) {
    this.line = line;
    this.composer = composer;
    this.connection = connection;
    this.privateChat = privateChat;
    // Quién está escribiendo: identidad → {timer que borra su aviso, nombre}.
    this.typers = new Map();
    this.sentAt = -Infinity;
    composer.input.addEventListener("input", () => this.typed());
  }

  // Cada tecla llega aquí, pero al servidor solo un aviso cada 2 s: teclear deprisa
  // no inunda la sala ni gasta el cupo del control de inundación. Lo que escribes
  // en privado no se anuncia a la sala, y borrar la caja no cuenta como escribir.
  typed() {
    const now = performance.now();
    if (this.privateChat.active() || !this.composer.text() || !this.connection.ready()) {
      return;
    }
    // TODO: si el último aviso salió hace menos de TYPING_EVERY_MS, no envíes otro;
    // si sale, apunta en this.sentAt cuándo salió (now).
    this.connection.send({ type: "typing" });
  }

  // Cada aviso vuelve a empezar su cuenta atrás: mientras siga escribiendo, se ve.
  start(event) {
    this.stop(event.who, true);
    // TODO: un temporizador que borre el aviso (this.stop(event.who)) a los
    // TYPING_SHOWN_MS. Guárdalo en timer: el aviso siguiente lo cancela (la línea de arriba).
    const timer = null;
    this.typers.set(event.who, { timer: timer, name: event.nick || event.who });
    this.show();
  }

  // Quien envía un mensaje o se va deja de escribir. quiet: sin repintar (start repinta).
  stop(who, quiet) {
    const typer = this.typers.get(who);
    if (typer) {
      clearTimeout(typer.timer);
      this.typers.delete(who);
    }
    if (!quiet) {
      this.show();
    }
  }

  // Sin conexión no sabemos quién sigue escribiendo: se borra todo.
  clear() {
    this.typers.forEach((typer) => clearTimeout(typer.timer));
    this.typers.clear();
    this.show();
  }

  // Con tres nombres o más la línea se haría larga: basta con «varias personas».
  show() {
    const names = Array.from(this.typers.values(), (typer) => typer.name);
    if (names.length === 0) {
      this.line.textContent = "";
    } else if (names.length === 1) {
      this.line.textContent = names[0] + " está escribiendo…";
    } else if (names.length === 2) {
      // TODO: los dos nombres en una frase: «Ana y Luis están escribiendo…».
      this.line.textContent = "";
    } else {
      this.line.textContent = "Varias personas están escribiendo…";
    }
  }
}
