"""The simulator is the fake server configured through its public options."""

from __future__ import annotations

import aiohttp

from benchmarks.sim import SimConfig, make_server, server_stats


async def post(
    session: aiohttp.ClientSession, url: str, body: dict[str, object]
) -> aiohttp.ClientResponse:
    async with session.post(url, json=body) as response:
        await response.read()
        return response


async def test_fixed_picture_delays_chunks_and_an_honest_retry_after(tmp_path) -> None:  # type: ignore[no-untyped-def]
    picture = tmp_path / "p.png"
    picture.write_bytes(b"\x89PNG fixed")
    config = SimConfig(
        tokens_per_second=4000,
        image_latency=0.05,
        image_jitter=0.01,
        picture=str(picture),
        rate_limit=2,
        rate_window=30.0,
    )
    server = make_server(config)
    async with server, aiohttp.ClientSession() as session:
        url = server.base_url
        chat = {"model": "m", "stream": True, "messages": [{"role": "user", "content": "3 pages"}]}
        await post(session, f"{url}/chat/completions", chat)
        answers = [
            await post(session, f"{url}/images/generations", {"prompt": f"fox (page {n})"})
            for n in (1, 2, 3)
        ]
        stats = server_stats(server)

        assert [a.status for a in answers] == [200, 200, 429]
        wait = float(answers[2].headers["retry-after"])
        assert 25 < wait <= 30  # until the oldest request leaves the 30 s window
        images = [r for r in stats["requests"] if r["endpoint"] == "images"]
        assert [r["page"] for r in images] == [1, 2, 3]
        assert all(0.04 <= r["delay"] <= 0.06 for r in images[:2])
        assert stats["content"] and stats["chunks"][-1][1] == len(stats["content"])
        assert stats["stream_started"] <= stats["chunks"][0][0] <= stats["stream_finished"]
        assert server.picture == b"\x89PNG fixed"

        server.reset()
        assert server_stats(server)["requests"] == []
        again = await post(session, f"{url}/images/generations", {"prompt": "p"})
        assert again.status == 200  # the rate window was forgotten too
