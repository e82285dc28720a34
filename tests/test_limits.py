"""El límite de frecuencia, sin red: un reloj falso hace las pruebas exactas."""

from __future__ import annotations

from common.limits import FloodGuard, FloodLimits, TokenBucket, Verdict


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_full_bucket_allows_a_burst_then_refuses() -> None:
    bucket = TokenBucket(rate=1, burst=3, clock=FakeClock())
    assert [bucket.take() for _ in range(4)] == [True, True, True, False]


def test_the_bucket_refills_at_its_rate_up_to_the_burst() -> None:
    clock = FakeClock()
    bucket = TokenBucket(rate=2, burst=3, clock=clock)
    for _ in range(3):
        bucket.take()
    clock.now = 1.0  # Un segundo: dos fichas nuevas.
    assert [bucket.take() for _ in range(3)] == [True, True, False]
    clock.now = 100.0  # Mucho tiempo: nunca más de «burst».
    assert sum(bucket.take() for _ in range(10)) == 3


def test_a_person_typing_fast_is_never_limited() -> None:
    clock = FakeClock()
    guard = FloodGuard(FloodLimits(rate=5, burst=10), clock=clock)
    verdicts = []
    for _ in range(100):  # Tres mensajes por segundo durante más de medio minuto.
        clock.now += 1 / 3
        verdicts.append(guard.check())
    assert set(verdicts) == {Verdict.ACCEPT}


def test_a_flood_is_dropped_and_then_closed() -> None:
    guard = FloodGuard(FloodLimits(rate=5, burst=10, strikes=20), clock=FakeClock())
    verdicts = [guard.check() for _ in range(31)]
    assert verdicts == [Verdict.ACCEPT] * 10 + [Verdict.DROP] * 20 + [Verdict.CLOSE]


def test_strikes_recover_when_the_client_calms_down() -> None:
    clock = FakeClock()
    guard = FloodGuard(FloodLimits(rate=1, burst=1, strikes=2), clock=clock)
    assert [guard.check() for _ in range(3)] == [Verdict.ACCEPT, Verdict.DROP, Verdict.DROP]
    clock.now = 60.0  # Un minuto tranquilo.
    assert [guard.check() for _ in range(3)] == [Verdict.ACCEPT, Verdict.DROP, Verdict.DROP]
