"""Tools of the NexDR example: search and document reading over the bundled corpus (``corpus/*.md``, an
offline stand-in for a web search API and page fetcher: rebind ``search`` and ``doc_preprocess`` to real
ones), findings kept in the run's GlobalStorage for the report writers, and the HTML writer's page."""
from __future__ import annotations

import re
from pathlib import Path

CORPUS = Path(__file__).resolve().parent / "corpus"
_WORD = re.compile(r"[a-z0-9]+")


def _documents() -> list[dict]:
    """The corpus: each file's ``url:`` and ``title:`` header lines, then its text."""
    docs = []
    for f in sorted(CORPUS.glob("*.md")):
        head, _, body = f.read_text(encoding="utf-8").partition("\n\n")
        meta = dict(line.split(": ", 1) for line in head.splitlines() if ": " in line)
        docs.append({"url": meta.get("url", f.name), "title": meta.get("title", f.stem), "text": body.strip()})
    return docs


def _score(query: str, text: str) -> int:
    words = set(_WORD.findall(query.lower()))
    return sum(1 for w in _WORD.findall(text.lower()) if w in words)


def search(query: str, num_results: int = 3) -> str:
    """The corpus documents that best match ``query``: title, address and the first sentence."""
    ranked = sorted(_documents(), key=lambda d: (-_score(query, d["title"] + " " + d["text"]), d["url"]))
    hits = [d for d in ranked if _score(query, d["title"] + " " + d["text"])][:num_results]
    if not hits:
        return f"no results for {query!r}"
    return "\n".join(f"[{i}] {d['title']} — {d['url']}\n    {d['text'].split('. ')[0]}." for i, d in
                     enumerate(hits, 1))


def doc_preprocess(url: str, global_storage) -> str:
    """Load the document at ``url``, cut it into chunks and keep them in the run's storage."""
    doc = next((d for d in _documents() if d["url"] == url), None)
    if doc is None:
        return f"Error: no document at {url}"
    size = int(global_storage.get("doc_chunk_size", 600))
    chunks, cur = [], ""
    for para in doc["text"].split("\n\n"):
        if cur and len(cur) + len(para) > size:
            chunks.append(cur)
            cur = ""
        cur = (cur + "\n\n" + para).strip()
    chunks.append(cur)
    docs = list(global_storage.get("docs") or [])
    docs.append({"url": url, "title": doc["title"], "chunks": chunks})
    global_storage.set("docs", docs)
    return f"doc_id {len(docs) - 1}: {doc['title']} ({len(chunks)} chunks)"


def _doc(global_storage, doc_id: int) -> dict:
    docs = global_storage.get("docs") or []
    if not 0 <= doc_id < len(docs):
        raise ValueError(f"no document {doc_id}; load it with doc_preprocess first")
    return docs[doc_id]


def doc_chunk_retrieval(query: str, doc_id: int, top_k: int = 3, global_storage=None) -> str:
    """The chunks of document ``doc_id`` that best match ``query``, with their first words."""
    chunks = _doc(global_storage, doc_id)["chunks"]
    ranked = sorted(range(len(chunks)), key=lambda i: (-_score(query, chunks[i]), i))[:top_k]
    return "\n".join(f"chunk {i} (score {_score(query, chunks[i])}): {chunks[i][:80]}…" for i in ranked)


def doc_chunk_read(doc_id: int, chunk_id: int, global_storage) -> str:
    """The whole text of one chunk."""
    chunks = _doc(global_storage, doc_id)["chunks"]
    if not 0 <= chunk_id < len(chunks):
        raise ValueError(f"document {doc_id} has chunks 0 to {len(chunks) - 1}")
    return chunks[chunk_id]


def note_finding(finding: str, source: str, global_storage) -> str:
    """Record one finding with its source for the report writers."""
    findings = list(global_storage.get("findings") or [])
    findings.append({"finding": finding, "source": source})
    global_storage.set("findings", findings)
    return f"recorded finding {len(findings)}"


def read_findings(global_storage) -> str:
    """Every finding recorded so far, numbered, with its source."""
    findings = global_storage.get("findings") or []
    if not findings:
        return "no findings were recorded"
    return "\n".join(f"{i}. {f['finding']} (source: {f['source']})" for i, f in enumerate(findings, 1))


def save_page(html: str, path: str = "report.html", run_context=None) -> str:
    """Write the HTML page into the run's working directory."""
    root = Path(run_context.workdir if run_context is not None else ".").resolve()
    out = (root / path).resolve()
    if root not in out.parents:
        raise ValueError(f"{path} is outside the working directory")
    out.write_text(html, encoding="utf-8")
    return f"wrote {path} ({len(html)} characters)"
