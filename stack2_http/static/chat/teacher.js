// La profesora (lección 14): sus controles y lo que ve cada cual cuando modera.
//
// Quién es la profesora lo decide el servidor al abrir el WebSocket, con la cookie
// firmada que le dio /profe; la página solo lo lee en el welcome (role) y enseña o
// no los botones. Esconderlos no protege nada: el servidor comprueba cada orden, y
// a un estudiante que se fabrique el botón le contesta con un error «forbidden».
// Moderation es la dueña del panel de la profesora y de la línea del estado de la sala.

// Lo que hacen los botones: el servidor admite otros valores (lección 14), la página
// ofrece los de una clase normal.
const SLOW_SECONDS = 10;
const MUTE_MINUTES = 5;
const KICK_MINUTES = 10;
// Cada cuánto se rehace la cuenta atrás del silencio.
const TICK_MS = 1000;

const LOCKED_TEXT = "La sala está bloqueada: solo la profesora puede escribir.";
const LOCKED_TEACHER = "Sala bloqueada: solo tú puedes escribir.";

function slowText(seconds) {
  return "Sala en modo lento: un mensaje cada " + seconds + " s.";
}

function slowTeacher(seconds) {
  return "Modo lento: cada estudiante, un mensaje cada " + seconds + " s.";
}

// «quedan 4 min», y en el último minuto los segundos: la cuenta se ve bajar.
function leftText(seconds) {
  return seconds >= 60 ? "quedan " + Math.ceil(seconds / 60) + " min" : "quedan " + seconds + " s";
}

export class Moderation {
  // parts: el panel (panel, lock, slow, clear), la línea de estado (state) y las
  // listas donde van los controles (messages, online).
  constructor(parts, connection, messages, people) {
    this.parts = parts;
    this.connection = connection;
    this.messages = messages;
    this.people = people;
    this.teacher = false; // Solo lo cambia el welcome.
    this.state = { locked: false, slow: 0 };
    this.mutedUntil = 0; // performance.now() en que acaba tu silencio (0: sin silencio).
    this.ticker = null;
    // Los controles de cada mensaje y de cada persona los crean estas dos funciones
    // (render.js y people.js las llaman al pintar cada fila).
    messages.decorate = (item) => this.addDelete(item);
    people.decorate = (item, who, teacher) => this.addMenu(item, who, teacher);
    // Un escuchador por lista, no uno por botón: las filas van y vienen.
    parts.messages.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-delete]");
      if (button !== null) {
        this.order({ type: "delete", seq: Number(button.dataset.delete) });
      }
    });
    parts.online.addEventListener("click", (event) => {
      const button = event.target.closest("button[data-action]");
      if (button !== null) {
        button.closest("details").open = false;
        this.person(button.dataset.action, button.dataset.target);
      }
    });
    parts.lock.addEventListener("click", () => this.order({ type: "lock", locked: !this.state.locked }));
    parts.slow.addEventListener("click", () =>
      this.order({ type: "slow", seconds: this.state.slow > 0 ? 0 : SLOW_SECONDS }),
    );
    parts.clear.addEventListener("click", () => {
      // Vaciar no tiene vuelta atrás: se pregunta antes.
      if (window.confirm("¿Vaciar la sala? Sus mensajes se borran para todos, también del historial.")) {
        this.order({ type: "clear" });
      }
    });
  }

  // El welcome dice quién eres, cómo está la sala y si sigues en silencio. Va antes
  // que la lista y el historial: así cada fila nace ya con sus controles.
  welcome(event) {
    this.teacher = event.role === "teacher";
    document.body.dataset.role = this.teacher ? "teacher" : "student";
    this.parts.panel.hidden = !this.teacher;
    // Lo que ya estaba pintado (de antes de recargar) gana o pierde sus botones.
    this.parts.messages.querySelectorAll("button[data-delete]").forEach((button) => button.remove());
    this.parts.messages.querySelectorAll("li.message[data-seq]").forEach((item) => this.addDelete(item));
    this.state = { locked: false, slow: 0, ...event.room_state };
    this.muted(event.muted || 0);
  }

  // Una orden de la profesora. Sin conexión no se guarda para luego: se dice.
  order(event) {
    if (!this.connection.ready()) {
      this.messages.addNotice("Sin conexión: la orden no se envió. Inténtalo al volver.", "error");
      return;
    }
    this.connection.send(event);
  }

  person(action, who) {
    if (action === "unmute") {
      this.order({ type: "unmute", who: who });
    } else {
      this.order({ type: action, who: who, minutes: action === "mute" ? MUTE_MINUTES : KICK_MINUTES });
    }
  }

  // El botón de borrar de cada mensaje, solo en la página de la profesora.
  addDelete(item) {
    if (!this.teacher || item.querySelector("button[data-delete]") !== null) {
      return;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "delete";
    button.dataset.delete = item.dataset.seq;
    button.textContent = "Borrar";
    button.setAttribute("aria-label", "Borrar el mensaje " + item.dataset.seq);
    item.querySelector(".meta").append(" ", button);
  }

  // El menú de cada persona (un <details>: se abre y se cierra sin JavaScript). A otra
  // profesora no se la silencia ni se la expulsa: el servidor tampoco lo aceptaría.
  addMenu(item, who, teacher) {
    if (!this.teacher || teacher) {
      return;
    }
    const menu = document.createElement("details");
    menu.className = "moderate";
    const summary = document.createElement("summary");
    summary.textContent = "Moderar";
    summary.setAttribute("aria-label", "Moderar a " + who);
    const actions = document.createElement("div");
    actions.className = "moderate-actions";
    const choices = [
      ["mute", "Silenciar " + MUTE_MINUTES + " min"],
      ["unmute", "Quitar el silencio"],
      ["kick", "Expulsar " + KICK_MINUTES + " min"],
    ];
    for (const [action, label] of choices) {
      const button = document.createElement("button");
      button.type = "button";
      button.dataset.action = action;
      button.dataset.target = who; // data-who no: private.js abriría un privado.
      button.textContent = label;
      actions.append(button);
    }
    menu.append(summary, actions);
    item.append(menu);
  }

  // La sala cambió («room_state»: bloqueada, modo lento). main.js reparte los eventos.
  roomState(event) {
    const before = this.state;
    this.state = { locked: event.locked, slow: event.slow };
    // A la profesora ya se lo dice su confirmación («moderated»); a los demás, la
    // conversación les cuenta qué cambió y cuándo. La línea de estado dice cómo está.
    if (!this.teacher && event.locked !== before.locked) {
      this.messages.addNotice(event.locked ? LOCKED_TEXT : "La sala ya no está bloqueada.", "moderation");
    }
    if (!this.teacher && event.slow !== before.slow) {
      this.messages.addNotice(event.slow > 0 ? slowText(event.slow) : "Se acabó el modo lento.", "moderation");
    }
    this.showState();
  }

  // El evento «muted», a ti: la profesora te silenció (wait: segundos) o te quitó el
  // silencio (wait: 0). Se dice en la conversación y la cuenta atrás lo recuerda.
  mutedLive(event) {
    if (event.wait > 0) {
      this.messages.addNotice("Te ha silenciado la profesora: " + leftText(event.wait) + ".", "moderation");
    } else if (this.mutedUntil > 0) {
      this.messages.addNotice("La profesora te ha quitado el silencio: ya puedes escribir.", "moderation");
    }
    this.muted(event.wait);
  }

  // Silencio durante «wait» segundos (0: ninguno), con su cuenta atrás.
  muted(wait) {
    this.mutedUntil = wait > 0 ? performance.now() + wait * 1000 : 0;
    clearInterval(this.ticker);
    this.ticker = wait > 0 ? setInterval(() => this.tick(), TICK_MS) : null;
    this.showState();
  }

  // Un error «muted» trae también lo que queda: la cuenta se pone al día.
  refused(event) {
    if (event.code === "muted" && event.wait > 0) {
      this.muted(event.wait);
    }
  }

  // El silencio se acaba solo: el servidor no avisa, la cuenta atrás llega a cero.
  tick() {
    if (this.mutedUntil > 0 && performance.now() >= this.mutedUntil) {
      this.mutedUntil = 0;
      clearInterval(this.ticker);
      this.ticker = null;
      this.messages.addNotice("Se acabó el silencio: ya puedes escribir.", "moderation");
    }
    this.showState();
  }

  // La confirmación de una orden de la profesora: su texto, tal como lo escribe el servidor.
  confirmed(event) {
    this.messages.addNotice(event.text, "moderation");
  }

  // La línea encima de la caja: cómo está la sala ahora (y tu silencio, si lo hay).
  showState() {
    const lines = [];
    if (this.state.locked) {
      lines.push(this.teacher ? LOCKED_TEACHER : LOCKED_TEXT);
    }
    if (this.state.slow > 0) {
      lines.push(this.teacher ? slowTeacher(this.state.slow) : slowText(this.state.slow));
    }
    const left = Math.ceil((this.mutedUntil - performance.now()) / 1000);
    if (this.mutedUntil > 0 && left > 0) {
      lines.push("Te ha silenciado la profesora: " + leftText(left) + ".");
    }
    this.parts.state.textContent = lines.join(" ");
    this.parts.state.hidden = lines.length === 0;
    // Los botones de la profesora dicen lo que harían ahora (y se ven rellenos si lo que
    // controlan está en marcha: data-on, en chat.css).
    this.parts.lock.textContent = this.state.locked ? "Desbloquear la sala" : "Bloquear la sala";
    this.parts.lock.dataset.on = String(this.state.locked);
    this.parts.slow.textContent =
      this.state.slow > 0 ? "Quitar el modo lento" : "Modo lento (" + SLOW_SECONDS + " s)";
    this.parts.slow.dataset.on = String(this.state.slow > 0);
  }
}
