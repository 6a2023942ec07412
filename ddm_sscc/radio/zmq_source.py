"""Complex samples from a ZeroMQ SUB socket: ``ddm-sscc capture --radio zmq``.

It connects where a GNU Radio ZMQ PUB Sink binds: ``channel_zmq``'s output, "the air",
which every receiver listening at the time hears (so a capture can run beside
``rx_zmq``), and which nobody hears while nobody listens.  The sink must send raw
``complex64`` items (``pass_tags`` off), as ``channel_zmq``'s output does.
"""

from __future__ import annotations

import time
from urllib.parse import urlparse

import numpy as np

from ddm_sscc.errors import ConfigError, RadioError

LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")


def capture_zmq(address: str, n_samples: int, timeout: float = 10.0, allow_remote: bool = False) -> np.ndarray:
    """Read ``n_samples`` complex64 samples from ``address``; fewer if the stream stops for ``timeout`` s.

    Raises RadioError when nothing arrives at all, ConfigError for a non-local address
    unless ``allow_remote``.
    """
    import zmq

    url = urlparse(address)
    if url.scheme != "tcp" or not url.hostname or url.port is None:
        raise ConfigError(f"ZMQ address must look like tcp://127.0.0.1:PORT, got {address!r}")
    if url.hostname not in LOCAL_HOSTS and not allow_remote:
        raise ConfigError(f"ZMQ address {address} is not on this machine; pass allow_remote to use it")
    if n_samples < 1:
        raise ConfigError(f"need at least one sample, got {n_samples}")
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.SUB)
    sock.setsockopt(zmq.LINGER, 0)
    sock.setsockopt(zmq.SUBSCRIBE, b"")
    sock.connect(address)
    parts: list[np.ndarray] = []
    have = 0
    leftover = b""
    try:
        last = time.monotonic()
        while have < n_samples:
            if not sock.poll(100):
                if time.monotonic() - last > timeout:
                    break
                continue
            last = time.monotonic()
            data = leftover + sock.recv()
            usable = len(data) - len(data) % 8  # whole complex64 items
            leftover = data[usable:]
            chunk = np.frombuffer(data[:usable], dtype=np.complex64)
            parts.append(chunk[: n_samples - have])
            have += min(chunk.size, n_samples - have)
    finally:
        sock.close()
    if not have:
        raise RadioError(f"no samples from {address} within {timeout:g} s")
    return np.concatenate(parts)
