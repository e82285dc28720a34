// Cliente del Stack 2: se conecta al WebSocket del mismo servidor que sirvió
// la página, muestra los eventos del protocolo JSON y se reconecta solo.
"use strict";

(function () {
  const messages = document.getElementById("messages");
  const status = document.getElementById("status");
  const composer = document.getElementById("composer");
  const input = document.getElementById("text");
  const sendButton = document.getElementById("send");
  const online = document.getElementById("online");
  const onlineCount = document.getElementById("online-count");
  const meLabel = document.getElementById("me");

  // Reintentos: la espera se duplica (0,5 s, 1 s, 2 s… hasta 15 s) y se le
  // suma azar, para que treinta portátiles no reconecten todos a la vez.
  const RETRY_BASE_MS = 500;
  const RETRY_MAX_MS = 15000;

  let socket = null;
  let me = null;
  // Quién está en línea: nombre → su <li>. Llega entera en el welcome; después,
  // cada join o leave añade o quita una persona (el servidor no repite la lista).
  const people = new Map();
  let attempts = 0;
  let retryTimer = null;

  // La dirección sale de la propia página: el mismo servidor y puerto,
  // y wss: si la página llegó por https:. Nunca una IP escrita a mano.
  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + "/ws";
  }

  function connect() {
    retryTimer = null;
    if (socket && socket.readyState <= WebSocket.OPEN) {
      return; // Ya hay una conexión abierta o abriéndose: nunca dos a la vez.
    }
    setStatus("connecting", "Conectando…");
    socket = new WebSocket(socketUrl());
    socket.addEventListener("open", () => {
      attempts = 0;
      setStatus("online", "Conectado");
      setComposerEnabled(true);
    });
    socket.addEventListener("message", (event) => handleEvent(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      socket = null;
      setComposerEnabled(false);
      if (me !== null) {
        addNotice("Se perdió la conexión" + (event.reason ? ": " + event.reason : "") + ".", "warning");
      }
      me = null;
      // Sin conexión no sabemos quién sigue ahí: mejor una lista vacía que una vieja.
      meLabel.textContent = "—";
      showOnline([]);
      scheduleReconnect();
    });
  }

  function scheduleReconnect() {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** attempts);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    attempts += 1;
    setStatus("offline", "Sin conexión · reintento en " + Math.ceil(delay / 1000) + " s");
    retryTimer = setTimeout(connect, delay);
  }

  // Si el sistema avisa de que vuelve la red, no hace falta esperar al temporizador.
  window.addEventListener("online", () => {
    if (retryTimer !== null) {
      clearTimeout(retryTimer);
      connect();
    }
  });

  function handleEvent(event) {
    switch (event.type) {
      case "welcome":
        me = event.you;
        meLabel.textContent = me;
        addNotice("Te has unido al chat como " + me + ".");
        showOnline(event.online);
        break;
      case "message":
        addMessage(event);
        break;
      case "join":
        addNotice(event.who + " se ha unido.");
        addPerson(event.who);
        break;
      case "leave":
        addNotice(event.who + " ha salido.");
        removePerson(event.who);
        break;
      case "error":
        addNotice(event.text, "error");
        break;
      case "status":
        showServerStatus(event);
        break;
      default:
        console.warn("Evento desconocido", event);
    }
  }

  // Todo el texto que viene de otros usuarios entra con textContent, nunca
  // con innerHTML: así un «<script>» se ve como texto y no se ejecuta.
  function addMessage(event) {
    const item = document.createElement("li");
    item.className = event.from === me ? "message mine" : "message";
    const meta = document.createElement("div");
    meta.className = "meta";
    const sender = document.createElement("span");
    sender.className = "from";
    sender.textContent = "[" + event.from + "]";
    meta.append(sender);
    if (event.from === me) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "tú";
      meta.append(" ", badge);
    }
    const time = document.createElement("time");
    time.dateTime = event.time;
    time.textContent = new Date(event.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    meta.append(" ", time);
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = event.text;
    item.append(meta, text);
    append(item);
  }

  function addNotice(text, kind) {
    const item = document.createElement("li");
    item.className = "notice" + (kind ? " " + kind : "");
    item.textContent = text;
    append(item);
  }

  function append(item) {
    // Solo bajamos hasta el final si el usuario ya estaba abajo del todo.
    const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    messages.append(item);
    if (atBottom) {
      messages.scrollTop = messages.scrollHeight;
    }
  }

  function showOnline(names) {
    people.clear();
    online.replaceChildren();
    names.forEach(addPerson);
    onlineCount.textContent = String(people.size);
  }

  function addPerson(name) {
    if (people.has(name)) {
      return;
    }
    const item = document.createElement("li");
    item.textContent = name === me ? name + " (tú)" : name;
    if (name === me) {
      item.className = "mine";
    }
    people.set(name, item);
    online.append(item);
    onlineCount.textContent = String(people.size);
  }

  function removePerson(name) {
    const item = people.get(name);
    if (item) {
      item.remove();
      people.delete(name);
    }
    onlineCount.textContent = String(people.size);
  }

  function setStatus(state, text) {
    status.dataset.state = state;
    status.textContent = text;
  }

  // Con --redis, el servidor avisa si perdió Redis (degraded: true) o si volvió.
  // La conexión sigue abierta: los mensajes enviados mientras tanto reciben un
  // error «unavailable» con su cid y esperan a reintentarse.
  function showServerStatus(event) {
    addNotice(event.text, event.degraded ? "error" : undefined);
    setStatus(event.degraded ? "connecting" : "online", event.text);
  }

  function setComposerEnabled(enabled) {
    input.disabled = !enabled;
    sendButton.disabled = !enabled;
    if (enabled) {
      input.focus();
    }
  }

  composer.addEventListener("submit", (event) => {
    event.preventDefault(); // Que el formulario no recargue la página.
    const text = input.value.trim();
    if (text && socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "message", text: text }));
      input.value = "";
    }
  });

  connect();
})();
