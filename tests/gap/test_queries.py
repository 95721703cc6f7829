"""``nexc gap queries``: 200 queries on a scripted fake server — persona rewrite, one difficulty per
synthesis call, fuzzify — killed at random moments and resumed: no duplicate, none missing, provenance on
every record."""
from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from nexc.testing import FakeOpenAI, reply

SPEC = 'nex 1\nframework desk "Prices menus." {}\nllm m { model = "x" }\n' \
       'tool price(dish: str "A dish") -> str "Price a dish." = python "t:price"\n' \
       'agent pricer "Prices dishes from recipes." {\n  llm = m\n  prompt = "You price."\n  tools = [price]\n}\n'


def _job(tmp_path: Path, n: int = 200) -> Path:
    (tmp_path / "desk.nex").write_text(SPEC)
    kids = [{"id": f"c{i}", "en": f"Category {i}", "zh": f"类别{i}",
             "children": [{"id": f"c{i}l{j}", "en": f"Leaf {i}.{j}", "zh": f"叶{i}.{j}"} for j in range(4)]}
            for i in range(5)]
    (tmp_path / "problem_types.json").write_text(json.dumps(
        {"framework": "desk", "tree": {"id": "root", "en": "desk", "zh": "desk", "children": kids}}, ensure_ascii=False))
    (tmp_path / "persona.jsonl").write_text("".join(json.dumps({"persona": f"A chef number {i}",
                                                                "persona_chinese": f"厨师{i}"}) + "\n"
                                                    for i in range(12)))
    job = tmp_path / "gap.yaml"
    job.write_text(f"gap: 1\nframework: desk.nex\ntaxonomy: problem_types.json\npersonas: persona.jsonl\n"
                   f"stats: tag_sampling_stats.json\nqueries: {n}\nseed: 5\nconcurrency: 8\n"
                   "difficulty: {easy: 1, medium: 2, hard: 1}\nstages: {rewrite: true, fuzzify: true}\n")
    return job


def _handler(delay: float = 0.0):
    def handle(req):
        if delay:
            time.sleep(delay)
        s, task = req.system, req.messages[-1]["content"]
        if s.startswith("You prepare personas"):
            n = int(re.search(r"chef number (\d+)", task).group(1)) if "chef number" in task else 0
            return reply('{"fits": true}' if n % 3 else '{"fits": false, "persona": "A chef who prices menus"}')
        if s.startswith("You write one request"):
            diff = re.search(r"Difficulty: (\w+)", task).group(1)
            kind = re.search(r"Problem type: (.*)", task).group(1)
            return reply(f"[{diff}] help me with {kind}")
        return reply("pls: " + task.split("\n")[0].removeprefix("Request: "))
    return handle


def _records(out: Path) -> list[dict]:
    return [json.loads(x) for x in out.read_text().splitlines() if x.strip()]


def test_200_queries_with_provenance_and_one_difficulty_per_call(tmp_path):
    from nexc.diagnostics import Reporter
    from nexc.gap.job import load_job
    from nexc.gap.queries import run_queries

    job = load_job(_job(tmp_path), Reporter())
    srv = FakeOpenAI(_handler())
    with srv as url:
        counts = run_queries(job, tmp_path / "q.jsonl", base_url=url, api_key="k", model="fake")
    assert counts["done"] == 200 and counts["failed"] == 0, counts
    recs = _records(tmp_path / "q.jsonl")
    assert len({r["id"] for r in recs}) == 200
    for r in recs:
        p = r["provenance"]
        assert r["difficulty"] in ("easy", "medium", "hard") and r["query"].startswith("pls: [" + r["difficulty"])
        assert p["taxonomy_version"].startswith("sha256:") and p["spec_hash"].startswith("sha256:")
        assert p["persona_id"] and p["taxonomy_path"] and p["stage_tokens"]["synthesize"] > 0
    synth = [q for q in srv.requests if q.system.startswith("You write one request")]
    assert len(synth) == 200
    for q in synth:
        found = re.findall(r"\b(easy|medium|hard)\b", q.messages[-1]["content"])
        assert len(found) == 1, q.messages[-1]["content"]  # one difficulty per call
    rewritten = [r for r in recs if r["provenance"]["rewritten_persona_id"]]
    assert rewritten  # a third of the personas did not fit
    pool = [json.loads(x) for x in (tmp_path / "q.jsonl.personas.jsonl").read_text().splitlines()]
    assert len([p for p in pool if p["parent"]]) == 1  # one rewritten text, deduplicated
    assert "rewritten" not in (tmp_path / "persona.jsonl").read_text()  # the input is never written
    stats = json.loads((tmp_path / "tag_sampling_stats.json").read_text())
    assert stats["total_samples"] == 200


def test_killed_at_random_moments_and_resumed_no_duplicate_none_missing(tmp_path):
    job = _job(tmp_path)
    out = tmp_path / "q.jsonl"
    rng = random.Random(11)
    env = {**os.environ, "NEXC_NO_PROGRESS": "1"}
    kills = 0
    with FakeOpenAI(_handler(delay=0.01)) as url:
        cmd = [sys.executable, "-m", "nexc", "gap", "queries", str(job), "-o", str(out), "--base-url", url,
               "--api-key", "k", "--model", "fake"]
        for attempt in range(30):
            p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
            try:
                rc = p.wait(timeout=rng.uniform(0.8, 2.5) if attempt < 4 else 300)
            except subprocess.TimeoutExpired:
                p.send_signal(signal.SIGKILL)
                p.wait()
                kills += 1
                continue
            assert rc == 0, p.stderr.read().decode()
            break
    assert kills >= 1
    recs = _records(out)
    draws = [json.loads(x) for x in Path(str(out) + ".draws.jsonl").read_text().splitlines()]
    assert len(draws) == 200
    assert sorted(r["id"] for r in recs) == sorted(d["id"] for d in draws)  # none missing, no duplicate
    assert all(r["provenance"]["taxonomy_path"] for r in recs)


def test_grounded_queries_carry_their_sources(tmp_path, monkeypatch):
    import threading
    from http.server import BaseHTTPRequestHandler, HTTPServer

    from nexc.diagnostics import Reporter
    from nexc.gap.job import load_job
    from nexc.gap.queries import GapError, run_queries

    class Search(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps({"results": [{"title": "Menu costs 2026", "url": "https://example.org/costs",
                                            "snippet": "food costs rose 4 %"}]}).encode()
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a):
            pass

    job_path = _job(tmp_path, n=5)
    job_path.write_text(job_path.read_text().replace("fuzzify: true}", "fuzzify: false, ground: true}"))
    job = load_job(job_path, Reporter())
    monkeypatch.delenv("NEXC_WEB_SEARCH_URL", raising=False)
    import pytest

    with pytest.raises(GapError, match="NEXC_WEB_SEARCH_URL"):
        run_queries(job, tmp_path / "q0.jsonl")
    httpd = HTTPServer(("127.0.0.1", 0), Search)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    monkeypatch.setenv("NEXC_WEB_SEARCH_URL", f"http://127.0.0.1:{httpd.server_port}/search")
    srv = FakeOpenAI(_handler())
    try:
        with srv as url:
            counts = run_queries(job, tmp_path / "q.jsonl", base_url=url, api_key="k", model="fake")
    finally:
        httpd.shutdown()
    assert counts["done"] == 5
    recs = _records(tmp_path / "q.jsonl")
    assert all(r["provenance"]["grounding"] == ["https://example.org/costs"] for r in recs)
    synth = [q for q in srv.requests if q.system.startswith("You write one request")]
    assert all("food costs rose" in q.messages[-1]["content"] for q in synth)
