"""What the bench scripts share: a `refrain serve` to talk to, paged reads, and an open-loop load
client. Standard library only, so that the benches run from a fresh clone."""
import asyncio
import http.client
import json
import os
import socket
import subprocess
import time
import urllib.parse


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`refrain serve` over a data directory, ready when /readyz answers; its log beside it."""

    def __init__(self, binary, data, ready_within=120):
        self.port = free_port()
        self.log = open(data.rstrip("/") + ".log", "w")
        self.proc = subprocess.Popen([binary, "serve", "--data", data, "--addr", f"127.0.0.1:{self.port}"],
                                     stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + ready_within
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}; see {self.log.name}")
            try:
                if self.get("/readyz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"the server did not get ready within {ready_within} s")

    def get(self, path, conn=None):
        """(status, raw body) of a GET."""
        c = conn or http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        c.request("GET", path)
        r = c.getresponse()
        body = r.read()
        if conn is None:
            c.close()
        return r.status, body

    def call(self, method, path, body=None):
        """(status, parsed JSON) of a request with a JSON body."""
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)
        data = json.dumps(body).encode() if body is not None else None
        c.request(method, path, body=data, headers={"Content-Type": "application/json"} if data else {})
        r = c.getresponse()
        raw = r.read()
        c.close()
        return r.status, json.loads(raw) if raw else None

    def ok(self, method, path, body=None):
        status, js = self.call(method, path, body)
        if status >= 300:
            raise RuntimeError(f"{method} {path} -> {status}: {str(js)[:300]}")
        return js

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def all_pages(srv, path, key):
    out, cursor = [], None
    while True:
        sep = "&" if "?" in path else "?"
        js = srv.ok("GET", path + (f"{sep}cursor={urllib.parse.quote(cursor, safe='')}" if cursor else ""))
        out += js[key]
        cursor = js.get("next_cursor")
        if not cursor:
            return out


def members(srv, cluster):
    """Every member id of a cluster, over its pages."""
    return [m["id"] for m in all_pages(srv, f"/v1/clusters/{cluster}", "members")]


def wait_job(srv, job, limit=3600):
    t0 = time.time()
    while time.time() - t0 < limit:
        js = srv.ok("GET", f"/v1/jobs/{job['id']}")
        if js["state"] == "succeeded":
            return time.time() - t0
        if js["state"] in ("failed", "cancelled"):
            raise RuntimeError(f"job failed: {js}")
        time.sleep(0.2)
    raise RuntimeError(f"job {job['id']} not done after {limit} s")


async def _read_status(reader):
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    length = 0
    for line in lines[1:]:
        name, _, value = line.partition(":")
        if name.strip().lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(lines[0].split()[1])


async def _open_loop(port, path, bodies, rps, seconds, conns):
    """Requests fall due at a fixed rate and go out over `conns` keep-alive connections; each
    latency counts from when its request fell due, so a server that falls behind shows it (no
    coordinated omission)."""
    queue, lat, errors = asyncio.Queue(), [], [0]

    async def connection():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while True:
            item = await queue.get()
            if item is None:
                writer.close()
                return
            due, body = item
            writer.write((f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          f"Content-Length: {len(body)}\r\n\r\n").encode() + body)
            try:
                await writer.drain()
                status = await _read_status(reader)
            except (OSError, asyncio.IncompleteReadError):
                errors[0] += 1
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            if 200 <= status < 300:
                lat.append(time.perf_counter() - due)
            else:
                errors[0] += 1

    tasks = [asyncio.create_task(connection()) for _ in range(conns)]
    start, n, i = time.perf_counter(), int(rps * seconds), 0
    while i < n:
        due_now = min(n, int((time.perf_counter() - start) * rps) + 1)
        while i < due_now:
            queue.put_nowait((start + i / rps, bodies[i % len(bodies)]))
            i += 1
        await asyncio.sleep(max(0.0, start + i / rps - time.perf_counter()))
    for _ in tasks:
        queue.put_nowait(None)
    await asyncio.gather(*tasks)
    return lat, errors[0], time.perf_counter() - start


def open_loop(srv, path, bodies, rps, seconds, conns=16):
    """p50 / p99 / max in ms, the achieved rate and the errors of `bodies` POSTed at `rps`."""
    lat, errors, wall = asyncio.run(_open_loop(srv.port, path, bodies, rps, seconds, conns))
    lat.sort()
    q = lambda p: round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None  # noqa: E731
    return {"target_rps": rps, "connections": conns, "requests": len(lat), "errors": errors,
            "rps": round(len(lat) / wall, 1), "p50_ms": q(0.5), "p99_ms": q(0.99), "max_ms": q(1.0)}


def cpu_seconds(pid):
    """User + system CPU time of a process so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wait_idle(pid, limit=900):
    """Waits until a process uses under 5% of a core for 2 s; returns the seconds waited."""
    t0 = time.time()
    while time.time() - t0 < limit:
        before = cpu_seconds(pid)
        time.sleep(2)
        if cpu_seconds(pid) - before < 0.1:
            return time.time() - t0
    raise RuntimeError(f"still busy after {limit} s")


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    return None
