"""Las direcciones del banner: se calculan sin enviar nada y nunca se escriben a mano."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from common.startup import network
from common.startup.banner import banner


def test_lan_addresses_are_ipv4_and_never_loopback() -> None:
    for ip in network.lan_addresses():
        address = ipaddress.IPv4Address(ip)
        assert not address.is_loopback and not address.is_link_local


def test_urls_for_all_interfaces_start_with_ipv4_loopback_then_the_lan(monkeypatch) -> None:
    monkeypatch.setattr(network, "lan_addresses", lambda: ["198.51.100.7"])
    urls = network.server_urls("http://{host}/", 8000)
    assert urls == ["http://127.0.0.1:8000/", "http://198.51.100.7:8000/"]


def test_urls_for_one_address_show_only_that_address() -> None:
    assert network.server_urls("ws://{host}", 8765, "127.0.0.1") == ["ws://127.0.0.1:8765"]
    assert network.server_urls("ws://{host}", 8765, "::1") == ["ws://[::1]:8765"]


def test_the_banner_says_what_to_open_here_and_from_other_devices() -> None:
    text = banner(
        "Stack 1", ["ws://localhost:8765", "ws://198.51.100.7:8765"], Path("cliente.html")
    )
    assert "En este equipo:        ws://localhost:8765" in text
    assert "Desde otro dispositivo: ws://198.51.100.7:8765" in text
    assert Path("cliente.html").resolve().as_uri() in text
    assert "Ctrl+C" in text


def test_the_banner_warns_when_there_is_no_lan() -> None:
    assert "solo funciona en este equipo" in banner("Stack 2", ["http://localhost:8000/"])
