// La lista de salas con gente y el formulario para ir a otra (lección 11).
// La lista sale de /salas.json: no es parte de la conversación de ninguna sala,
// así que no viaja por el WebSocket. Cambiar de sala es cambiar de página.

// La lista se pide cada pocos segundos (solo con la pestaña a la vista).
const ROOMS_EVERY_MS = 3000;
// Lo mismo que acepta el servidor (stack2_http/rooms.py): así el error sale aquí, en español.
const ROOM_NAME = /^[a-z0-9_-]{1,32}$/;

export class RoomList {
  // parts: la lista (list) y el formulario «Ir a otra sala» (form, input).
  constructor(room, parts, people) {
    this.room = room;
    this.parts = parts;
    this.people = people;
    parts.form.addEventListener("submit", (event) => this.go(event));
    // El mensaje de error se borra en cuanto corriges el nombre.
    parts.input.addEventListener("input", () => parts.input.setCustomValidity(""));
    setInterval(() => this.refresh(), ROOMS_EVERY_MS);
    // Al volver a la pestaña, la lista se pone al día enseguida.
    document.addEventListener("visibilitychange", () => {
      if (!document.hidden) {
        this.refresh();
      }
    });
  }

  // Una pregunta HTTP normal, como pedir un archivo. no-store: siempre la lista de
  // ahora, nunca una copia que el navegador guardó.
  async refresh() {
    if (document.hidden) {
      return; // Nadie la mira: se pide otra vez al volver a la pestaña.
    }
    try {
      const response = await fetch("/salas.json", { cache: "no-store" });
      if (response.ok) {
        this.show((await response.json()).rooms);
      }
    } catch (error) {
      // Sin red: la lista se queda como estaba hasta el próximo intento.
    }
  }

  show(rooms) {
    if (!rooms.some((room) => room.name === this.room)) {
      rooms.push({ name: this.room, count: this.people.size }); // Tu sala siempre está.
    }
    this.parts.list.replaceChildren(...rooms.map((room) => this.row(room)));
  }

  // Un enlace por sala: «/» es la general y las demás, «/sala/<nombre>». aria-current
  // le dice a un lector de pantalla cuál es la tuya; el número se lee «3 personas».
  row(room) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.className = "room-link";
    link.href = room.name === "general" ? "/" : "/sala/" + room.name;
    link.textContent = room.name;
    if (room.name === this.room) {
      link.setAttribute("aria-current", "page");
    }
    const count = document.createElement("span");
    count.className = "count";
    count.textContent = String(room.count);
    count.setAttribute("aria-label", room.count === 1 ? "1 persona" : room.count + " personas");
    item.append(link, " ", count);
    return item;
  }

  // Otra sala es otra página: su propia conversación, su bandeja y su WebSocket.
  go(event) {
    event.preventDefault();
    const input = this.parts.input;
    const name = input.value.trim().toLowerCase();
    if (!ROOM_NAME.test(name)) {
      input.setCustomValidity("De 1 a 32 letras sin acentos, números, «-» o «_».");
      input.reportValidity();
      return;
    }
    location.href = name === "general" ? "/" : "/sala/" + name;
  }
}
