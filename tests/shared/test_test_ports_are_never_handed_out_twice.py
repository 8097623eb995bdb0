"""The test suite's port picks (tests/ports.py) never hand out a port twice in a row of picks, nor one that another
pytest process of the same run may hand out: a pick is bound only once the child process it is for has started, so
a repeated pick was a server that could not listen ("Address already in use", a clean-clone run's failure)."""

from __future__ import annotations

import socket

import pytest

from tests import ports


@pytest.fixture(autouse=True)
def fresh_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ports, "_cursor", None)


def test_picks_not_yet_bound_are_all_different(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ports.SLICE_ENV, "0/4")
    picks = [ports.free_port() for _ in range(1000)]  # none bound, as a stack's before its processes start
    assert len(set(picks)) == len(picks)
    runs = [ports.free_ports(3) for _ in range(300)]
    taken = [port for base in runs for port in range(base, base + 3)]
    assert len(set(taken)) == len(taken)


def test_each_process_of_a_run_picks_in_a_share_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    shares = []
    for index in range(4):
        monkeypatch.setenv(ports.SLICE_ENV, f"{index}/4")
        monkeypatch.setattr(ports, "_cursor", None)
        picks = {ports.free_port() for _ in range(200)}
        assert picks <= set(ports.port_slice())
        shares.append(set(ports.port_slice()))
    assert all(not a & b for i, a in enumerate(shares) for b in shares[i + 1:])
    assert min(map(min, shares)) == ports.LOWEST and max(map(max, shares)) < ports._ephemeral_low()


def test_a_port_someone_listens_on_is_passed_over(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ports.SLICE_ENV, "1/4")
    first = ports.free_port()
    monkeypatch.setattr(ports, "_cursor", None)
    with socket.socket() as held:
        held.bind(("127.0.0.1", first))
        held.listen()
        assert all(ports.free_port() != first for _ in range(len(ports.port_slice())))


def test_a_malformed_share_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ports.SLICE_ENV, "4/4")
    with pytest.raises(ValueError, match=ports.SLICE_ENV):
        ports.free_port()
