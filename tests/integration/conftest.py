"""Fixtures: the real motcua binary serving on a free port with a temporary data folder.

The binary is $MOTCUA_BIN, else build/motcua in this repository.  Run with
    /usr/bin/python3 -m pytest -q tests/integration
"""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

pytest.register_assert_rewrite("motcua_server")
import motcua_server  # noqa: E402  (tests/motcua_server.py)
from motcua_server import new_server  # noqa: E402


def pytest_configure(config):
    if not os.access(motcua_server.binary(), os.X_OK):
        raise pytest.UsageError("no motcua binary at %s: build it (ninja -C build) or set "
                                "MOTCUA_BIN" % motcua_server.binary())


def _stop_and_check(srv):
    rc = srv.stop()
    assert rc == 0, "motcua serve did not exit 0 on SIGTERM (%r); stderr:\n%s" % (rc, srv.stderr())


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A running server (2 threads, empty data folder) shared by one test module."""
    srv = new_server(str(tmp_path_factory.mktemp("motcua")))
    yield srv
    _stop_and_check(srv)


@pytest.fixture(scope="module")
def base_url(server):
    return server.url


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory):
    """A running server whose data folder was filled by 'motcua demo'."""
    srv = new_server(str(tmp_path_factory.mktemp("motcua-demo")), demo=True)
    yield srv
    _stop_and_check(srv)


@pytest.fixture
def start_server(tmp_path):
    """Factory for a fresh server owned by one test: start_server(demo=False, threads=2, ...).

    Servers the test did not stop itself are stopped at teardown and must exit 0."""
    started = []

    def start(**kw):
        workdir = tmp_path / ("srv%d" % len(started))
        workdir.mkdir()
        srv = new_server(str(workdir), **kw)
        started.append(srv)
        return srv

    yield start
    for srv in started:
        if srv.proc is not None:
            _stop_and_check(srv)
