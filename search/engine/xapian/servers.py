"""A local test cluster on 127.0.0.1: the Xapian server processes, started, stopped, promoted.

``vnsearch cluster start --shards N --replicas M --dir D`` lays out, for every copy of every
shard (see :mod:`search.engine.xapian.cluster` for the ports)::

    D/cluster.json                   the configuration (what --index names)
    D/node-<port>/a, D/node-<port>/b the copy's two slot databases
    D/logs/<port>-<what>.log         each server's output

and runs, per primary, ``xapian-tcpsrv --writable`` for each slot and
``xapian-replicate-server`` over its node directory; per replica, ``xapian-tcpsrv`` (read
only) for each slot and one ``xapian-replicate`` loop per slot pulling from its primary.
Each process leads its own process group (``xapian-tcpsrv`` forks a child per
connection), so stopping a copy kills the whole group, as losing its host would.

What a real deployment runs instead, host by host, is in the README ("Cluster").
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import xapian

from search.engine.xapian.cluster import (
    SLOTS,
    ClusterConfig,
    ClusterStore,
    Shard,
    load_config,
    replication_port,
    save_config,
    slot_port,
    split_address,
    writer_lock,
)
from search.engine.xapian.store import ShardHealth, shard_health_dicts
from search.errors import VnSearchError

CONFIG_NAME = "cluster.json"
HOST = "127.0.0.1"
TOOLS = ("xapian-tcpsrv", "xapian-replicate", "xapian-replicate-server")
INSTALL_HINT = "apt-get install -y xapian-tools"
PORTS_PER_COPY = 3  # slot a, slot b, replication
MAX_CHANGESETS = "50"  # changesets a primary keeps for its replicas (more: a full copy)
REPLICATE_INTERVAL = "1"  # seconds between a replica's pulls (xapian-replicate -i)
START_SECONDS = 10.0  # a server that does not listen by then failed to start
STOP_SECONDS = 5.0


class ClusterError(VnSearchError):
    """A local cluster cannot be started, stopped or changed as asked (a CLI error)."""


def config_path(directory: Path) -> Path:
    return directory / CONFIG_NAME


def check_tools() -> None:
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if missing:
        raise ClusterError(f"{', '.join(missing)} not found: install Debian's xapian-tools "
                           f"(as root: apt-get update && {INSTALL_HINT})")


# -- processes -----------------------------------------------------------------------------------
def _log(directory: Path, address: str, what: str) -> Any:
    logs = directory / "logs"
    logs.mkdir(exist_ok=True)
    return open(logs / f"{split_address(address)[1]}-{what}.log", "ab")


def _spawn(directory: Path, address: str, what: str, argv: list[str],
           env: dict[str, str] | None = None) -> int:
    with _log(directory, address, what) as log:
        proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                stderr=subprocess.STDOUT, cwd=directory,
                                env=env, start_new_session=True)
    _CHILDREN[proc.pid] = proc
    return proc.pid


# The servers this process started and has not reaped (a long-lived process, such as the
# tests, stops and starts many; the CLI exits and leaves them to init).
_CHILDREN: dict[int, "subprocess.Popen[bytes]"] = {}


def _is_ours(pid: int) -> bool:
    """Whether ``pid`` is still one of the Xapian servers we started (not a reused pid)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (OSError, IndexError):
        return False
    return cmdline.startswith(b"xapian-") and state != "Z"


def _reap(pid: int) -> None:
    proc = _CHILDREN.get(pid)
    if proc is not None and proc.poll() is not None:
        del _CHILDREN[pid]


def kill_group(pid: int, sig: int = signal.SIGTERM) -> None:
    """Signal a server and every child it forked (its process group), if it is still ours."""
    if _is_ours(pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(pid, sig)
    _reap(pid)


def _stop_pids(pids: list[int]) -> None:
    for pid in pids:
        kill_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + STOP_SECONDS
    while any(_is_ours(p) for p in pids) and time.monotonic() < deadline:
        for pid in pids:
            _reap(pid)
        time.sleep(0.01)
    for pid in pids:
        kill_group(pid, signal.SIGKILL)


def listening(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def _exited(pid: int) -> bool:
    """Whether a server we just started has exited (a child: reaped here)."""
    proc = _CHILDREN.get(pid)
    if proc is None:
        return not Path(f"/proc/{pid}").exists()
    return proc.poll() is not None


def _wait_listening(directory: Path, address: str, ports: list[int], pids: list[int]) -> None:
    host, _ = split_address(address)
    deadline = time.monotonic() + START_SECONDS
    while not all(listening(host, p) for p in ports):
        if time.monotonic() > deadline or any(_exited(p) for p in pids):
            _stop_pids(pids)
            raise ClusterError(f"the servers of {address} did not start (ports "
                               f"{', '.join(map(str, ports))}): see {directory / 'logs'}")
        time.sleep(0.002)


# -- one copy ------------------------------------------------------------------------------------
def _node_dir(directory: Path, address: str) -> Path:
    return directory / f"node-{split_address(address)[1]}"


def _start_primary(directory: Path, address: str) -> list[int]:
    host, _ = split_address(address)
    node = _node_dir(directory, address)
    node.mkdir(parents=True, exist_ok=True)
    for slot in SLOTS:
        if not (node / slot).exists():
            db = xapian.WritableDatabase(str(node / slot), xapian.DB_CREATE_OR_OPEN)
            db.commit()  # an empty first revision, which replicas can copy
            db.close()
    # The writes happen in the server process: it is the one that must keep changesets.
    env = {**os.environ, "XAPIAN_MAX_CHANGESETS": MAX_CHANGESETS}
    pids = [_spawn(directory, address, f"tcpsrv-{slot}", [
        "xapian-tcpsrv", "--writable", "--quiet", "--interface", host,
        "--port", str(slot_port(address, slot)), str(node / slot)], env) for slot in SLOTS]
    pids.append(_spawn(directory, address, "replicate-server", [
        "xapian-replicate-server", "-I", host, "-p", str(replication_port(address)), str(node)]))
    _wait_listening(directory, address, [slot_port(address, s) for s in SLOTS]
                    + [replication_port(address)], pids)
    return pids


def _replicate_once(directory: Path, address: str, primary: str, slot: str,
                    force: bool = False) -> None:
    """The first copy of a slot, before the replica serves it (a server on a path with no
    database yet would fail every query)."""
    host, _ = split_address(primary)
    target = _node_dir(directory, address) / slot
    argv = ["xapian-replicate", "-h", host, "-p", str(replication_port(primary)), "-m", slot,
            "-o", "-q", *(["-f"] if force else []), str(target)]
    deadline = time.monotonic() + START_SECONDS
    while True:
        done = subprocess.run(argv, capture_output=True, text=True, cwd=directory)
        if done.returncode == 0 and (target / "XAPIANDB").exists():
            return
        if time.monotonic() > deadline:
            raise ClusterError(f"{address} could not copy slot {slot} from its primary "
                               f"{primary}: {done.stderr.strip() or done.stdout.strip()}")
        time.sleep(0.01)


def _start_replica(directory: Path, address: str, primary: str, fresh: bool = False) -> list[int]:
    host, _ = split_address(address)
    node = _node_dir(directory, address)
    if fresh:  # a former primary rejoining: its databases are not replicas of anything
        shutil.rmtree(node, ignore_errors=True)
    node.mkdir(parents=True, exist_ok=True)
    for slot in SLOTS:
        _replicate_once(directory, address, primary, slot)
    p_host, _ = split_address(primary)
    pids = [_spawn(directory, address, f"tcpsrv-{slot}", [
        "xapian-tcpsrv", "--quiet", "--interface", host, "--port", str(slot_port(address, slot)),
        str(node / slot)]) for slot in SLOTS]
    pids += [_spawn(directory, address, f"replicate-{slot}", [
        "xapian-replicate", "-h", p_host, "-p", str(replication_port(primary)), "-m", slot,
        "-i", REPLICATE_INTERVAL, "-r", "0", "-q", str(node / slot)]) for slot in SLOTS]
    _wait_listening(directory, address, [slot_port(address, s) for s in SLOTS], pids)
    return pids


# -- the local cluster's state in its configuration --------------------------------------------
def _pids(config: ClusterConfig) -> dict[str, list[int]]:
    return {a: list(p) for a, p in (config.local.get("pids") or {}).items()}


def _with_pids(config: ClusterConfig, pids: dict[str, list[int]]) -> ClusterConfig:
    return replace(config, local={**config.local, "pids": pids})


def _local_dir(config: ClusterConfig, path: Path) -> Path:
    if not config.local.get("dir"):
        raise ClusterError(f"{path} is not a local test cluster (no \"local\" section): "
                           "its servers run elsewhere; see the README (Cluster)")
    return Path(config.local["dir"])


def _choose_ports(count: int, host: str, base: int) -> list[int]:
    """``count`` copies' first ports, each followed by two more, all free. ``base`` 0:
    anywhere free (tried at random places)."""
    width = count * PORTS_PER_COPY
    starts = [base] if base else [random.randrange(20_000, 60_000 - width) for _ in range(50)]
    for start in starts:
        taken = [p for p in range(start, start + width) if not _port_free(host, p)]
        if not taken:
            return list(range(start, start + width, PORTS_PER_COPY))
        if base:
            raise ClusterError(f"port {taken[0]} on {host} is taken (the cluster needs ports "
                               f"{start}-{start + width - 1}): choose another --base-port")
    raise ClusterError(f"no {width} free consecutive ports found on {host}; give --base-port")


def start(directory: Path, shards: int, replicas: int, base_port: int = 0,
          host: str = HOST) -> Path:
    """Start a local cluster in ``directory`` (or restart the one stopped there, with its
    data and roles); the configuration's path."""
    check_tools()
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    path = config_path(directory)
    if path.exists():
        config = load_config(path)
        if any(_is_ours(p) for pids in _pids(config).values() for p in pids):
            raise ClusterError(f"a cluster is already running in {directory}: "
                               f"`vnsearch cluster stop --dir {directory}` first")
        if (len(config.shards), len(config.shards[0].replicas)) != (shards, replicas):
            raise ClusterError(
                f"{path} has {len(config.shards)} shard(s) x {len(config.shards[0].replicas)} "
                f"replica(s), not {shards} x {replicas}: use another --dir")
        for address in (a for s in config.shards for a in s.copies):
            busy = [p for p in range(split_address(address)[1],
                                     split_address(address)[1] + PORTS_PER_COPY)
                    if not _port_free(split_address(address)[0], p)]
            if busy:
                raise ClusterError(f"port {busy[0]} is taken: the cluster in {directory} "
                                   "cannot restart on its ports")
    else:
        firsts = iter(_choose_ports(shards * (replicas + 1), host, base_port))
        config = ClusterConfig(
            shards=tuple(Shard(f"{host}:{next(firsts)}",
                               tuple(f"{host}:{next(firsts)}" for _ in range(replicas)))
                         for _ in range(shards)),
            local={"dir": str(directory)})
    pids: dict[str, list[int]] = {}
    try:
        for shard in config.shards:
            pids[shard.primary] = _start_primary(directory, shard.primary)
            for replica in shard.replicas:
                pids[replica] = _start_replica(directory, replica, shard.primary)
    except BaseException:
        _stop_pids([p for ps in pids.values() for p in ps])
        raise
    save_config(path, _with_pids(config, pids))
    return path


def stop(path: Path) -> int:
    """Stop every server of a local cluster; how many processes were running."""
    config = load_config(path)
    directory = str(_local_dir(config, path))
    pids = [p for ps in _pids(config).values() for p in ps]
    # and any server this process started for the cluster that the file no longer lists
    pids += [pid for pid, proc in list(_CHILDREN.items())
             if pid not in pids and directory in str(proc.args)]
    running = sum(1 for p in pids if _is_ours(p))
    _stop_pids(pids)
    save_config(path, _with_pids(config, {}))
    return running


def stop_copy(path: Path, address: str, sig: int = signal.SIGTERM) -> None:
    """Stop (or, with SIGKILL, kill as a lost host would die) one copy's processes."""
    config = load_config(path)
    pids = _pids(config).get(address, [])
    if sig == signal.SIGTERM:
        _stop_pids(pids)
    else:
        for pid in pids:
            kill_group(pid, sig)


@dataclass(frozen=True)
class Status:
    config: ClusterConfig
    shards: list[ShardHealth]
    running: dict[str, int]  # address -> how many of its local processes run

    def to_dict(self) -> dict[str, Any]:
        shards = shard_health_dicts(self.shards)
        for shard in shards:
            for copy in shard["copies"]:
                copy["processes"] = self.running.get(copy["address"])
        return {"generation": self.config.generation, "slot": self.config.slot,
                "local": bool(self.config.local.get("dir")), "shards": shards,
                "available": all(s.available for s in self.shards)}


def status(path: Path) -> Status:
    """The one data function behind ``cluster status`` and ``cluster status --json``."""
    config = load_config(path)
    running = {a: sum(1 for p in ps if _is_ours(p)) for a, ps in _pids(config).items()}
    return Status(config, ClusterStore(path).health(), running)


def promote(path: Path, shard_number: int, replica: str | None = None) -> str:
    """Make a replica of ``shard_number`` its writable primary; the new primary's address.

    Under the writer lock (no build or add runs meanwhile). The old primary is fenced first
    (its processes stopped: it must never take a write again), the replica's servers are
    restarted writable with a replication server, the other replicas follow the new primary,
    and the old primary rejoins as a replica with a fresh copy."""
    check_tools()
    with writer_lock(path, f"cluster promote {shard_number}"):
        config = load_config(path)
        directory = _local_dir(config, path)
        if not 0 <= shard_number < len(config.shards):
            raise ClusterError(f"no shard {shard_number}: the cluster has shards "
                               f"0-{len(config.shards) - 1}")
        shard = config.shards[shard_number]
        if not shard.replicas:
            raise ClusterError(f"shard {shard_number} has no replica to promote")
        if replica is None:
            alive = [r for r in shard.replicas
                     if listening(split_address(r)[0], slot_port(r, "a"))]
            if not alive:
                raise ClusterError(f"shard {shard_number} has no live replica "
                                   f"({', '.join(shard.replicas)}): start one first")
            replica = alive[0]
        elif replica not in shard.replicas:
            raise ClusterError(f"{replica} is not a replica of shard {shard_number} "
                               f"(its replicas: {', '.join(shard.replicas)})")
        pids = _pids(config)
        old = shard.primary
        _stop_pids(pids.pop(old, []))  # fence the old primary
        _stop_pids(pids.pop(replica, []))
        pids[replica] = _start_primary(directory, replica)
        others = [r for r in shard.replicas if r != replica]
        for address in others:
            _stop_pids(pids.pop(address, []))
            pids[address] = _start_replica(directory, address, replica, fresh=True)
        pids[old] = _start_replica(directory, old, replica, fresh=True)
        shards = list(config.shards)
        shards[shard_number] = Shard(replica, (*others, old))
        save_config(path, _with_pids(replace(config, shards=tuple(shards)), pids))
        return replica
