"""A RabbitMQ node of the test's own (port 5679), so a test can restart a broker nobody else uses."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

NODE = "glfault@localhost"
PORT = 5679


class RabbitNode:
    def __init__(self, port: int = PORT, node: str = NODE) -> None:
        self.port = port
        self.node = node
        self.base = Path(tempfile.mkdtemp(prefix="glfault-"))
        (self.base / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{port}\n")
        # The plugin GREENLIGHT_PARTITIONS needs (services/shared/partitions.py), as on the shared node.
        (self.base / "enabled_plugins").write_text("[rabbitmq_consistent_hash_exchange].\n")
        (self.base / "env.conf").write_text("")  # not /etc/rabbitmq's: that one names the shared node
        if os.geteuid() == 0:  # rabbitmq-server drops to the rabbitmq user, which must own its dirs
            user = pwd.getpwnam("rabbitmq")
            os.chown(self.base, user.pw_uid, user.pw_gid)
        self.pid_file = self.base / "pid"

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/?reconnect_interval=0.5"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ, "RABBITMQ_NODENAME": self.node, "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.port + 20000), "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"), "RABBITMQ_PID_FILE": str(self.pid_file),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "env.conf"),
            "ERL_FLAGS": "-kernel inet_dist_use_interface {127,0,0,1}",
        }

    def _ctl(self, *args: str, timeout: float = 90) -> None:
        subprocess.run(["rabbitmqctl", "-n", self.node, *args], env=self._env(), check=True, timeout=timeout,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        subprocess.run(["rabbitmq-server", "-detached"], env=self._env(), check=True, timeout=30)
        # `wait` returns once the node's applications run (it follows the pid file, then the node).
        self._ctl("wait", str(self.pid_file), "--timeout", "60")

    def stop(self) -> None:
        """A real stop: the Erlang VM exits, every connection drops, unconfirmed publishes fail."""
        self._ctl("stop", str(self.pid_file))

    def restart(self) -> None:
        self.stop()
        self.start()

    def destroy(self) -> None:
        try:
            self.stop()
        except subprocess.SubprocessError:
            pass
        shutil.rmtree(self.base, ignore_errors=True)
