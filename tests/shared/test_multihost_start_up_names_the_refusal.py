"""With several broker addresses, the start-up line names what a node refused, not the last node's silence.

Each address is tried in turn and the last one's error was raised. A wrong password in AMQP_URL, refused by the
first node while the last was down (a node being restarted), was reported as "no broker answers ... start
RabbitMQ": the operator restarted brokers that ran, and the password, the thing to fix, went unnamed.
"""

from __future__ import annotations

import pytest
from yarl import URL

from services.shared.multihost import MultiHostConnection
from services.shared.settings import StartupError
from services.shared.startup import broker_error
from tests.ports import free_port as closed_port  # nothing listens there


@pytest.mark.parametrize("refusing_first", [True, False])
async def test_a_refused_password_is_named_wherever_its_node_is_listed(amqp_url: str, refusing_first: bool) -> None:
    broker = URL(amqp_url)
    refusing = f"amqp://guest:not-the-password@{broker.host}:{broker.port}/"
    down = f"amqp://guest:not-the-password@127.0.0.1:{closed_port()}/"
    listed = [refusing, down] if refusing_first else [down, refusing]
    connection = MultiHostConnection(listed)
    with pytest.raises(Exception) as caught:
        await connection.connect(timeout=5)
    problem = broker_error(caught.value, ",".join(listed))
    assert isinstance(problem, StartupError)
    assert "refused the user or password in AMQP_URL" in str(problem), problem
    assert "not-the-password" not in str(problem)
