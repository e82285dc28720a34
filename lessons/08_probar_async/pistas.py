"""Pistas de la lección 8, de menos a más: un empujón, dónde mirar y la línea."""

PISTAS = {
    "test_pasa_con_el_stack_1_de_verdad": (
        "Contra un servidor que funciona, tu prueba no debe lanzar nada, ni dejar "
        "conexiones abiertas.",
        "Los TODO piden: un segundo cliente, leer con límite, comparar y cerrar los dos. "
        "¿Sigue ahí el raise NotImplementedError? ¿Cierras a luis en el finally?",
        "luis = await websocket_connect(url); recibido = await asyncio.wait_for("
        'luis.read_message(), ESPERA); assert recibido == "Ana: hola"; y en el finally, '
        "ana.close() y luis.close()",
    ),
    "test_falla_con_un_servidor_estropeado": (
        "Tu prueba da por bueno un servidor que no funciona. ¿Qué compruebas exactamente?",
        "Contra el mudo, la espera debe acabar (asyncio.wait_for con ESPERA lanza "
        "TimeoutError); contra el que solo hace eco, Luis no recibe nada; contra el que "
        "cambia el texto, hay que comparar el texto entero, no que llegue «algo».",
        "recibido = await asyncio.wait_for(luis.read_message(), ESPERA)\n"
        'assert recibido == "Ana: hola"',
    ),
}
