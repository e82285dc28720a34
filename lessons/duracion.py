"""Cuánto dura cada lección para un estudiante: lectura, órdenes, ejercicios y preguntas.

    python -m lessons.duracion              la tabla, con el detalle de cada parte
    python -m lessons.duracion --medir      además, vuelve a cronometrar las órdenes largas
    python -m lessons.duracion --escribir   además, pone las cifras al día donde se leen:
                                            la cabecera de cada lección, el mapa del curso,
                                            el README y las tablas y totales de la guía

El método está en la guía del profesor («Cuánto dura cada lección»). En resumen, para
cada lección:

* Lectura: las palabras del README que lee el estudiante (sin «Para el profesor», sin
  «Preguntas» ni la referencia del protocolo, que se consulta), a LECTURA_PPM palabras
  por minuto, más el código citado, a SEGUNDOS_POR_LINEA_DE_CODIGO cada línea.
* Órdenes: cada línea de los bloques ```bash de los pasos, MINUTOS_POR_ORDEN (escribirla,
  esperar, leer lo que sale), más lo que tarda de verdad si tarda más de unos segundos
  (MEDIDAS, cronometradas con --medir).
* Ejercicios: las líneas de código que hay que escribir (las de la solución que no están
  en el ejercicio, sean de Python o de JavaScript), a un ritmo distinto si hay un TODO en
  cada sitio («Tu turno») o no («Construye» y «Reto»), más un tiempo fijo por ejercicio
  para leerlo y comprobarlo.
* Preguntas: MINUTOS_POR_PREGUNTA cada una, para discutirla en clase.

Los parámetros están calibrados con una medición de verdad: una persona hizo el curso
entero como estudiante, con los ejercicios de entonces (issue 20 del proyecto: entre 14
y 15 horas). Con estos parámetros, aquel curso (el commit 38a7aa8) sale en 14 h 15 min:

    git archive 38a7aa8 lessons | tar -x -C /tmp/antes
    python -m lessons.duracion --raiz=/tmp/antes/lessons
"""

from __future__ import annotations

import ast
import math
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from common.startup.options import SpanishArgumentParser  # Su --help y sus errores, en español.

LESSONS = Path(__file__).resolve().parent

LECTURA_PPM = 110  # Palabras por minuto: texto técnico en español, leído para entenderlo.
SEGUNDOS_POR_LINEA_DE_CODIGO = 8  # Cada línea de código citado, leída con calma.
MINUTOS_POR_ORDEN = 1.5  # Escribir o pegar una orden, esperar y leer lo que sale.
# Cada paso, además: abrir los archivos que nombra, cambiar de terminal o de pestaña,
# mirar el navegador (F12) y comprobar que se ve lo que dice «Lo que verás».
MINUTOS_POR_PASO = 3
MINUTOS_POR_PREGUNTA = 3  # Discutir una pregunta en clase.
# Ejercicios: un tiempo fijo (leer el enunciado, ejecutar la comprobación unas veces) y
# otro por cada línea de código que hay que escribir.
FIJO_TU_TURNO, MINUTOS_POR_LINEA_CON_TODO = 6, 3.0
FIJO_SIN_TODO, MINUTOS_POR_LINEA_SIN_TODO = 10, 1.2
# Dónde empieza un «Construye» que no parte de cero: la lección 4 pide copiar el servidor
# de la lección 2, así que se escribe lo que cambia.
PUNTO_DE_PARTIDA = {"04_http_y_websocket/servidor.py": "02_servidor_minimo/solucion/servidor.py"}
# Lo que pide la lección 1 antes de empezar: crear el entorno e instalar (primera vez).
INSTALACION = 10

# Órdenes que tardan más que escribirlas: segundos de reloj, cronometrados con
# «python -m lessons.duracion --medir» en el equipo del proyecto (2 núcleos, compartido con
# otros programas: carga de 7 a 18 mientras se medía, así que son cifras de un equipo
# ocupado). Las que llevan PESADA ocupan la máquina minutos y no se midieron en ese equipo
# compartido: su cifra es la que da la lección («menos de un minuto», «unos minutos»), y
# «--medir=todo» las cronometra en el tuyo.
PESADA = "pesada"
MEDIDAS: dict[str, tuple[float, str]] = {
    "python benchmarks/fanout.py --clients=50 --rounds=1 --seconds=2 --burst-seconds=2": (
        40.0,  # 36, 40 y 42 s en tres mediciones.
        "",
    ),
    "python benchmarks/fanout.py --clients=100,300,1000 --rounds=1": (240.0, PESADA),
    "python benchmarks/fanout.py --clients=10000 --phases=idle --servers=fast": (60.0, PESADA),
    "python benchmarks/fanout.py --servers=fast,sqlite --against=fast --clients=1000": (
        150.0,
        PESADA,
    ),
    "python benchmarks/reconnect.py --clients=1000 --messages=100": (60.0, PESADA),
    "python -m pytest tests/test_stack1.py -v": (2.0, ""),
    "python -m pytest tests/test_stack2.py -v": (3.0, ""),
    "python -m pytest tests/browser -v": (200.0, ""),  # 142, 196 y 238 s: la mediana.
}


@dataclass
class Duracion:
    """Los minutos de cada parte de una lección."""

    leccion: str
    palabras: int
    lineas_de_codigo: int
    ordenes: int
    lectura: float
    pasos: float
    ejercicios: float
    retos: float
    preguntas: float

    @property
    def sesion(self) -> int:
        """Lo que dura la lección en clase: todo menos los retos, en múltiplos de 5 min."""
        return redondear(self.lectura + self.pasos + self.ejercicios + self.preguntas)

    @property
    def reto(self) -> int:
        return redondear(self.retos) if self.retos else 0


def redondear(minutos: float) -> int:
    """Hacia arriba, de 5 en 5 minutos: así nunca prometemos menos de lo que hace falta."""
    return int(math.ceil(minutos / 5) * 5)


def como_texto(minutos: int) -> str:
    """«50 min», «1 h», «1 h 35 min»."""
    horas, resto = divmod(minutos, 60)
    if not horas:
        return f"{resto} min"
    return f"{horas} h" + (f" {resto} min" if resto else "")


def secciones(texto: str) -> dict[str, str]:
    """Título de cada sección «## …» → su texto (el de antes del primero, con la clave "")."""
    partes = re.split(r"^## (.+)$", texto, flags=re.MULTILINE)
    resultado = {"": partes[0]}
    for titulo, cuerpo in zip(partes[1::2], partes[2::2]):
        resultado[titulo.strip()] = cuerpo
    return resultado


def bloques(texto: str) -> list[tuple[str, str]]:
    """(lenguaje, contenido) de cada bloque de código."""
    return re.findall(r"^```(\w*)\n(.*?)^```", texto, flags=re.MULTILINE | re.DOTALL)


def palabras(texto: str) -> int:
    """Las palabras de la prosa: sin bloques de código, sin comentarios HTML."""
    prosa = re.sub(r"^```.*?^```", "", texto, flags=re.MULTILINE | re.DOTALL)
    prosa = re.sub(r"<!--.*?-->", "", prosa, flags=re.DOTALL)
    prosa = re.sub(r"\]\([^)]*\)", "]", prosa)  # De un enlace se lee el texto, no la ruta.
    return len(re.findall(r"\w+", prosa))


def lineas_escritas(ejercicio: Path, solucion: Path) -> int:
    """Líneas de código de la solución que no están en el ejercicio (sin docstrings ni
    comentarios): lo que tiene que escribir el estudiante."""
    return len(codigo(solucion) - codigo(ejercicio))


def codigo(ruta: Path) -> set[str]:
    """Las líneas de código de un archivo, sin docstrings, comentarios ni líneas vacías."""
    texto = ruta.read_text(encoding="utf-8")
    if ruta.suffix == ".js":
        limpias = (linea.strip() for linea in texto.splitlines())
        return {linea for linea in limpias if linea and not linea.startswith("//")}
    docstrings: set[int] = set()
    for nodo in ast.walk(ast.parse(texto)):
        cuerpo = getattr(nodo, "body", None)
        if isinstance(cuerpo, list) and cuerpo and isinstance(cuerpo[0], ast.Expr):
            valor = cuerpo[0].value
            if isinstance(valor, ast.Constant) and isinstance(valor.value, str):
                docstrings |= set(range(valor.lineno, valor.end_lineno + 1))
    lineas = set()
    for numero, linea in enumerate(texto.splitlines(), start=1):
        limpia = linea.strip()
        if limpia and not limpia.startswith("#") and numero not in docstrings:
            lineas.add(limpia)
    return lineas


def es_pesada(orden: str) -> bool:
    return MEDIDAS.get(orden, (0.0, ""))[1] == PESADA


def minutos_de_orden(orden: str) -> float:
    segundos = MEDIDAS.get(orden, (0.0, ""))[0]
    return MINUTOS_POR_ORDEN + segundos / 60


def duracion(carpeta: Path) -> Duracion:
    texto = (carpeta / "README.md").read_text(encoding="utf-8")
    partes = secciones(texto.split("## Referencia del protocolo")[0])
    leido = {t: c for t, c in partes.items() if t not in ("", "Para el profesor", "Preguntas")}
    n_palabras = sum(palabras(c) for c in leido.values())
    codigo_citado = [b for c in leido.values() for lang, b in bloques(c) if lang != "bash"]
    n_codigo = sum(len(b.splitlines()) for b in codigo_citado)
    # Las órdenes de los pasos (las del ejercicio cuentan en el ejercicio).
    ordenes = [
        linea.strip()
        for titulo, cuerpo in leido.items()
        if titulo.startswith("Paso") or titulo == "Antes de empezar"
        for lang, bloque in bloques(cuerpo)
        if lang == "bash"
        for linea in bloque.splitlines()
        if linea.strip() and not linea.startswith("#")
    ]
    lectura = n_palabras / LECTURA_PPM + n_codigo * SEGUNDOS_POR_LINEA_DE_CODIGO / 60
    n_pasos = sum(1 for titulo in leido if titulo.startswith("Paso"))
    pasos = n_pasos * MINUTOS_POR_PASO + sum(minutos_de_orden(orden) for orden in ordenes)
    if carpeta.name.startswith("01_"):
        pasos += INSTALACION
    ejercicios = retos = 0.0
    archivos = (carpeta / "solucion").glob("*")
    for solucion in sorted(ruta for ruta in archivos if ruta.suffix in (".py", ".js")):
        partida = PUNTO_DE_PARTIDA.get(f"{carpeta.name}/{solucion.name}")
        inicio = carpeta.parent / partida if partida else carpeta / "ejercicio" / solucion.name
        escritas = lineas_escritas(inicio, solucion)
        clase = clase_de_ejercicio(carpeta, solucion)
        if clase == "tu turno":
            ejercicios += FIJO_TU_TURNO + escritas * MINUTOS_POR_LINEA_CON_TODO
        else:
            minutos = FIJO_SIN_TODO + escritas * MINUTOS_POR_LINEA_SIN_TODO
            if clase == "reto":
                retos += minutos
            else:
                ejercicios += minutos
    preguntas = len(re.findall(r"^\d+\. ", partes.get("Preguntas", ""), re.MULTILINE))
    return Duracion(
        carpeta.name,
        n_palabras,
        n_codigo,
        len(ordenes),
        lectura,
        pasos,
        ejercicios,
        retos,
        preguntas * MINUTOS_POR_PREGUNTA,
    )


def clase_de_ejercicio(carpeta: Path, solucion: Path) -> str:
    """«tu turno», «construye» o «reto», según la comprobación que carga el archivo
    (``cargar(__file__, "temas")`` o, si no es de Python, ``archivo(__file__, "typing.js")``)."""
    nombres = "|".join(re.escape(nombre) for nombre in (solucion.stem, solucion.name))
    for prueba in sorted(carpeta.glob("test_*.py")):
        if re.search(rf'\(__file__, "(?:{nombres})"\)', prueba.read_text(encoding="utf-8")):
            for clase in ("construye", "reto"):
                if prueba.stem.endswith(f"_{clase}"):
                    return clase
            return "tu turno"
    return "tu turno"


def curso(raiz: Path = LESSONS) -> list[Duracion]:
    return [duracion(c) for c in sorted(raiz.glob("[0-9][0-9]_*")) if c.is_dir()]


def medir(todo: bool) -> None:
    """Vuelve a cronometrar las órdenes de MEDIDAS (las pesadas, solo con --medir=todo)."""
    for orden, (antes, clase) in MEDIDAS.items():
        if clase == PESADA and not todo:
            print(f"(sin medir, pesada) {antes:6.0f} s  {orden}")
            continue
        inicio = time.monotonic()
        subprocess.run(orden.split(), cwd=LESSONS.parent, capture_output=True, check=False)
        print(f"{time.monotonic() - inicio:6.0f} s (antes {antes:.0f} s)  {orden}")


# --- Escribir las cifras donde se leen («--escribir») ----------------------------------

# Una duración como la escribe como_texto() («50 min», «1 h», «1 h 35 min»). Entre sus
# palabras, cualquier espacio: en un párrafo, la línea puede partirse en medio.
TIEMPO = r"\b\d+\s+(?:h(?:\s+\d+\s+min)?|min)"
DURACION = rf"{TIEMPO}(?:\s+\+\s+reto\s+{TIEMPO})?"


def con_reto(d: Duracion) -> str:
    """Cómo se escribe la duración de una lección: «1 h 10 min» o «50 min + reto 45 min»."""
    return como_texto(d.sesion) + (f" + reto {como_texto(d.reto)}" if d.reto else "")


def sustituir(texto: str, patron: str, cifras: tuple[str, ...], donde: str) -> str:
    """En la única aparición de ``patron``, pone cada cifra en su hueco (``c0``, ``c1``…).

    El patrón dice el sitio (la fila, la frase) y sus grupos ``(?P<c0>…)``, qué se cambia.
    Si el sitio no está, o está dos veces, lo dice y para: mejor que escribir donde no toca.
    """

    def poner(encontrado: re.Match[str]) -> str:
        resultado, inicio = encontrado.group(0), encontrado.start()
        for hueco in reversed(range(len(cifras))):
            desde, hasta = encontrado.span(f"c{hueco}")
            resultado = resultado[: desde - inicio] + cifras[hueco] + resultado[hasta - inicio :]
        return resultado

    resultado, veces = re.subn(patron, poner, texto, flags=re.MULTILINE)
    if veces != 1:
        raise SystemExit(
            f"No sé dónde escribir {donde}: lo encuentro {veces} veces, y debía ser una. "
            "¿Cambió la forma de esa línea? Corrígela a mano o ajusta lessons/duracion.py."
        )
    return resultado


def en_seccion(texto: str, titulo: str, patron: str, cifras: tuple[str, ...], donde: str) -> str:
    """Como sustituir(), pero solo dentro de la sección «## titulo» del documento."""
    encontrada = re.search(rf"^## {re.escape(titulo)}\n.*?(?=^## |\Z)", texto, re.M | re.S)
    if encontrada is None:
        raise SystemExit(f"No sé dónde escribir {donde}: no encuentro la sección «{titulo}».")
    inicio, fin = encontrada.span()
    return texto[:inicio] + sustituir(texto[inicio:fin], patron, cifras, donde) + texto[fin:]


def escribir(filas: list[Duracion], raiz: Path = LESSONS) -> list[Path]:
    """Escribe las cifras medidas en los sitios donde se leen; devuelve los archivos cambiados.

    Solo toca esas cifras: la cabecera («**Duración:** … ·») de cada lección, su fila del
    mapa del curso, sus filas en las dos tablas de la guía (el desglose y el plan de una
    lección por sesión), y el total del mapa, del README, de la guía y de su plan compacto.
    Los minutos de cada día del plan compacto, no: ese reparto lo decide una persona.

    Escribirlas no cambia lo que se mide: la cabecera de una lección no cuenta como lectura.
    Si no encuentra uno de los sitios, para antes de escribir nada.
    """
    mapa, guia = raiz / "README.md", raiz / "guia_del_profesor.md"
    readme = raiz.parent / "README.md"
    textos = {ruta: ruta.read_text(encoding="utf-8") for ruta in (mapa, guia, readme)}
    for d in filas:
        cabecera = raiz / d.leccion / "README.md"
        textos[cabecera] = sustituir(
            cabecera.read_text(encoding="utf-8"),
            rf"^> \*\*Duración:\*\* (?P<c0>{DURACION}) ·",
            (con_reto(d),),
            f"la duración de la cabecera de {d.leccion}",
        )
        enlace = rf"\]\({re.escape(d.leccion)}/README\.md\)"
        textos[mapa] = sustituir(
            textos[mapa],
            rf"^\|[^\n]*{enlace}[^\n]*? \| (?P<c0>{DURACION}) \|",
            (con_reto(d),),
            f"la fila de {d.leccion} en el mapa del curso",
        )
        numero = int(d.leccion[:2])
        desglose = [round(d.lectura), round(d.pasos), round(d.ejercicios), round(d.preguntas)]
        textos[guia] = en_seccion(
            textos[guia],
            "Cuánto dura cada lección",
            rf"^\| {numero:02d} \| [^\n]*?{enlace} \| "
            + r"(?P<c0>\d+) \| (?P<c1>\d+) \| (?P<c2>\d+) \| (?P<c3>\d+) \| "
            + rf"(?P<c4>{DURACION}) \|$",
            (*map(str, desglose), con_reto(d)),
            f"la fila de {d.leccion} en la tabla de la guía",
        )
        textos[guia] = en_seccion(
            textos[guia],
            "Un plan: una lección por sesión",
            rf"^\| {numero} \| [^\n]*?{enlace} \| (?P<c0>{TIEMPO}) \|",
            (como_texto(d.sesion),),
            f"la sesión de {d.leccion} en la guía",
        )
    total = como_texto(sum(d.sesion for d in filas))
    retos = como_texto(sum(d.reto for d in filas))
    for ruta in (mapa, readme, guia):
        textos[ruta] = sustituir(
            textos[ruta],
            rf"(?P<c0>{TIEMPO})\s+en\s+clase,\s+más\s+(?P<c1>{TIEMPO})\s+de\s+retos",
            (total, retos),
            f"el total de {ruta.name}",
        )
    textos[guia] = en_seccion(
        textos[guia],
        "Plan compacto: dos semanas",
        rf"\((?P<c0>{TIEMPO})\s+en\s+total\)",
        (total,),
        "el total del plan compacto de la guía",
    )
    cambiados = []
    for ruta, texto in textos.items():
        if texto != ruta.read_text(encoding="utf-8"):
            ruta.write_text(texto, encoding="utf-8")
            cambiados.append(ruta)
    return cambiados


def main(argumentos: list[str]) -> None:
    parser = SpanishArgumentParser(
        prog="python -m lessons.duracion",
        description="Cuánto dura cada lección para un estudiante (el método, en la guía).",
    )
    parser.add_argument(
        "--medir",
        nargs="?",
        const="rapidas",
        choices=["rapidas", "todo"],
        help="vuelve a cronometrar las órdenes largas (con «todo», también las pesadas)",
    )
    parser.add_argument(
        "--raiz", type=Path, default=LESSONS, help="mide otra copia de lessons/ (la de otro commit)"
    )
    parser.add_argument(
        "--escribir",
        action="store_true",
        help="pone las cifras medidas en la cabecera de cada lección, el mapa del curso, "
        "el README y la guía del profesor (solo esas cifras)",
    )
    opciones = parser.parse_args(argumentos)
    if opciones.medir:
        medir(opciones.medir == "todo")
        print()
    filas = curso(opciones.raiz)
    print(
        f"{'lección':28} {'palabras':>8} {'código':>6} {'órdenes':>7}   lectura  pasos  "
        "ejerc.  preg.  sesión    reto"
    )
    for d in filas:
        print(
            f"{d.leccion:28} {d.palabras:8} {d.lineas_de_codigo:6} {d.ordenes:7}   "
            f"{d.lectura:7.0f} {d.pasos:6.0f} {d.ejercicios:7.0f} {d.preguntas:6.0f}  "
            f"{como_texto(d.sesion):>8} {como_texto(d.reto) if d.reto else '—':>7}"
        )
    total = sum(d.sesion for d in filas)
    retos = sum(d.reto for d in filas)
    print(f"\nTotal en clase: {como_texto(total)}; los retos, aparte: {como_texto(retos)}.")
    if opciones.escribir:
        cambiados = escribir(filas, opciones.raiz)
        base = opciones.raiz.parent
        if cambiados:
            lista = "\n".join(f"  {ruta.relative_to(base).as_posix()}" for ruta in cambiados)
            print(f"\nCifras puestas al día en:\n{lista}")
        else:
            print("\nLas cifras de las lecciones, el mapa, el README y la guía ya estaban al día.")


if __name__ == "__main__":
    main(sys.argv[1:])
