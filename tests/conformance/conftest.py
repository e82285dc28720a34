"""Cada prueba de la suite de conformidad corre una vez por configuración (deployments.py).

* ``deployment``: una configuración compartida por todas las pruebas que solo conversan;
  se arranca una vez por sesión. Cada prueba usa salas propias (``room``), así que no se
  molestan entre sí.
* ``fresh``: una configuración nueva solo para esta prueba, para lo que rompe cosas
  (reiniciar, parar Redis, matar un proceso). ``@pytest.mark.options("--max-rooms=3")``
  le añade opciones.
* ``@pytest.mark.kinds("redis", "redis-2", "nginx")`` limita una prueba a las
  configuraciones donde tiene sentido: las demás ni la generan (no es un salto: en CI un
  salto es un fallo, y una diferencia entre configuraciones se escribe, no se esconde).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator

import pytest

from tests.conformance.deployments import KINDS, Deployment, running
from tests.conformance.students import Student

# Lo que esperan, entre todos, los estudiantes de una prueba a que se cierren sus conexiones.
STUDENT_CLOSE_TIMEOUT = 10

_rooms = itertools.count(1)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marker = metafunc.definition.get_closest_marker("kinds")
    kinds = list(marker.args) if marker else list(KINDS)
    unknown = set(kinds) - set(KINDS)
    assert not unknown, f"Configuraciones desconocidas en @kinds: {unknown}"
    if "deployment" in metafunc.fixturenames:
        metafunc.parametrize("deployment", kinds, indirect=True, scope="session")
    elif "fresh" in metafunc.fixturenames:
        metafunc.parametrize("fresh", kinds, indirect=True)


@pytest.fixture(scope="session")
def deployment(request: pytest.FixtureRequest, tmp_path_factory) -> Iterator[Deployment]:
    with running(request.param, tmp_path_factory.mktemp(request.param)) as started:
        yield started


@pytest.fixture
def fresh(request: pytest.FixtureRequest, tmp_path) -> Iterator[Deployment]:
    marker = request.node.get_closest_marker("options")
    extra = tuple(marker.args) if marker else ()
    with running(request.param, tmp_path, extra) as started:
        yield started


@pytest.fixture
def room() -> str:
    """Una sala que ninguna otra prueba de la sesión usa."""
    return f"c{next(_rooms)}"


@pytest.fixture
def class_of(io_loop) -> Iterator[Callable[..., list[Student]]]:
    """``class_of(deployment, 3)``: tres estudiantes, cada uno en su dispositivo.

    Con dos procesos sin nginx, el primero entra por uno y el segundo por el otro. Al
    acabar la prueba, todos cierran.
    """
    made: list[Student] = []

    def make(deployment: Deployment, count: int, **kwargs) -> list[Student]:
        students = [Student(deployment, len(made) + n, **kwargs) for n in range(count)]
        made.extend(students)
        return students

    yield make

    async def leave_all() -> None:
        for student in made:
            await student.close()

    io_loop.run_sync(leave_all, timeout=STUDENT_CLOSE_TIMEOUT)
