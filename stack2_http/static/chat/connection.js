// La conexión con el servidor: la dirección del WebSocket, abrirlo, reintentar con
// esperas crecientes cuando se corta y la línea de estado de arriba. La leen la
// lección 4 (la dirección sale de location) y la lección 10 (reconectar y retomar).

import { local, readText, writeText } from "./storage.js";

// Reintentos: la espera se duplica (0,5 s, 1 s, 2 s… hasta 15 s) y se le
// suma azar, para que treinta portátiles no reconecten todos a la vez.
const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 15000;

// El cierre con que la profesora saca a alguien de la sala (lección 14), y el que
// recibe si vuelve antes de tiempo. Reintentar no serviría de nada: se para aquí.
const KICKED = 4003;

// La llave de este navegador: la misma en todas sus pestañas y salas. Un cid
// (lección 10) solo es único para quien lo inventa; con la llave, el servidor
// distingue el «prueba-1» de un navegador del «prueba-1» de otro.
const CLIENT_KEY = "chat2.client";
const CLIENT_KEY_SHAPE = /^[A-Za-z0-9_-]{22,64}$/;
const KEY_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// La guardada, o una nueva. Sin localStorage, una nueva cada vez que se carga la página.
export function clientKey() {
  const saved = readText(local, CLIENT_KEY);
  if (saved !== null && CLIENT_KEY_SHAPE.test(saved)) {
    return saved;
  }
  // 22 caracteres de 64 posibles: 132 bits de azar. Como 256 es múltiplo de 64,
  // «byte % 64» da a cada carácter la misma probabilidad.
  const bytes = crypto.getRandomValues(new Uint8Array(22));
  const key = Array.from(bytes, (byte) => KEY_ALPHABET[byte % 64]).join("");
  writeText(local, CLIENT_KEY, key);
  return key;
}

// La dirección sale de la propia página: el mismo servidor y puerto,
// y wss: si la página llegó por https:. Nunca una IP escrita a mano.
export function socketUrl(room, params) {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  const query = new URLSearchParams(params);
  return scheme + "//" + location.host + "/ws/" + room + "?" + query;
}

// Un WebSocket que se vuelve a abrir solo. Lo que llega se lo cuenta a «chat»
// (main.js), un objeto con cuatro funciones: params() da lo que debe ir en la
// dirección, y opened(), received(event) y closed() escuchan.
export class Connection {
  constructor(room, status, messages, chat) {
    this.room = room;
    this.status = status;
    this.messages = messages;
    this.chat = chat;
    this.key = clientKey();
    this.socket = null;
    // Quiénes somos en esta conexión (IP:puerto): lo dice el welcome.
    this.me = null;
    this.attempts = 0;
    this.retryTimer = null;
    // Si cerramos nosotros el socket porque faltaba un número (ver reopen).
    this.reopening = false;
    // Si el sistema avisa de que vuelve la red, no hace falta esperar al temporizador.
    window.addEventListener("online", () => {
      if (this.retryTimer !== null) {
        clearTimeout(this.retryTimer);
        this.connect();
      }
    });
  }

  connect() {
    this.retryTimer = null;
    if (this.socket && this.socket.readyState <= WebSocket.OPEN) {
      return; // Ya hay una conexión abierta o abriéndose: nunca dos a la vez.
    }
    this.showStatus("connecting", "Conectando…");
    // La llave siempre; detrás, lo que pida main.js: desde dónde retomar y el apodo.
    const params = { client: this.key, ...this.chat.params() };
    this.socket = new WebSocket(socketUrl(this.room, params));
    this.socket.addEventListener("open", () => this.opened());
    this.socket.addEventListener("message", (message) => this.received(JSON.parse(message.data)));
    this.socket.addEventListener("close", (event) => this.closed(event));
  }

  opened() {
    this.chat.opened();
  }

  // Dentro de verdad solo con el welcome: el servidor aún puede cerrar tras el
  // handshake (1013, sin sitio). Hasta entonces, las esperas siguen creciendo.
  received(event) {
    if (event.type === "welcome") {
      this.me = event.you;
      this.attempts = 0;
      this.showStatus("online", "Conectado");
    }
    this.chat.received(event);
  }

  closed(event) {
    if (event.code === KICKED) {
      this.kicked(event.reason);
      return;
    }
    // Solo es una pérdida si ya estábamos dentro y no cerramos nosotros.
    const lost = this.me !== null && !this.reopening;
    // ¿Nos cerró el servidor antes del welcome? Entonces no llegamos a entrar.
    const refused = this.me === null && !this.reopening;
    this.socket = null;
    this.me = null;
    this.reopening = false;
    if (lost) {
      this.messages.addNotice("Se perdió la conexión" + (event.reason ? ": " + event.reason : "") + ".", "warning");
    }
    this.chat.closed();
    // Si el servidor cerró antes del welcome, su motivo dice por qué no entras (1013:
    // «demasiadas conexiones desde tu dirección», «chat lleno»…): se ve arriba, y se
    // sigue reintentando con esperas crecientes, que quizá dentro de un rato quepas.
    this.scheduleReconnect(refused ? event.reason : "");
  }

  // Fuera de la sala por un tiempo: el motivo (con los minutos) se ve, y la página no
  // llama a la puerta cada pocos segundos. Al recargar, se vuelve a intentar.
  kicked(reason) {
    // Dentro (ya con su welcome) es una expulsión; antes, volver antes de tiempo.
    const start = this.me !== null ? "Has salido de la sala: " : "No puedes entrar en la sala: ";
    this.socket = null;
    this.me = null;
    this.reopening = false;
    const why = (reason || "La profesora te ha sacado de la sala").replace(/\.$/, "");
    this.messages.addNotice(start + why + ". Recarga la página cuando pase ese tiempo.", "error");
    this.chat.closed();
    this.showStatus("offline", why);
  }

  scheduleReconnect(reason) {
    const ceiling = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.attempts);
    const delay = ceiling / 2 + Math.random() * (ceiling / 2);
    this.attempts += 1;
    const retry = "reintento en " + Math.ceil(delay / 1000) + " s";
    this.showStatus("offline", reason ? reason + " · " + retry : "Sin conexión · " + retry);
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  // Solo se envía con el socket abierto y después del welcome: antes hay que
  // saber qué mensajes ya guardó el servidor (vienen en su historial).
  ready() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN && this.me !== null;
  }

  send(event) {
    this.socket.send(JSON.stringify(event));
  }

  // Cerrar a propósito para volver a entrar enseguida, con since (lección 10).
  // Devuelve false si no hay socket o ya se está cerrando.
  reopen() {
    if (this.socket === null || this.reopening) {
      return false;
    }
    this.reopening = true;
    this.socket.close(1000, "Retomar desde el último mensaje");
    return true;
  }

  showStatus(state, text) {
    this.status.dataset.state = state;
    this.status.textContent = text;
  }

  // Con --redis, el servidor avisa si perdió Redis (degraded: true) o si volvió.
  // La conexión sigue abierta: los mensajes enviados mientras tanto reciben un
  // error «unavailable» con su cid y esperan a reintentarse.
  serverStatus(event) {
    this.messages.addNotice(event.text, event.degraded ? "error" : undefined);
    this.showStatus(event.degraded ? "connecting" : "online", event.text);
  }
}
