"""The local Functions host: routes, methods and queue-trigger semantics on real Azurite."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections import defaultdict
from datetime import timedelta

import azure.functions as func
import httpx
import pytest
from aiohttp import web
from azure.storage.queue.aio import QueueClient

from localdev.host import LocalHost
from localdev.stack import Stack, free_port

pytestmark = pytest.mark.integration

calls: dict[str, list[int]] = defaultdict(list)

probe = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@probe.route(route="api/things/{kind}/{id}", methods=["GET", "DELETE"])
async def get_thing(req: func.HttpRequest) -> func.HttpResponse:
    body = {"kind": req.route_params["kind"], "id": req.route_params["id"], "q": req.params.get("q")}
    return func.HttpResponse(json.dumps(body), mimetype="application/json")


@probe.route(route="api/echo", methods=["POST"])
def echo(req: func.HttpRequest) -> func.HttpResponse:  # a sync function runs in a thread
    return func.HttpResponse(req.get_body(), status_code=201, mimetype="application/octet-stream")


@probe.queue_trigger(arg_name="msg", queue_name="probe-jobs", connection="AzureWebJobsStorage")
async def probe_job(msg: func.QueueMessage) -> None:
    job = json.loads(msg.get_body())
    calls[job["id"]].append(msg.dequeue_count or 0)
    if len(calls[job["id"]]) <= job["fail_times"]:
        raise RuntimeError("planned failure")


HOST_JSON = {
    "extensions": {
        "queues": {
            "maxDequeueCount": 5,
            "visibilityTimeout": "00:00:00",
            "maxPollingInterval": "00:00:00.5",
            "batchSize": 4,
        }
    }
}


@pytest.fixture
async def host(peers: Stack):
    local = LocalHost(
        probe,
        host_json=HOST_JSON,
        connections={"AzureWebJobsStorage": peers.queue_connection},
        lease=timedelta(seconds=30),
    )
    runner = web.AppRunner(local.web_app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    await local.start_queue_listeners()
    yield local, f"http://127.0.0.1:{port}", peers.queue_connection
    await local.stop()
    await runner.cleanup()


async def test_http_trigger_gets_route_params_and_query(host):
    _, base, _ = host
    async with httpx.AsyncClient() as client:
        resp = await client.get(f"{base}/api/things/account/a1", params={"q": "x"})
    assert resp.status_code == 200
    assert resp.json() == {"kind": "account", "id": "a1", "q": "x"}


async def test_wrong_method_is_405_with_allow_header(host):
    _, base, _ = host
    async with httpx.AsyncClient() as client:
        resp = await client.post(f"{base}/api/things/account/a1")
    assert resp.status_code == 405
    assert set(resp.headers["allow"].split(", ")) == {"GET", "DELETE"}
    assert resp.headers["content-type"].startswith("application/problem+json")


async def test_unknown_path_is_404_problem(host):
    _, base, _ = host
    async with httpx.AsyncClient() as client:
        resp = await client.get(f"{base}/api/nothing-here")
    assert resp.status_code == 404
    assert resp.json()["status"] == 404


async def test_sync_function_body_round_trip(host):
    _, base, _ = host
    async with httpx.AsyncClient() as client:
        resp = await client.post(f"{base}/api/echo", content=b"\x00\x01hello")
    assert resp.status_code == 201
    assert resp.content == b"\x00\x01hello"


async def _send(conn: str, job: dict) -> None:
    async with QueueClient.from_connection_string(conn, "probe-jobs") as q:
        await q.send_message(base64.b64encode(json.dumps(job).encode()).decode())


async def _poison_bodies(conn: str) -> list[dict]:
    async with QueueClient.from_connection_string(conn, "probe-jobs-poison") as q:
        msgs = await q.peek_messages(max_messages=32)
    return [json.loads(base64.b64decode(m.content)) for m in msgs]


async def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.1)


async def test_queue_message_succeeds_once_and_is_deleted(host):
    _, _, conn = host
    job = {"id": str(uuid.uuid4()), "fail_times": 0}
    await _send(conn, job)
    await _wait_for(lambda: len(calls[job["id"]]) == 1)
    await asyncio.sleep(1.5)
    assert calls[job["id"]] == [1]


async def test_failing_message_is_retried_then_succeeds_without_poison(host):
    _, _, conn = host
    job = {"id": str(uuid.uuid4()), "fail_times": 2}
    await _send(conn, job)
    await _wait_for(lambda: len(calls[job["id"]]) == 3)
    assert calls[job["id"]] == [1, 2, 3]
    assert job not in await _poison_bodies(conn)


async def test_message_failing_max_dequeue_count_times_goes_to_poison(host):
    _, _, conn = host
    job = {"id": str(uuid.uuid4()), "fail_times": 99}
    await _send(conn, job)
    await _wait_for(lambda: len(calls[job["id"]]) == 5)
    for _ in range(50):
        if job in await _poison_bodies(conn):
            break
        await asyncio.sleep(0.2)
    assert job in await _poison_bodies(conn)
    await asyncio.sleep(1.0)
    assert calls[job["id"]] == [1, 2, 3, 4, 5]  # never a sixth attempt


async def test_message_that_is_not_base64_fails_to_poison_without_invoking(host):
    _, _, conn = host
    async with QueueClient.from_connection_string(conn, "probe-jobs") as q:
        await q.send_message("this is {not base64")
    async with QueueClient.from_connection_string(conn, "probe-jobs-poison") as q:
        for _ in range(100):
            msgs = [m.content for m in await q.peek_messages(max_messages=32)]
            if "this is {not base64" in msgs:
                break
            await asyncio.sleep(0.2)
    assert "this is {not base64" in msgs


slow_calls: list[int] = []
slow = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)


@slow.queue_trigger(arg_name="msg", queue_name="slow-jobs", connection="AzureWebJobsStorage")
async def slow_job(msg: func.QueueMessage) -> None:
    slow_calls.append(msg.dequeue_count or 0)
    await asyncio.sleep(3.5)


async def test_a_message_running_longer_than_its_lease_is_not_delivered_twice(peers: Stack):
    # Two host instances on one queue, as when Azure scales out: the second polls all the
    # time, so it would take the message as soon as the first one's lease ran out.
    hosts = [
        LocalHost(
            slow,
            host_json=HOST_JSON,
            connections={"AzureWebJobsStorage": peers.queue_connection},
            lease=timedelta(seconds=1),
        )
        for _ in range(2)
    ]
    for host in hosts:
        await host.start_queue_listeners()
    try:
        async with QueueClient.from_connection_string(peers.queue_connection, "slow-jobs") as q:
            await q.send_message(base64.b64encode(b"{}").decode())
        await _wait_for(lambda: len(slow_calls) == 1)
        await asyncio.sleep(5)
        assert slow_calls == [1]
    finally:
        for host in hosts:
            await host.stop()
