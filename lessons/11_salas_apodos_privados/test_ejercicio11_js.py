"""Comprobación de «Tu turno en JavaScript» (lección 11): el «está escribiendo…» de la página.

python -m pytest lessons/11_salas_apodos_privados/test_ejercicio11_js.py

Arranca el Stack 2 de verdad y abre su página en Chromium, manejado con Playwright, pero
con tu typing.js en lugar del suyo: cuando el navegador pide /static/chat/typing.js, la
comprobación le da tu archivo (el servidor no cambia). Los plazos de 2 y 5 segundos no se
esperan de verdad: Playwright controla el reloj de cada página (page.clock), lo para al
abrirla y lo adelanta lo justo.

Necesita requirements-dev.txt (Playwright) y Chromium; sin ellos se salta y dice cómo
instalarlos (en la integración continua, en cambio, es obligatoria).
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
import tornado.ioloop
from ayudas import archivo, recibir_evento

from stack2_http.server import make_app
from tests.browser.harness import launch_chromium, missing_browser_reason, serve

TU_TYPING_JS = archivo(__file__, "typing.js")
# Lo que pide la página (main.js importa «./typing.js»), con o sin ?v= detrás.
RUTA_DEL_MODULO = "**/static/chat/typing.js*"
# Ninguna comprobación dura más (abre dos o tres páginas en un equipo quizá ocupado).
PLAZO = 30
TYPING = json.dumps({"type": "typing"})

# Corre en cada página antes que los suyos: cuenta los «typing» que envía, sin cambiar
# nada de lo que hace. Así se cuentan sin esperar a que lleguen a ninguna parte.
CONTAR_AVISOS = """
window.avisosEnviados = 0;
const enviar = WebSocket.prototype.send;
WebSocket.prototype.send = function (datos) {
  try {
    if (JSON.parse(datos).type === "typing") {
      window.avisosEnviados += 1;
    }
  } catch (error) {}
  return enviar.call(this, datos);
};
"""


@dataclass
class Pagina:
    """Una pestaña del chat con tu typing.js, y los errores de JavaScript de todas las de
    la comprobación (el fallo puede verse en una y haber ocurrido en otra)."""

    page: Any
    errores: list[str]

    @property
    def linea(self) -> Any:
        """La línea «… está escribiendo…» (<p id="typing">)."""
        return self.page.locator("#typing")

    def con_errores(self, texto: str) -> str:
        if not self.errores:
            return texto
        return texto + "\nErrores de JavaScript:\n  " + "\n  ".join(self.errores)


Abrir = Callable[..., Awaitable[Pagina]]


@pytest.fixture(scope="module")
def io_loop() -> Iterator[tornado.ioloop.IOLoop]:
    """Un solo loop para todo el archivo: Playwright se queda en el loop en el que arranca,
    y así Chromium se abre una vez y no en cada comprobación."""
    loop = tornado.ioloop.IOLoop()
    loop.make_current()
    yield loop
    loop.clear_current()
    loop.close(all_fds=True)


@pytest.fixture(scope="module")
def navegador(io_loop: tornado.ioloop.IOLoop) -> Iterator[Any]:
    """El Chromium del sistema, sin red, lanzado igual que en tests/browser/."""
    motivo = missing_browser_reason()
    if motivo is not None:
        motivo = f"La comprobación de JavaScript de la lección 11 usa Chromium. {motivo}"
        if os.environ.get("CI"):
            pytest.fail(motivo + " En CI es obligatoria.", pytrace=False)
        pytest.skip(motivo)

    from playwright.async_api import async_playwright

    playwright = io_loop.run_sync(async_playwright().start)
    chromium = io_loop.run_sync(lambda: launch_chromium(playwright))
    yield chromium
    io_loop.run_sync(chromium.close)
    io_loop.run_sync(playwright.stop)


@pytest.fixture
def servidor(io_loop: tornado.ioloop.IOLoop) -> Iterator[Any]:
    """El Stack 2 de verdad, en 127.0.0.1 y un puerto libre."""
    yield from serve(io_loop, make_app)


@pytest.fixture
def abrir(navegador: Any, servidor: Any, io_loop: tornado.ioloop.IOLoop) -> Iterator[Abrir]:
    """Abre la sala «clase» en una pestaña nueva (cada una, otra persona) con tu typing.js."""
    from playwright.async_api import expect

    contextos: list[Any] = []
    errores: list[str] = []
    codigo = TU_TYPING_JS.read_text(encoding="utf-8")

    async def _abrir(apodo: str) -> Pagina:
        contexto = await navegador.new_context()
        contextos.append(contexto)
        # El apodo guardado (people.js): la página entra con él (?nick=).
        guardar = f"localStorage.setItem('chat2.nick', {json.dumps(apodo)})"
        await contexto.add_init_script(f"try {{ {guardar}; }} catch (error) {{}}")
        await contexto.add_init_script(CONTAR_AVISOS)
        # El reloj de la página (Date, setTimeout, performance.now…), parado desde antes de
        # abrirla: solo avanza con run_for(). pause_at() salta a un instante futuro y se para.
        ahora = time.time()
        await contexto.clock.install(time=ahora)
        await contexto.clock.pause_at(ahora + 1)
        servido: list[str] = []

        async def tu_archivo(route: Any) -> None:
            servido.append(route.request.url)
            await route.fulfill(body=codigo, content_type="text/javascript; charset=utf-8")

        await contexto.route(RUTA_DEL_MODULO, tu_archivo)
        pagina = Pagina(await contexto.new_page(), errores)

        def error(texto: str) -> None:
            errores.append(f"(en la página de {apodo}) {texto}")

        pagina.page.on("pageerror", lambda excepcion: error(describir(excepcion)))
        # Un módulo que no carga (404, tipo MIME) no lanza pageerror: solo lo dice la consola.
        pagina.page.on("console", lambda msj: error(msj.text) if msj.type == "error" else None)
        await pagina.page.goto(f"{servidor.http_url}sala/clase")
        assert servido, "La página no pidió typing.js: la comprobación no pudo darle el tuyo."
        try:
            await expect(pagina.page.locator("#status")).to_have_attribute("data-state", "online")
        except AssertionError:
            raise AssertionError(
                pagina.con_errores("La página no llegó a conectarse con tu typing.js.")
            ) from None
        return pagina

    yield _abrir

    async def cerrar() -> None:
        for contexto in contextos:
            await contexto.close()

    io_loop.run_sync(cerrar)


def describir(error: Any) -> str:
    """Un error de JavaScript en una línea o dos: su clase, su mensaje y dónde ocurrió."""
    lineas = (error.stack or "").strip().splitlines()[:2]
    texto = "\n    ".join(linea.strip() for linea in lineas) or f"{error.name}: {error.message}"
    if error.name == "SyntaxError":
        # Sin dónde: Chromium no dice en qué línea de un módulo está un error de sintaxis.
        texto += " (un error de sintaxis en typing.js no deja cargar la página entera)"
    return texto


async def entrar(conectar: Any, servidor: Any, apodo: str) -> Any:
    """Alguien en la sala «clase» desde un programa (sin página), con ese apodo."""
    conn = await conectar(f"{servidor.ws_url}/ws/clase?nick={apodo}")
    while (await recibir_evento(conn))["type"] != "welcome":
        pass
    return conn


async def dice(pagina: Pagina, esperado: str, cuando: str) -> None:
    """Comprueba que la línea de «escribiendo» dice ``esperado`` (o que está vacía)."""
    __tracebackhide__ = True  # El fallo se muestra en la línea de la prueba.
    from playwright.async_api import expect

    try:
        await expect(pagina.linea).to_have_text(esperado)
    except AssertionError:
        visto = await pagina.linea.text_content()
        debia = f"decir «{esperado}»" if esperado else "estar vacía"
        raise AssertionError(
            pagina.con_errores(f"{cuando}, la línea debía {debia}, y dice «{visto}».")
        ) from None


async def enviados(pagina: Pagina) -> int:
    return await pagina.page.evaluate("window.avisosEnviados")


@pytest.mark.gen_test(timeout=PLAZO)
async def test_la_otra_pagina_ve_quien_escribe(abrir) -> None:
    """Ana escribe sin enviar, y en la página de Luis aparece «Ana está escribiendo…»."""
    ana = await abrir(apodo="Ana")
    luis = await abrir(apodo="Luis")
    await ana.page.locator("#text").press_sequentially("hola")
    await dice(luis, "Ana está escribiendo…", "Mientras Ana escribe")


@pytest.mark.gen_test(timeout=PLAZO)
async def test_teclear_deprisa_envia_un_aviso_cada_2_s(abrir) -> None:
    """Ana teclea deprisa: sale un solo «typing»; 1,9 s después, ninguno más; a los 2,1 s, otro."""
    ana = await abrir(apodo="Ana")
    caja = ana.page.locator("#text")
    await caja.press_sequentially("hola a todos")
    assert await enviados(ana) == 1, ana.con_errores(
        f"Al teclear «hola a todos» deprisa salieron {await enviados(ana)} avisos «typing»; "
        "debía salir uno."
    )
    await ana.page.clock.run_for(1900)
    await caja.press_sequentially(" y")
    assert await enviados(ana) == 1, "A los 1,9 s del primer aviso no debía salir otro"
    await ana.page.clock.run_for(200)
    await caja.press_sequentially(" más")
    assert await enviados(ana) == 2, "A los 2,1 s del primer aviso, si sigue tecleando, sale otro"


@pytest.mark.gen_test(timeout=PLAZO)
async def test_la_linea_se_borra_5_s_despues_del_ultimo_aviso(abrir, conectar, servidor) -> None:
    """Ana avisa, y 4 s después vuelve a avisar (ya como «Anabel», para ver que llegó):
    4 s después de ese último aviso la línea sigue; a los 5 s, se borra."""
    luis = await abrir(apodo="Luis")
    ana = await entrar(conectar, servidor, "Ana")
    await ana.write_message(TYPING)
    await dice(luis, "Ana está escribiendo…", "Al llegar el aviso de Ana")
    await luis.page.clock.run_for(4000)
    await dice(luis, "Ana está escribiendo…", "4 s después del aviso")
    await ana.write_message(json.dumps({"type": "nick", "nick": "Anabel"}))
    await ana.write_message(TYPING)
    await dice(luis, "Anabel está escribiendo…", "Al llegar el segundo aviso")
    await luis.page.clock.run_for(4000)
    await dice(luis, "Anabel está escribiendo…", "4 s después del segundo aviso (8 del primero)")
    await luis.page.clock.run_for(1000)
    await dice(luis, "", "5 s después del último aviso, sin ninguno más")


@pytest.mark.gen_test(timeout=PLAZO)
async def test_dos_personas_escribiendo_a_la_vez(abrir, conectar, servidor) -> None:
    """Ana y después Beto avisan de que escriben: Luis lee «Ana y Beto están escribiendo…»."""
    luis = await abrir(apodo="Luis")
    ana = await entrar(conectar, servidor, "Ana")
    beto = await entrar(conectar, servidor, "Beto")
    await ana.write_message(TYPING)
    await dice(luis, "Ana está escribiendo…", "Con Ana escribiendo")
    await beto.write_message(TYPING)
    await dice(luis, "Ana y Beto están escribiendo…", "Con Ana y Beto escribiendo")
