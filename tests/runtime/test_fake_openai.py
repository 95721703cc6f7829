"""The fake OpenAI-compatible server, through the real openai client."""
from __future__ import annotations

import asyncio
import json
import urllib.request
from pathlib import Path

import openai
import pytest

from nexc.testing import FakeOpenAI, by_system, call, reply

HERE = Path(__file__).resolve().parent


def test_many_concurrent_keepalive_requests():
    srv = FakeOpenAI(lambda req: reply(f"n={len(req.messages)}"))
    with srv as url:
        async def main():
            client = openai.AsyncOpenAI(base_url=url, api_key="k", max_retries=0)
            outs = await asyncio.gather(*(client.chat.completions.create(
                model="m", messages=[{"role": "user", "content": "x"}] * (1 + i % 3)) for i in range(300)))
            await client.close()
            return outs

        outs = asyncio.run(main())
    assert [o.choices[0].message.content for o in outs] == [f"n={1 + i % 3}" for i in range(300)]
    assert len(srv.requests) == 300


def test_reply_shapes():
    srv = FakeOpenAI([reply("hi", tool_calls=[call("f", {"a": 1}, id="c9")], reasoning="why",
                            usage={"prompt_tokens": 3, "completion_tokens": 4})])
    with srv as url:
        client = openai.OpenAI(base_url=url, api_key="k", max_retries=0)
        r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    msg = r.choices[0].message
    assert msg.content == "hi" and msg.tool_calls[0].id == "c9" and json.loads(msg.tool_calls[0].function.arguments) == {"a": 1}
    assert msg.model_extra["reasoning_content"] == "why"
    assert r.choices[0].finish_reason == "tool_calls" and r.usage.total_tokens == 7


def test_routes_and_broken_scripts():
    srv = FakeOpenAI(by_system({"alpha": lambda req: 1 / 0}))
    with srv as url:
        models = json.loads(urllib.request.urlopen(url + "/models").read())
        assert models["data"][0]["id"] == "fake"
        client = openai.OpenAI(base_url=url, api_key="k", max_retries=0)
        with pytest.raises(openai.InternalServerError, match="ZeroDivisionError"):
            client.chat.completions.create(model="m", messages=[{"role": "system", "content": "alpha"}])
        with pytest.raises(openai.BadRequestError, match="no script"):
            client.chat.completions.create(model="m", messages=[{"role": "system", "content": "beta"}])
        with pytest.raises(openai.NotFoundError):
            client.embeddings.create(model="m", input="x")


def test_subprocess_mode(tmp_path):
    script = tmp_path / "script.py"
    script.write_text("from nexc.testing import reply\ndef script(req):\n    return reply('from a process')\n")
    with FakeOpenAI.subprocess(f"{script}:script") as url:
        client = openai.OpenAI(base_url=url, api_key="k", max_retries=0)
        r = client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
    assert r.choices[0].message.content == "from a process"


def test_stop_strings_are_honoured_when_asked():
    import openai

    from nexc.testing import FakeOpenAI, reply
    from nexc.testing.fake_openai import cut_at_stop

    assert cut_at_stop("a</x>b<y>c", ["<y>", "</x>"]) == ("a", True)
    assert cut_at_stop("abc", ["z"]) == ("abc", False)
    for honour, want, finish in ((True, "call ", "stop"), (False, "call </x> then more", "stop")):
        with FakeOpenAI([reply("call </x> then more")], honour_stop=honour) as url:
            c = openai.OpenAI(base_url=url, api_key="k").chat.completions.create(
                model="m", messages=[{"role": "user", "content": "hi"}], stop=["</x>"])
        assert c.choices[0].message.content == want and c.choices[0].finish_reason == finish
