// Inspector de frames: «Ver frames» abre un panel con cada frame que sale y que llega.
//
// Envuelve window.WebSocket antes de que la página lo use: cada socket nuevo apunta su
// apertura, sus send(), sus mensajes y su cierre. La página no cambia ni una línea.
// Los ping y pong no aparecen: el navegador los contesta por su cuenta y JavaScript
// nunca los ve. El Stack 1 lleva una copia de este archivo dentro de cliente.html.
(function () {
  "use strict";

  const MAX_ROWS = 200; // Los más antiguos se borran: el panel no crece sin fin.
  const Native = window.WebSocket;
  const encoder = new TextEncoder();

  // El panel y su botón, creados con createElement: nada de HTML escrito a mano.
  const toggle = document.createElement("button");
  toggle.type = "button";
  toggle.className = "inspector-toggle";
  toggle.textContent = "Ver frames";
  toggle.setAttribute("aria-expanded", "false");
  toggle.setAttribute("aria-controls", "inspector");

  const panel = document.createElement("section");
  panel.id = "inspector";
  panel.className = "inspector";
  panel.hidden = true;
  panel.setAttribute("aria-labelledby", "inspector-title");

  const title = document.createElement("h2");
  title.id = "inspector-title";
  title.textContent = "Frames del WebSocket";
  const note = document.createElement("p");
  note.className = "inspector-note";
  note.textContent =
    "→ sale de esta página, ← llega del servidor. Los ping y pong no salen aquí: " +
    "los responde el navegador sin que JavaScript los vea.";
  const list = document.createElement("ol");
  list.className = "inspector-list";
  list.setAttribute("aria-label", "Frames, del más antiguo al más nuevo");
  panel.append(title, note, list);

  toggle.addEventListener("click", () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", String(open));
    toggle.textContent = open ? "Ocultar frames" : "Ver frames";
  });

  function mount() {
    document.body.append(toggle, panel);
  }
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);

  function clock() {
    const now = new Date();
    const pad = (n, width) => String(n).padStart(width || 2, "0");
    return `${pad(now.getHours())}:${pad(now.getMinutes())}:${pad(now.getSeconds())}.` +
      pad(now.getMilliseconds(), 3);
  }

  // El texto tal cual; si es JSON (el Stack 2), con sangría para que se lea.
  function pretty(text) {
    try {
      const value = JSON.parse(text);
      if (value !== null && typeof value === "object") return JSON.stringify(value, null, 2);
    } catch (error) {
      // No es JSON: el Stack 1 envía texto sin más.
    }
    return text;
  }

  function record(direction, kind, data) {
    const item = document.createElement("li");
    item.className = `inspector-row inspector-${kind}`;
    item.dataset.direction = direction;
    const head = document.createElement("p");
    head.className = "inspector-head";
    const arrow = { out: "→ sale", in: "← llega", event: "• aviso" }[direction];
    let size = "";
    if (typeof data === "string" && kind === "text") {
      const bytes = encoder.encode(data).length;
      size = ` · ${bytes} ${bytes === 1 ? "byte" : "bytes"}`;
    }
    head.textContent = `${arrow} · ${clock()}${size}`;
    const body = document.createElement("pre");
    body.className = "inspector-body";
    body.textContent = kind === "text" ? pretty(data) : data;
    item.append(head, body);
    list.append(item);
    while (list.children.length > MAX_ROWS) list.firstElementChild.remove();
  }

  function describe(data) {
    if (typeof data === "string") return ["text", data];
    const size = data.byteLength !== undefined ? data.byteLength : data.size;
    return ["binary", `(frame binario de ${size} bytes)`];
  }

  class InspectedWebSocket extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      this.addEventListener("open", () => record("event", "open", `Conexión abierta: ${url}`));
      this.addEventListener("message", (event) => record("in", ...describe(event.data)));
      this.addEventListener("error", () => record("event", "error", "Error de conexión"));
      this.addEventListener("close", (event) => {
        const reason = event.reason ? `, «${event.reason}»` : "";
        record("event", "close", `Cierre: código ${event.code}${reason}`);
      });
    }

    send(data) {
      super.send(data); // Si el socket no está abierto, lanza un error y no se apunta nada.
      record("out", ...describe(data));
    }
  }

  window.WebSocket = InspectedWebSocket;
})();
