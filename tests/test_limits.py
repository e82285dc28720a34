"""Los límites, sin red: la frecuencia (con un reloj falso, exacta) y las reglas por dirección."""

from __future__ import annotations

import pytest

from common.defences.limits import FloodGuard, FloodLimits, TokenBucket, Verdict
from common.defences.per_address import TCP_PER_WEBSOCKET, AddressRules, door_rules
from common.defences.proxies import LOOPBACK, TrustedProxies


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


# --- Por dirección: el portero y los proxies de confianza ------------------------------


def test_the_door_of_a_server_without_pages_counts_every_connection_as_a_websocket() -> None:
    rules = AddressRules(connections=20, connect_rate=5, connect_burst=20)
    assert door_rules(rules, pages=False) == rules


def test_the_door_of_a_server_with_pages_admits_the_http_connections_of_each_tab() -> None:
    door = door_rules(AddressRules(connections=20, connect_rate=5, connect_burst=20), pages=True)
    assert (door.connections, door.connect_rate, door.connect_burst) == (
        20 * TCP_PER_WEBSOCKET,
        5 * TCP_PER_WEBSOCKET,
        20 * TCP_PER_WEBSOCKET,
    )
    # Diez pestañas, cada una con su WebSocket y cinco conexiones keep-alive, caben.
    assert door.connections >= 10 * (1 + 5) and door.connect_burst >= 10 * (1 + 5)


def test_no_limit_stays_no_limit_at_the_door() -> None:
    door = door_rules(AddressRules(connections=0, connect_rate=0), pages=True)
    assert (door.connections, door.connect_rate) == (0, 0)


@pytest.mark.parametrize(
    ("ip", "trusted"),
    [
        ("127.0.0.1", True),
        ("127.8.9.10", True),
        ("::1", True),
        ("::ffff:127.0.0.1", True),  # Un socket IPv6 que también acepta IPv4.
        ("192.168.1.23", False),
        ("::2", False),
        ("no es una ip", False),
    ],
)
def test_by_default_only_this_machine_is_a_trusted_proxy(ip, trusted) -> None:
    assert (ip in TrustedProxies(LOOPBACK)) is trusted


def test_trusted_proxies_can_be_a_network() -> None:
    proxies = TrustedProxies(["10.0.0.0/24", " 192.168.1.5 "])
    assert "10.0.0.77" in proxies and "192.168.1.5" in proxies
    assert "10.0.1.1" not in proxies and "127.0.0.1" not in proxies


def test_without_trusted_proxies_no_one_is_believed() -> None:
    assert not TrustedProxies() and "127.0.0.1" not in TrustedProxies()


def test_a_trusted_proxy_that_is_not_an_ip_says_which_one() -> None:
    with pytest.raises(ValueError, match=r"nginx\.local"):
        TrustedProxies(["127.0.0.1", "nginx.local"])
