"""Server memory per idle room socket, beside the bare Channels floor.

    .venv/bin/python bench/socket_memory.py                   # 200 then 500 sockets, one worker
    .venv/bin/python bench/socket_memory.py --steps 100 300 1000 --workers 2
    BENCH_REDIS_URL=redis://127.0.0.1:6379/12 .venv/bin/python bench/socket_memory.py

Starts uvicorn on ``config.asgi:application`` (PostgreSQL, the Redis pub/sub
layer: the servers and the seed of bench/room_fanout.py, in a database of its
own, ``cercle_socketmem``, seeded once and reused), warms it up (20 sockets in
two rooms, three timer actions in each, the sockets closed again), reads the
server's resident memory (``VmRSS`` of /proc/<pid>/status; with ``--workers``
the workers' sum), then opens idle room sockets, ten per room, up to each
step in turn, waits until every socket has its room and nothing moves, and
reads it again. Per socket = (RSS at the step - RSS after warm-up) / sockets.
The same against bench/floor_asgi.py (a bare consumer in a group, a fixed
fragment), in the same run.
"""

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import room_fanout as fanout

ROOT = fanout.ROOT
DB_NAME = "cercle_socketmem"
PER_ROOM = 10
WARM_ROOMS = 2
QUIET = 2.0  # seconds without a message before a reading


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def server_pids(port: int) -> list[int]:
    """The uvicorn process serving ``port`` and, with workers, its children
    (the workers: the memory that serves sockets)."""
    main, parents = None, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            cmd = (entry / "cmdline").read_bytes().split(b"\0")
            if b"uvicorn" in cmd and str(port).encode() in cmd:
                main = int(entry.name)
            for line in (entry / "status").read_text().splitlines():
                if line.startswith("PPid:"):
                    parents[int(entry.name)] = int(line.split()[1])
    if main is None:
        return []
    children = [pid for pid, ppid in parents.items() if ppid == main]
    return children or [main]


def total_rss(port: int) -> tuple[int, int]:
    pids = server_pids(port)
    return sum(rss_kib(pid) for pid in pids), len(pids)


async def quiet(run: "fanout.Run", want: int, timeout: float = 120) -> None:
    """Every socket open has had its first message, and QUIET s passed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = sum(1 for s in run.sockets if s.messages)
        if got >= want and time.perf_counter() - run.last_message > QUIET:
            return
        await asyncio.sleep(0.2)


async def measure(port: int, seeded: dict, steps: list[int], *, cercle: bool) -> dict:
    rooms = max(steps) // PER_ROOM + WARM_ROOMS
    limit = asyncio.Semaphore(fanout.CONNECT_CONCURRENCY)
    figures = {"steps": []}
    # Warm-up: the first sockets, renders and actions allocate what every
    # later one reuses (templates, the layer's connections, the pool).
    warm = fanout.Run(port, rooms, PER_ROOM, 3, 0.2, cercle=cercle, seeded=seeded)
    async with contextlib.AsyncExitStack() as stack:
        readers = [
            await warm.open_socket(room, i, limit, stack)
            for room in range(WARM_ROOMS)
            for i in range(PER_ROOM)
        ]
        await quiet(warm, len(readers))
        actions: list = []
        await asyncio.gather(*(warm.drive_room(room, actions) for room in range(WARM_ROOMS)))
        await asyncio.sleep(QUIET)
        for task in readers:
            task.cancel()
    await asyncio.sleep(2 * QUIET)  # the departures handled
    base, processes = total_rss(port)
    figures.update(base_kib=base, processes=processes, warm_errors=warm.errors)
    run = fanout.Run(port, rooms, PER_ROOM, 0, 0, cercle=cercle, seeded=seeded)
    async with contextlib.AsyncExitStack() as stack:
        readers, opened = [], 0
        for step in steps:
            started = time.perf_counter()
            readers += await asyncio.gather(
                *(
                    run.open_socket(WARM_ROOMS + n // PER_ROOM, n % PER_ROOM, limit, stack)
                    for n in range(opened, step)
                )
            )
            opened = step
            await quiet(run, opened)
            rss, _ = total_rss(port)
            figures["steps"].append(
                {
                    "sockets": opened,
                    "rss_kib": rss,
                    "per_socket_kib": (rss - base) / opened,
                    "with_first_message": sum(1 for s in run.sockets if s.messages),
                    "open_s": time.perf_counter() - started,
                }
            )
        for task in readers:
            task.cancel()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", nargs="+", type=int, default=[200, 500])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--ws", choices=["websockets", "websockets-sansio", "wsproto"], default="websockets"
    )
    parser.add_argument(
        "--no-deflate",
        action="store_true",
        help="uvicorn --ws-per-message-deflate false (clients offer it; the server declines)",
    )
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--fresh", action="store_true", help="rebuild and reseed the database")
    args = parser.parse_args()
    steps = sorted(set(max(1, s) for s in args.steps))
    sys.stdout.reconfigure(line_buffering=True)
    missing = fanout.services_missing()
    if missing:
        print(f"socket_memory: skipped: {missing}. It needs PostgreSQL and Redis on 127.0.0.1.")
        return 0
    fanout.DB_NAME = DB_NAME  # its own database; room_fanout's helpers read it
    rooms = max(steps) // PER_ROOM + WARM_ROOMS
    users = rooms * PER_ROOM
    cache = ROOT / "var" / f"bench-{DB_NAME}.json"
    cached = json.loads(cache.read_text()) if cache.exists() and not args.fresh else None
    if cached and (len(cached["meetings"]) < rooms or len(cached["members"]) < users):
        cached = None
    secret_key = cached["secret_key"] if cached else fanout.secrets.token_urlsafe(50)
    env = fanout.server_env(secret_key, "pubsub", 50)
    print(f"machine: {fanout.machine()}")
    deflate = "declined" if args.no_deflate else "accepted"
    print(
        f"server: uvicorn --workers {args.workers} --ws {args.ws}, per-message deflate {deflate}"
        ", pub/sub layer, PostgreSQL"
    )
    if cached:
        seeded = cached
    else:
        started = time.monotonic()
        fanout.recreate_database()
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
        out = subprocess.run(
            [
                sys.executable,
                str(ROOT / "bench" / "room_fanout.py"),
                "--seed",
                str(users),
                str(rooms),
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
            text=True,
        )
        seeded = {**json.loads(out.stdout.strip().splitlines()[-1]), "secret_key": secret_key}
        cache.parent.mkdir(exist_ok=True)
        cache.write_text(json.dumps(seeded))
        took = time.monotonic() - started
        print(f"set-up: {users} members, {rooms + 1} open meetings, {took:.0f} s")
    log_dir = Path(tempfile.mkdtemp(prefix="socket-memory-"))
    results = {}
    for label, app, cercle in (
        ("cercle", "config.asgi:application", True),
        ("floor", "bench.floor_asgi:application", False),
    ):
        fanout.clear_connections()
        extra = ["--ws-per-message-deflate", "false"] if args.no_deflate else []
        with fanout.uvicorn(
            app, env, workers=args.workers, ws=args.ws, log_dir=log_dir, extra=extra
        ) as port:
            results[label] = asyncio.run(measure(port, seeded, steps, cercle=cercle))
    print(f"\nserver RSS (KiB; {results['cercle']['processes']} process(es) each)")
    print(f"  {'':8}{'warm':>10}" + "".join(f"{s:>10} sk" for s in steps) + "   per socket (KiB)")
    for label in ("cercle", "floor"):
        r = results[label]
        row = f"  {label:8}{r['base_kib']:>10}" + "".join(f"{s['rss_kib']:>13}" for s in r["steps"])
        row += "   " + " / ".join(f"{s['per_socket_kib']:.1f}" for s in r["steps"])
        short = [s for s in r["steps"] if s["with_first_message"] < s["sockets"]]
        if short or r["warm_errors"]:
            row += f"   (without their first message: {short}; warm-up errors {r['warm_errors']})"
        print(row)
    c, f = results["cercle"]["steps"][-1], results["floor"]["steps"][-1]
    print(
        f"  Cercle above the floor at {c['sockets']} sockets: "
        f"{c['per_socket_kib'] - f['per_socket_kib']:.1f} KiB per socket; "
        f"target <= 60 KiB per socket: {'met' if c['per_socket_kib'] <= 60 else 'NOT met'}"
    )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    print(f"server logs: {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
