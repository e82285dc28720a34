// La página del núcleo que escribes en la lección 4: habla los eventos welcome,
// message, join, leave y error. Todo texto que llega se escribe con textContent,
// nunca como HTML: un «<script>» en un mensaje se ve como texto.
"use strict";

const messages = document.getElementById("messages");
const online = document.getElementById("online");
let people = [];

function show(text, kind) {
  const item = document.createElement("li");
  item.className = kind;
  item.textContent = text;
  messages.append(item);
  item.scrollIntoView({ block: "end" });
}

function drawPeople() {
  online.replaceChildren(...people.map((who) => {
    const item = document.createElement("li");
    item.textContent = who;
    return item;
  }));
  document.getElementById("count").textContent = String(people.length);
}

// La dirección del WebSocket sale de la de la página: el mismo equipo y el mismo puerto.
const scheme = location.protocol === "https:" ? "wss:" : "ws:";
const socket = new WebSocket(scheme + "//" + location.host + "/ws");

socket.onopen = () => { document.getElementById("status").textContent = "Conectado"; };
socket.onclose = (event) => {
  document.getElementById("status").textContent = "Desconectado (código " + event.code + ")";
};

socket.onmessage = (frame) => {
  const event = JSON.parse(frame.data);
  switch (event.type) {
    case "welcome":
      document.getElementById("me").textContent = event.you;
      people = event.online.map((person) => person.who);
      break;
    case "join":
      people.push(event.who);
      show(event.who + " se ha unido", "notice");
      break;
    case "leave":
      people = people.filter((who) => who !== event.who);
      show(event.who + " ha salido", "notice");
      break;
    case "message":
      show("[" + event.from + "] " + event.text, "message");
      break;
    case "error":
      show("Error (" + event.code + "): " + event.text, "error");
      break;
    default:
      console.log("Evento desconocido, se ignora:", event);  // Así se añaden tipos sin romper nada.
  }
  drawPeople();
};

document.getElementById("composer").addEventListener("submit", (submit) => {
  submit.preventDefault();
  const input = document.getElementById("text");
  if (input.value.trim() && socket.readyState === WebSocket.OPEN) {
    socket.send(JSON.stringify({ type: "message", text: input.value }));
    input.value = "";
  }
});
