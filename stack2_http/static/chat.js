// Cliente del Stack 2: se conecta al WebSocket del mismo servidor que sirvió
// la página, muestra los eventos del protocolo JSON y se reconecta solo.
//
// Y no pierde nada (lección 10):
// * Lo que escribes pasa por una «bandeja de salida» guardada en el navegador
//   hasta que el servidor confirma que ya lo guardó (ack). Sin red, espera ahí.
// * Cada mensaje del servidor lleva un número (seq) dentro de una historia
//   (epoch). Al reconectar, la página dice «lo último que vi fue el 41 de esta
//   historia» y el servidor le envía solo lo que se perdió.
// * Con esos dos datos (epoch + seq) ningún mensaje se pinta dos veces.
//
// Y tiene salas, apodos, «está escribiendo…» y privados (lección 11):
// * La sala sale de la dirección (/sala/clase); el servidor la escribe en
//   <body data-room>. Todo lo que se guarda en el navegador lleva su nombre.
// * El apodo se guarda en localStorage y se envía al conectar (?nick=).
// * Mientras la pestaña está en segundo plano, el título cuenta lo no leído.
"use strict";

(function () {
  const messages = document.getElementById("messages");
  const status = document.getElementById("status");
  const composer = document.getElementById("composer");
  const input = document.getElementById("text");
  const online = document.getElementById("online");
  const onlineCount = document.getElementById("online-count");
  const meLabel = document.getElementById("me");
  const myNick = document.getElementById("my-nick");
  const nickForm = document.getElementById("nick-form");
  const nickInput = document.getElementById("nick");
  const typingLine = document.getElementById("typing");
  const privateBar = document.getElementById("private-bar");
  const privateTo = document.getElementById("private-to");
  const privateCancel = document.getElementById("private-cancel");
  const roomList = document.getElementById("rooms");
  const roomForm = document.getElementById("room-form");
  const roomInput = document.getElementById("room-name");
  const notifyButton = document.getElementById("notify");

  // La sala de esta página; el servidor ya comprobó que el nombre es válido.
  const ROOM = document.body.dataset.room || "general";
  const TITLE = "Chat · " + ROOM;
  const ROOM_NAME = /^[a-z0-9_-]{1,32}$/;

  // Reintentos: la espera se duplica (0,5 s, 1 s, 2 s… hasta 15 s) y se le
  // suma azar, para que treinta portátiles no reconecten todos a la vez.
  const RETRY_BASE_MS = 500;
  const RETRY_MAX_MS = 15000;
  // Ritmo de la bandeja: hasta 5 mensajes seguidos y luego 4 por segundo, por
  // debajo del control de inundación del servidor (10 seguidos, 5 por segundo).
  // Así, veinte mensajes escritos sin red no le llegan todos de golpe al volver.
  const SEND_BURST = 5;
  const SEND_RATE = 4;
  // Cuánto esperamos cuando el servidor dice «ahora no» (too_fast, unavailable).
  const RETRY_LATER_MS = 1000;
  // Cuántos mensajes recordamos para volver a pintarlos al recargar la página.
  const KEPT_MESSAGES = 100;
  // «Está escribiendo…»: se envía como mucho uno cada 2 s, y el aviso se borra
  // si en 5 s no llega otro (se cansó, o cerró la pestaña sin escribir nada).
  const TYPING_EVERY_MS = 2000;
  const TYPING_SHOWN_MS = 5000;
  // La lista de salas se pide cada pocos segundos (solo con la pestaña a la vista).
  const ROOMS_EVERY_MS = 3000;
  // Como mucho una notificación del navegador cada 5 s: avisar, no acosar.
  const NOTIFY_EVERY_MS = 5000;

  // Dónde guarda la página lo que debe sobrevivir a una recarga:
  // * la bandeja, en localStorage, una clave por mensaje («chat2.outbox.» + cid):
  //   sobrevive también a cerrar la pestaña, y lo que quedó sin enviar se envía
  //   la próxima vez que abras el chat;
  // * la conversación vista (epoch, último seq y los últimos mensajes), en
  //   sessionStorage: es de esta pestaña. Al recargar se pinta al instante, incluso
  //   sin red, y al conectar se pide solo lo que falta (since) en vez de descargar
  //   otra vez los últimos 50. Otra pestaña empieza limpia y pide los últimos 50.
  // Las dos claves llevan la sala: lo escrito en «clase» se envía a «clase», y
  // cada sala recuerda su propia conversación (sus seq no tienen nada que ver).
  // El apodo, en cambio, es tuyo en todas las salas.
  const OUTBOX_PREFIX = "chat2.outbox." + ROOM + ".";
  const VIEW_KEY = "chat2.view." + ROOM;
  const NICK_KEY = "chat2.nick";
  const local = storageOf("localStorage");
  const session = storageOf("sessionStorage");

  let socket = null;
  let me = null;
  // Quién está en línea: identidad → {item, nick}. Llega entera en el welcome;
  // después, cada join, leave o nick la cambia (el servidor no repite la lista).
  const people = new Map();
  // El apodo que queremos (el guardado) y a quién escribimos en privado (o null).
  let wantedNick = readText(local, NICK_KEY);
  let privateWho = null;
  // Quién está escribiendo: identidad → temporizador que borra su aviso.
  const typers = new Map();
  let typingSentAt = -Infinity;
  // Lo no leído con la pestaña en segundo plano, y cuándo avisamos por última vez.
  let unread = 0;
  let notifiedAt = -Infinity;
  let notification = null;
  let attempts = 0;
  let retryTimer = null;

  // La historia que estamos viendo y el último número que hemos pintado en orden.
  let epoch = null;
  let lastSeq = 0;
  // «epoch:seq» de cada mensaje ya pintado: lo que llegue repetido se ignora.
  const shown = new Set();
  // Lo que se guarda en sessionStorage: {event, mine} en el orden de la pantalla.
  let kept = [];
  // Si cerramos nosotros el socket porque faltaba un número (ver receiveLive).
  let resyncing = false;

  // La bandeja: cid → {cid, text, at}, en el orden en que se escribieron (un Map
  // conserva el orden de inserción). pendingRows: cid → su fila en la lista.
  const outbox = new Map();
  const pendingRows = new Map();
  let inFlight = null; // El cid enviado que espera su ack: solo uno cada vez, en orden.
  let pumpTimer = null; // Espera antes del próximo envío (ritmo o «ahora no»).
  let tokens = SEND_BURST;
  let tokensAt = performance.now();
  let lastStamp = 0;

  // --- Almacenamiento -----------------------------------------------------------------

  // localStorage y sessionStorage pueden no existir o fallar (modo privado,
  // cuota llena, cookies bloqueadas). Entonces el chat funciona igual, solo que
  // sin recordar nada: por eso cada acceso va dentro de un try.
  function storageOf(name) {
    try {
      return window[name];
    } catch (error) {
      return null;
    }
  }

  function readJson(storage, key) {
    try {
      const raw = storage.getItem(key);
      return raw === null ? null : JSON.parse(raw);
    } catch (error) {
      return null;
    }
  }

  function writeJson(storage, key, value) {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (error) {
      // Sin sitio o sin permiso: se pierde la copia, no el mensaje en pantalla.
    }
  }

  function readText(storage, key) {
    try {
      return storage.getItem(key);
    } catch (error) {
      return null;
    }
  }

  function writeText(storage, key, value) {
    try {
      storage.setItem(key, value);
    } catch (error) {
      // Sin sitio o sin permiso: el apodo valdrá hasta cerrar la página.
    }
  }

  function forget(storage, key) {
    try {
      storage.removeItem(key);
    } catch (error) {
      // Nada que hacer: no se pudo guardar, tampoco hay que borrar.
    }
  }

  // Un identificador único para cada mensaje (cid). crypto.randomUUID() solo
  // existe en un «contexto seguro» (https:// o localhost); una página abierta
  // por http://192.168.… no lo tiene, pero sí crypto.getRandomValues().
  function newCid() {
    if (typeof crypto.randomUUID === "function") {
      return crypto.randomUUID();
    }
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
  }

  // --- Conexión -----------------------------------------------------------------------

  // La dirección sale de la propia página: el mismo servidor y puerto,
  // y wss: si la página llegó por https:. Nunca una IP escrita a mano.
  // Si ya vimos mensajes, pedimos retomar: «desde el lastSeq de este epoch».
  // Con un apodo guardado, entramos ya con él: así nuestro «join» lo lleva.
  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    const query = new URLSearchParams();
    if (epoch !== null) {
      query.set("since", String(lastSeq));
      query.set("epoch", epoch);
    }
    if (wantedNick) {
      query.set("nick", wantedNick);
    }
    const rest = query.toString();
    return scheme + "//" + location.host + "/ws/" + ROOM + (rest ? "?" + rest : "");
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
      // El foco va a la caja si nadie lo tiene ya (no se lo robamos a otro control).
      if (document.activeElement === null || document.activeElement === document.body) {
        input.focus();
      }
    });
    socket.addEventListener("message", (event) => handleEvent(JSON.parse(event.data)));
    socket.addEventListener("close", (event) => {
      socket = null;
      // Lo que estaba en vuelo sin ack se reenviará (con el mismo cid) al volver:
      // si el servidor ya lo había guardado, lo reconocerá y no lo repetirá.
      inFlight = null;
      stopPumpTimer();
      if (me !== null && !resyncing) {
        addNotice("Se perdió la conexión" + (event.reason ? ": " + event.reason : "") + ".", "warning");
      }
      resyncing = false;
      me = null;
      // Sin conexión no sabemos quién sigue ahí: mejor una lista vacía que una vieja.
      meLabel.textContent = "—";
      showOnline([]);
      clearTypers();
      input.placeholder = "Sin conexión: lo que escribas se enviará al volver…";
      refreshPending();
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

  // Solo se envía con el socket abierto y después del welcome: antes hay que
  // saber qué mensajes ya guardó el servidor (vienen en su historial).
  function ready() {
    return socket !== null && socket.readyState === WebSocket.OPEN && me !== null;
  }

  function handleEvent(event) {
    switch (event.type) {
      case "welcome":
        welcome(event);
        break;
      case "message":
        stopTyping(event.from);
        receiveLive(event);
        break;
      case "ack":
        acknowledged(event);
        break;
      case "join":
        addNotice(nameOf(event.who, event.nick) + " se ha unido.");
        addPerson(event);
        break;
      case "leave":
        addNotice(nameOf(event.who, event.nick) + " ha salido.");
        stopTyping(event.who);
        removePerson(event.who);
        break;
      case "nick":
        renamed(event);
        break;
      case "typing":
        startTyping(event);
        break;
      case "private":
        receivePrivate(event);
        break;
      case "error":
        refused(event);
        break;
      case "status":
        showServerStatus(event);
        break;
      default:
        console.warn("Evento desconocido", event);
    }
  }

  function welcome(event) {
    me = event.you;
    meLabel.textContent = me;
    input.placeholder = "Escribe un mensaje…";
    addNotice("Te has unido a la sala «" + ROOM + "» como " + me + ".");
    showOnline(event.online);
    const mine = people.get(me);
    showMyNick(mine ? mine.nick : null);
    refreshRooms();
    // recovered: false = no se pudo retomar. Nunca en silencio: una marca visible
    // dice que aquí faltan mensajes, y debajo van los últimos que guarda el servidor.
    if (event.recovered === false) {
      addNotice(missedText(event), "gap");
    }
    // Con recovered: true, history es exactamente lo que nos perdimos, en orden.
    event.history.forEach(showMessage);
    epoch = event.epoch;
    lastSeq = event.seq; // El historial llega hasta el último mensaje de la sala.
    saveView();
    refreshPending();
    pump();
  }

  function missedText(event) {
    const count = event.history.length;
    const latest = count === 1 ? "el último" : "los últimos " + count;
    if (event.reason === "epoch_changed") {
      // El servidor perdió su historial (otra base de datos, o --db=:memory: al
      // reiniciar): los números de antes no significan nada en la historia nueva.
      return "El historial del servidor se borró y empezó de nuevo: lo de arriba ya no está en él" +
        (count ? "; mostramos " + latest + " de la historia nueva." : ".");
    }
    return "Te perdiste mensajes: mostramos " + latest + ".";
  }

  // Un mensaje en directo. Si su número no es el siguiente al último que vimos
  // (llega el 8 tras el 6), algo se perdió por el camino: en vez de pintar una
  // conversación coja, reconectamos con since y el servidor nos da lo que falta.
  function receiveLive(event) {
    if (event.epoch !== epoch || event.seq > lastSeq + 1) {
      resync();
      return;
    }
    if (event.seq <= lastSeq) {
      return; // Ya lo teníamos.
    }
    const isNew = !shown.has(event.epoch + ":" + event.seq);
    showMessage(event);
    lastSeq = event.seq;
    saveView();
    if (isNew && event.from !== me) {
      attention(event, false);
    }
  }

  function resync() {
    if (socket !== null && !resyncing) {
      resyncing = true;
      addNotice("Faltaba un mensaje: reconectando para recuperarlo…", "warning");
      socket.close(1000, "Retomar desde el último mensaje");
    }
  }

  // El servidor ya guardó nuestro mensaje: la fila «enviando…» pasa a ser un
  // mensaje normal. Su «message» llegará justo después y se ignorará (mismo seq).
  function acknowledged(event) {
    const entry = outbox.get(event.cid);
    const item = pendingRows.get(event.cid);
    if (inFlight === event.cid) {
      inFlight = null;
    }
    if (entry && item && epoch !== null) {
      settle(event.cid);
      const delivered = {
        seq: event.seq,
        epoch: epoch,
        from: me,
        nick: people.has(me) ? people.get(me).nick : null,
        text: entry.text,
        time: new Date().toISOString(),
        cid: event.cid,
      };
      shown.add(epoch + ":" + event.seq);
      fillMessage(item, delivered, true);
      place(item);
      keep(delivered, true);
    }
    pump();
  }

  // Un error. Si es de un mensaje nuestro (trae su cid): too_fast y unavailable
  // significan «ahora no, más tarde sí»; cualquier otro, que no se enviará nunca.
  function refused(event) {
    if (event.cid === undefined || !outbox.has(event.cid)) {
      addNotice(event.text, "error");
      return;
    }
    if (inFlight === event.cid) {
      inFlight = null;
    }
    if (event.code === "too_fast" || event.code === "unavailable") {
      // Sigue el primero de la cola: se reintenta después, sin adelantar a nadie.
      stopPumpTimer();
      pumpTimer = setTimeout(() => {
        pumpTimer = null;
        pump();
      }, RETRY_LATER_MS);
      return;
    }
    const item = pendingRows.get(event.cid);
    settle(event.cid);
    if (item) {
      item.className = "message mine failed";
      setRowState(item, "No se envió: " + event.text);
      place(item);
    }
    pump();
  }

  // --- La bandeja de salida --------------------------------------------------------------

  composer.addEventListener("submit", (event) => {
    event.preventDefault(); // Que el formulario no recargue la página.
    const text = input.value.trim();
    if (!text) {
      return;
    }
    if (privateWho !== null) {
      sendPrivate(text);
      return;
    }
    // Se puede escribir también sin conexión: el mensaje espera en la bandeja.
    lastStamp = Math.max(Date.now(), lastStamp + 1); // Orden estricto aunque vayas rápido.
    const entry = { cid: newCid(), text: text, at: lastStamp };
    outbox.set(entry.cid, entry);
    writeJson(local, OUTBOX_PREFIX + entry.cid, entry);
    showPending(entry);
    input.value = "";
    pump();
  });

  // Envía el primero de la bandeja si se puede: con conexión, sin otro en vuelo
  // y sin pasarse del ritmo (un cubo de fichas, como el del servidor).
  function pump() {
    if (pumpTimer !== null || inFlight !== null || !ready() || outbox.size === 0) {
      return;
    }
    const now = performance.now();
    tokens = Math.min(SEND_BURST, tokens + ((now - tokensAt) / 1000) * SEND_RATE);
    tokensAt = now;
    if (tokens < 1) {
      pumpTimer = setTimeout(() => {
        pumpTimer = null;
        pump();
      }, ((1 - tokens) / SEND_RATE) * 1000);
      return;
    }
    tokens -= 1;
    const next = outbox.values().next().value;
    inFlight = next.cid;
    socket.send(JSON.stringify({ type: "message", text: next.text, cid: next.cid }));
  }

  function stopPumpTimer() {
    if (pumpTimer !== null) {
      clearTimeout(pumpTimer);
      pumpTimer = null;
    }
  }

  // El mensaje ya no espera nada (guardado o rechazado): fuera de la bandeja.
  function settle(cid) {
    outbox.delete(cid);
    pendingRows.delete(cid);
    forget(local, OUTBOX_PREFIX + cid);
    if (inFlight === cid) {
      inFlight = null;
    }
  }

  // Lo que quedó sin enviar la última vez (otra recarga, la pestaña cerrada…).
  // Si había otra pestaña abierta, también lo reintentará: el servidor reconoce
  // el cid y lo publica una sola vez.
  function loadOutbox() {
    const entries = [];
    try {
      for (let i = 0; i < local.length; i++) {
        const key = local.key(i);
        const entry = key && key.startsWith(OUTBOX_PREFIX) ? readJson(local, key) : null;
        if (entry && typeof entry.cid === "string" && typeof entry.text === "string") {
          entries.push(entry);
        }
      }
    } catch (error) {
      return; // Sin localStorage no hay nada pendiente de otras veces.
    }
    entries.sort((a, b) => a.at - b.at);
    for (const entry of entries) {
      lastStamp = Math.max(lastStamp, entry.at);
      outbox.set(entry.cid, entry);
      showPending(entry);
    }
  }

  // --- Conversación vista (para recargar) ---------------------------------------------

  function keep(event, mine) {
    kept.push({ event: event, mine: mine });
    if (kept.length > KEPT_MESSAGES) {
      kept = kept.slice(-KEPT_MESSAGES);
    }
    saveView();
  }

  function saveView() {
    if (epoch !== null) {
      writeJson(session, VIEW_KEY, { epoch: epoch, seq: lastSeq, items: kept });
    }
  }

  function restoreView() {
    const view = readJson(session, VIEW_KEY);
    if (!view || typeof view.epoch !== "string" || !Number.isInteger(view.seq) || !Array.isArray(view.items)) {
      return;
    }
    epoch = view.epoch;
    lastSeq = view.seq;
    for (const { event, mine } of view.items) {
      if (event && typeof event.text === "string") {
        shown.add(event.epoch + ":" + event.seq);
        const item = document.createElement("li");
        fillMessage(item, event, mine === true);
        place(item);
        kept.push({ event: event, mine: mine === true });
      }
    }
  }

  // --- Pintar -------------------------------------------------------------------------

  // Un mensaje con número. Si es uno nuestro que esperaba en la bandeja (mismo
  // cid), su fila «enviando…» se convierte en él: nunca aparece dos veces.
  function showMessage(event) {
    const key = event.epoch + ":" + event.seq;
    if (shown.has(key)) {
      return;
    }
    shown.add(key);
    const pending = event.cid === undefined ? undefined : pendingRows.get(event.cid);
    const mine = pending !== undefined || event.from === me;
    if (pending !== undefined) {
      settle(event.cid); // Ya está guardado: no hay que reenviarlo.
    }
    const item = pending || document.createElement("li");
    fillMessage(item, event, mine);
    place(item);
    keep(event, mine);
  }

  // Todo el texto que viene de otros usuarios entra con textContent, nunca
  // con innerHTML: así un «<script>» se ve como texto y no se ejecuta.
  function fillMessage(item, event, mine) {
    item.className = mine ? "message mine" : "message";
    const meta = document.createElement("div");
    meta.className = "meta";
    if (event.nick) {
      const nick = document.createElement("strong");
      nick.className = "nick";
      nick.textContent = event.nick;
      meta.append(nick, " ");
    }
    // La identidad IP:puerto siempre se ve: un apodo se elige, la identidad no.
    const sender = document.createElement("span");
    sender.className = "from";
    sender.textContent = "[" + event.from + "]";
    meta.append(sender);
    if (mine) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = "tú";
      meta.append(" ", badge);
    }
    const time = document.createElement("time");
    time.dateTime = event.time;
    time.textContent = new Date(event.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    meta.append(" ", time);
    item.replaceChildren(meta, textOf(event.text));
  }

  function textOf(content) {
    const text = document.createElement("p");
    text.className = "text";
    text.textContent = content;
    return text;
  }

  // Un mensaje nuestro sin confirmar: se ve al instante, con su estado.
  function showPending(entry) {
    const item = document.createElement("li");
    item.className = "message mine pending";
    item.replaceChildren(document.createElement("div"), textOf(entry.text));
    item.firstChild.className = "meta";
    setRowState(item, pendingText());
    pendingRows.set(entry.cid, item);
    place(item, true);
    // Lo que acabas de escribir siempre se ve, aunque estuvieras leyendo más arriba.
    messages.scrollTop = messages.scrollHeight;
  }

  function pendingText() {
    return ready() ? "enviando…" : "pendiente: se enviará al volver la conexión";
  }

  function refreshPending() {
    pendingRows.forEach((item) => setRowState(item, pendingText()));
  }

  function setRowState(item, text) {
    const state = document.createElement("span");
    state.className = "state";
    state.textContent = text;
    item.querySelector(".meta").replaceChildren(state);
  }

  function addNotice(text, kind) {
    const item = document.createElement("li");
    item.className = "notice" + (kind ? " " + kind : "");
    item.textContent = text;
    place(item);
  }

  // Las filas pendientes van siempre al final, en el orden en que se escribieron;
  // todo lo demás (mensajes con número, avisos) entra justo encima de ellas.
  // Como los mensajes llegan en orden de seq, la lista queda en ese orden.
  function place(item, atEnd) {
    // Solo bajamos hasta el final si el usuario ya estaba abajo del todo.
    const atBottom = messages.scrollHeight - messages.scrollTop - messages.clientHeight < 40;
    const firstPending = atEnd ? null : messages.querySelector("li.pending");
    const below =
      firstPending !== null &&
      item.isConnected &&
      firstPending.compareDocumentPosition(item) & Node.DOCUMENT_POSITION_FOLLOWING;
    if (firstPending !== null && (!item.isConnected || below)) {
      messages.insertBefore(item, firstPending);
    } else if (!item.isConnected) {
      messages.append(item);
    }
    if (atBottom) {
      messages.scrollTop = messages.scrollHeight;
    }
  }

  function showOnline(list) {
    people.clear();
    online.replaceChildren();
    list.forEach(addPerson);
    onlineCount.textContent = String(people.size);
    if (privateWho !== null && !people.has(privateWho)) {
      endPrivate();
    }
  }

  // Cada persona de la lista (menos tú) es un botón: pulsarlo abre un privado con ella.
  function addPerson(person) {
    if (people.has(person.who)) {
      return;
    }
    const item = document.createElement("li");
    people.set(person.who, { item: item, nick: person.nick || null });
    fillPerson(person.who);
    online.append(item);
    onlineCount.textContent = String(people.size);
  }

  function fillPerson(who) {
    const { item, nick } = people.get(who);
    const label = nick ? nick + " · " + who : who;
    if (who === me) {
      item.className = "mine";
      item.textContent = label + " (tú)";
      return;
    }
    const button = document.createElement("button");
    button.type = "button";
    button.className = "person";
    button.textContent = label;
    button.title = "Escribir en privado";
    button.setAttribute("aria-label", "Escribir en privado a " + label);
    button.addEventListener("click", () => startPrivate(who));
    item.replaceChildren(button);
  }

  function removePerson(who) {
    const person = people.get(who);
    if (person) {
      person.item.remove();
      people.delete(who);
    }
    onlineCount.textContent = String(people.size);
    if (privateWho === who) {
      addNotice(nameOf(who, person ? person.nick : null) + " se fue: el privado se cierra.", "warning");
      endPrivate();
    }
  }

  // «Ana (10.0.0.7:51234)», o solo la identidad si aún no tiene apodo.
  function nameOf(who, nick) {
    return nick ? nick + " (" + who + ")" : who;
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

  // --- Apodo -----------------------------------------------------------------------------

  nickForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const nick = nickInput.value.trim();
    if (!nick) {
      return;
    }
    wantedNick = nick;
    writeText(local, NICK_KEY, nick);
    if (ready()) {
      socket.send(JSON.stringify({ type: "nick", nick: nick }));
    }
    // Sin conexión, se enviará al volver (va en la dirección, ?nick=).
  });

  function renamed(event) {
    const person = people.get(event.who);
    const before = person ? person.nick : null;
    if (person) {
      person.nick = event.nick;
      fillPerson(event.who);
    }
    // nick: null llega cuando el servidor devuelve a alguien a no tener apodo (con
    // varios procesos, si otro dio ese apodo en el mismo instante: lección 12).
    if (event.who === me) {
      showMyNick(event.nick);
      addNotice(event.nick ? "Ahora te llamas " + event.nick + "." : "Ahora no tienes apodo.");
    } else if (event.nick) {
      addNotice(nameOf(event.who, before) + " ahora se llama " + event.nick + ".");
    } else {
      addNotice(nameOf(event.who, before) + " ya no tiene apodo.");
    }
    if (privateWho === event.who) {
      showPrivateBar();
    }
  }

  function showMyNick(nick) {
    myNick.textContent = nick || "sin apodo";
    if (nick && document.activeElement !== nickInput) {
      nickInput.value = nick;
    }
  }

  // --- Está escribiendo… --------------------------------------------------------------------

  input.addEventListener("input", () => {
    const now = performance.now();
    if (privateWho !== null || !input.value.trim() || !ready() || now - typingSentAt < TYPING_EVERY_MS) {
      return;
    }
    typingSentAt = now;
    socket.send(JSON.stringify({ type: "typing" }));
  });

  function startTyping(event) {
    stopTyping(event.who, true);
    const timer = setTimeout(() => stopTyping(event.who), TYPING_SHOWN_MS);
    typers.set(event.who, { timer: timer, name: event.nick || event.who });
    showTypers();
  }

  function stopTyping(who, quiet) {
    const typer = typers.get(who);
    if (typer) {
      clearTimeout(typer.timer);
      typers.delete(who);
    }
    if (!quiet) {
      showTypers();
    }
  }

  function clearTypers() {
    typers.forEach((typer) => clearTimeout(typer.timer));
    typers.clear();
    showTypers();
  }

  function showTypers() {
    const names = Array.from(typers.values(), (typer) => typer.name);
    if (names.length === 0) {
      typingLine.textContent = "";
    } else if (names.length === 1) {
      typingLine.textContent = names[0] + " está escribiendo…";
    } else if (names.length === 2) {
      typingLine.textContent = names[0] + " y " + names[1] + " están escribiendo…";
    } else {
      typingLine.textContent = "Varias personas están escribiendo…";
    }
  }

  // --- Mensajes privados ----------------------------------------------------------------------

  function startPrivate(who) {
    privateWho = who;
    showPrivateBar();
    input.focus();
  }

  function showPrivateBar() {
    const person = people.get(privateWho);
    privateTo.textContent = "Privado para " + nameOf(privateWho, person ? person.nick : null);
    privateBar.hidden = false;
    composer.classList.add("private");
    input.placeholder = "Mensaje privado: solo lo verá esa persona…";
  }

  function endPrivate() {
    privateWho = null;
    privateBar.hidden = true;
    composer.classList.remove("private");
    input.placeholder = ready() ? "Escribe un mensaje…" : "Sin conexión: lo que escribas se enviará al volver…";
  }

  privateCancel.addEventListener("click", () => {
    endPrivate();
    input.focus();
  });

  // Un privado no pasa por la bandeja: no se guarda en el servidor ni tiene seq,
  // así que sin conexión no hay a quién dárselo (y quizá esa persona ya se fue).
  function sendPrivate(text) {
    if (!ready()) {
      addNotice("Sin conexión: el mensaje privado no se envió. Inténtalo al volver.", "error");
      return;
    }
    socket.send(JSON.stringify({ type: "private", to: privateWho, text: text }));
    input.value = "";
  }

  function receivePrivate(event) {
    const item = document.createElement("li");
    const mine = event.from === me;
    item.className = mine ? "message private mine" : "message private";
    const meta = document.createElement("div");
    meta.className = "meta";
    const label = document.createElement("span");
    label.className = "private-label";
    if (mine) {
      const to = people.get(event.to);
      label.textContent = "Privado para " + nameOf(event.to, to ? to.nick : null);
    } else {
      label.textContent = "Privado de " + nameOf(event.from, event.nick) + " para ti";
    }
    const time = document.createElement("time");
    time.dateTime = event.time;
    time.textContent = new Date(event.time).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
    meta.append(label, " ", time);
    item.replaceChildren(meta, textOf(event.text));
    place(item);
    if (!mine) {
      stopTyping(event.from);
      attention(event, true);
    }
  }

  // --- Salas ------------------------------------------------------------------------------

  // La lista de salas con gente sale de /salas.json: no es parte de la conversación
  // de ninguna sala, así que no viaja por el WebSocket (lección 11).
  async function refreshRooms() {
    if (document.hidden) {
      return; // Nadie la mira: se pide otra vez al volver a la pestaña.
    }
    try {
      const response = await fetch("/salas.json", { cache: "no-store" });
      if (response.ok) {
        showRooms((await response.json()).rooms);
      }
    } catch (error) {
      // Sin red: la lista se queda como estaba hasta el próximo intento.
    }
  }

  function showRooms(rooms) {
    if (!rooms.some((room) => room.name === ROOM)) {
      rooms.push({ name: ROOM, count: people.size }); // Tu sala siempre está.
    }
    roomList.replaceChildren(
      ...rooms.map((room) => {
        const item = document.createElement("li");
        const link = document.createElement("a");
        link.className = "room-link";
        link.href = room.name === "general" ? "/" : "/sala/" + room.name;
        link.textContent = room.name;
        if (room.name === ROOM) {
          link.setAttribute("aria-current", "page");
        }
        const count = document.createElement("span");
        count.className = "count";
        count.textContent = String(room.count);
        count.setAttribute("aria-label", room.count === 1 ? "1 persona" : room.count + " personas");
        item.append(link, " ", count);
        return item;
      }),
    );
  }

  roomForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const name = roomInput.value.trim().toLowerCase();
    if (!ROOM_NAME.test(name)) {
      roomInput.setCustomValidity("De 1 a 32 letras sin acentos, números, «-» o «_».");
      roomInput.reportValidity();
      return;
    }
    location.href = name === "general" ? "/" : "/sala/" + name;
  });
  roomInput.addEventListener("input", () => roomInput.setCustomValidity(""));

  setInterval(refreshRooms, ROOMS_EVERY_MS);

  // --- Avisos con la pestaña en segundo plano --------------------------------------------

  // Un mensaje de otra persona con la pestaña escondida: el título lo cuenta y, si
  // te nombra o es un privado, el navegador avisa (si le diste permiso).
  function attention(event, isPrivate) {
    if (!document.hidden) {
      return;
    }
    unread += 1;
    document.title = "(" + unread + ") " + TITLE;
    if (isPrivate || mentionsMe(event.text)) {
      notify(event, isPrivate);
    }
  }

  function mentionsMe(text) {
    const nick = people.has(me) ? people.get(me).nick : null;
    return Boolean(nick) && text.toLocaleLowerCase().includes(nick.toLocaleLowerCase());
  }

  function notify(event, isPrivate) {
    const now = performance.now();
    if (!("Notification" in window) || Notification.permission !== "granted" || now - notifiedAt < NOTIFY_EVERY_MS) {
      return;
    }
    notifiedAt = now;
    const from = nameOf(event.from, event.nick);
    const title = isPrivate ? "Privado de " + from : from + " te nombra en «" + ROOM + "»";
    // El texto de la notificación lo pinta el sistema como texto: nunca como HTML.
    notification = new Notification(title, { body: event.text.slice(0, 200), tag: "chat2-" + ROOM });
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      unread = 0;
      document.title = TITLE;
      if (notification !== null) {
        notification.close();
        notification = null;
      }
      refreshRooms();
    }
  });

  // El permiso solo se puede pedir al pulsar algo: nunca al cargar la página.
  function showNotifyState() {
    if (!("Notification" in window)) {
      notifyButton.hidden = true;
      return;
    }
    const granted = Notification.permission === "granted";
    notifyButton.disabled = granted || Notification.permission === "denied";
    notifyButton.textContent = granted
      ? "Avisos activados"
      : Notification.permission === "denied"
        ? "Avisos bloqueados en este navegador"
        : "Avisarme si me nombran";
  }

  notifyButton.addEventListener("click", async () => {
    await Notification.requestPermission();
    showNotifyState();
  });

  document.title = TITLE;
  showNotifyState();
  showMyNick(null);
  if (wantedNick) {
    nickInput.value = wantedNick;
  }
  restoreView();
  loadOutbox();
  connect();
})();
