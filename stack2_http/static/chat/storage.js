// Lo que la página guarda en el navegador, y cómo lo guarda sin romperse
// (lección 10). Lo usan la bandeja, la conversación vista, el apodo y la llave.
//
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

// localStorage es del navegador entero: todas sus pestañas y salas lo comparten,
// y sobrevive a cerrarlas. sessionStorage es solo de esta pestaña.
export const local = storageOf("localStorage");
export const session = storageOf("sessionStorage");

export function readJson(storage, key) {
  try {
    const raw = storage.getItem(key);
    return raw === null ? null : JSON.parse(raw);
  } catch (error) {
    return null;
  }
}

export function writeJson(storage, key, value) {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch (error) {
    // Sin sitio o sin permiso: se pierde la copia, no el mensaje en pantalla.
  }
}

export function readText(storage, key) {
  try {
    return storage.getItem(key);
  } catch (error) {
    return null;
  }
}

export function writeText(storage, key, value) {
  try {
    storage.setItem(key, value);
  } catch (error) {
    // Sin sitio o sin permiso: el valor durará hasta cerrar la página.
  }
}

export function forget(storage, key) {
  try {
    storage.removeItem(key);
  } catch (error) {
    // Nada que hacer: no se pudo guardar, tampoco hay que borrar.
  }
}

// Las claves que empiezan por «prefix» (las de la bandeja de una sala, por ejemplo).
export function keysStartingWith(storage, prefix) {
  const keys = [];
  try {
    for (let i = 0; i < storage.length; i++) {
      const key = storage.key(i);
      if (key && key.startsWith(prefix)) {
        keys.push(key);
      }
    }
  } catch (error) {
    return []; // Sin almacenamiento no hay nada guardado de otras veces.
  }
  return keys;
}
