"""Layered (Sugiyama-style) ordering of a directed graph: which row each node is in and its place in the row.

1. **Cycles**: a depth-first search from the nodes in their given order (the entry agent first) marks the
   edges that close a cycle; they are laid out reversed and drawn back the right way round. Self-edges are
   left out of the layering (the renderer draws them as loops on the box).
2. **Layers**: longest path from the sources, so every edge points down; a row of more than
   :data:`MAX_ROW` boxes wraps onto the rows below; ``sinks_last`` nodes (MCP servers) go one row below
   the lowest node that uses them, unused ones onto the last row.
3. **Long edges** get one dummy node per row they cross, so they take part in the ordering and are routed
   between the boxes.
4. **Crossings**: rows start in name order; then barycentre sweeps, down then up, each followed by swaps
   of neighbours that remove crossings (transposition), until the number of crossings stops falling;
   ties are broken by name, then by id, so the result depends on nothing but the input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

#: rounds of (down, up) sweeps at most; each round keeps the best order seen
MAX_ROUNDS = 12
#: boxes in one row at most; more are wrapped onto the rows below
MAX_ROW = 8


@dataclass
class Layout:
    """Rows of node ids (dummies included, top row first), and per input edge its chain of ids."""

    rows: list[list[str]]
    row_of: dict[str, int]
    chains: list[tuple[tuple[str, ...], bool]] = field(default_factory=list)  # (ids top→bottom, reversed)
    loops: list[str] = field(default_factory=list)
    dummies: set[str] = field(default_factory=set)


def back_edges(nodes: list[str], edges: list[tuple[str, str]]) -> set[int]:
    """Indexes of the edges that close a cycle in a depth-first search from ``nodes`` in order."""
    out_edges: dict[str, list[int]] = {n: [] for n in nodes}
    for i, (s, d) in enumerate(edges):
        if s != d:
            out_edges[s].append(i)
    state: dict[str, int] = {}  # 1 on the stack, 2 done
    back: set[int] = set()
    for root in nodes:
        if root in state:
            continue
        state[root] = 1
        stack = [(root, iter(out_edges[root]))]
        while stack:
            node, it = stack[-1]
            for i in it:
                nxt = edges[i][1]
                if state.get(nxt) == 1:
                    back.add(i)
                elif nxt not in state:
                    state[nxt] = 1
                    stack.append((nxt, iter(out_edges[nxt])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return back


def _layers(nodes: list[str], dag: list[tuple[str, str]], sinks_last: set[str]) -> dict[str, int]:
    preds: dict[str, list[str]] = {n: [] for n in nodes}
    for s, d in dag:
        preds[d].append(s)
    row: dict[str, int] = {}
    for n in _topological(nodes, dag):
        if n not in sinks_last:
            row[n] = max((row[p] + 1 for p in preds[n] if p in row), default=0)
    _wrap(nodes, dag, row)
    bottom = max(row.values(), default=-1)
    for n in nodes:
        if n in sinks_last:
            users = [row[p] for p in preds[n] if p in row]
            row[n] = max(users) + 1 if users else bottom + 1
    return row


def _wrap(nodes: list[str], dag: list[tuple[str, str]], row: dict[str, int]) -> None:
    """Push boxes of a row with more than :data:`MAX_ROW` down to the next (all but :data:`MAX_ROW` evenly
    spread ones), keeping every edge pointing down: a wide fan-out becomes several rows instead of one
    long one, and the links to the rows below pass between the boxes kept (their dummies sort by the
    name of the box they lead to, so they fall into the gaps)."""
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, d in dag:
        succ[s].append(d)
    order = _topological(nodes, dag)
    r = 0
    while r <= max(row.values(), default=-1):
        members = [n for n in nodes if row.get(n) == r]
        if len(members) > MAX_ROW:
            keep = {members[j * len(members) // MAX_ROW] for j in range(MAX_ROW)}
            for n in members:
                if n not in keep:
                    row[n] = r + 1
            for n in order:
                if n in row:
                    for d in succ[n]:
                        if d in row and row[d] <= row[n]:
                            row[d] = row[n] + 1
        r += 1


def _topological(nodes: list[str], dag: list[tuple[str, str]]) -> list[str]:
    indeg = {n: 0 for n in nodes}
    succ: dict[str, list[str]] = {n: [] for n in nodes}
    for s, d in dag:
        indeg[d] += 1
        succ[s].append(d)
    ready = [n for n in nodes if indeg[n] == 0]
    out = []
    while ready:
        n = ready.pop(0)
        out.append(n)
        for d in succ[n]:
            indeg[d] -= 1
            if indeg[d] == 0:
                ready.append(d)
    return out


def crossings(upper: list[str], lower: list[str], pairs: list[tuple[str, str]]) -> int:
    """Crossings between two adjacent rows joined by ``pairs`` (upper id, lower id)."""
    pu = {n: i for i, n in enumerate(upper)}
    pl = {n: i for i, n in enumerate(lower)}
    es = sorted((pu[a], pl[b]) for a, b in pairs if a in pu and b in pl)
    count = 0
    for i in range(len(es)):
        for j in range(i + 1, len(es)):
            if es[i][0] < es[j][0] and es[i][1] > es[j][1]:
                count += 1
    return count


def _sweep(rows: list[list[str]], nbrs: dict[str, list[str]], order: range, names: dict[str, str]) -> None:
    """Reorder each row in ``order`` by the mean position of its neighbours in the row before it."""
    for r in order:
        prev = rows[r - 1] if order.step > 0 else rows[r + 1]
        pos = {n: i for i, n in enumerate(prev)}
        keyed = []
        for i, n in enumerate(rows[r]):
            ps = [pos[m] for m in nbrs[n] if m in pos]
            bary = sum(ps) / len(ps) if ps else float(i)
            keyed.append((bary, names.get(n, n), n))
        rows[r][:] = [k[2] for k in sorted(keyed)]


def _pair(u: str, v: str, nbrs: dict[str, list[str]], pos: dict[str, int]) -> int:
    """Crossings between the links of ``u`` and of ``v`` into one neighbouring row, ``u`` left of ``v``."""
    return sum(1 for a in nbrs[u] if a in pos for b in nbrs[v] if b in pos and pos[a] > pos[b])


def _transpose(rows: list[list[str]], above: dict[str, list[str]], below: dict[str, list[str]]) -> None:
    """Swap neighbours in a row while that removes crossings with the rows above and below it."""
    for _ in range(4):
        improved = False
        for r, row in enumerate(rows):
            pu = {n: i for i, n in enumerate(rows[r - 1])} if r > 0 else {}
            pd = {n: i for i, n in enumerate(rows[r + 1])} if r + 1 < len(rows) else {}
            for i in range(len(row) - 1):
                u, v = row[i], row[i + 1]
                now = _pair(u, v, above, pu) + _pair(u, v, below, pd)
                if _pair(v, u, above, pu) + _pair(v, u, below, pd) < now:
                    row[i], row[i + 1] = v, u
                    improved = True
        if not improved:
            return


def layout(nodes: list[str], edges: list[tuple[str, str]], names: dict[str, str] | None = None,
           sinks_last: set[str] | frozenset = frozenset()) -> Layout:
    """Rows and edge chains of the graph ``nodes``/``edges`` (ids; edges may repeat, loop or form cycles)."""
    names = dict(names or {})
    back = back_edges(nodes, edges)
    dag = [(d, s) if i in back else (s, d) for i, (s, d) in enumerate(edges) if s != d]
    row_of = _layers(nodes, dag, set(sinks_last))
    height = max(row_of.values(), default=-1) + 1
    rows: list[list[str]] = [[] for _ in range(height)]
    for n in nodes:
        rows[row_of[n]].append(n)
    lay = Layout(rows, row_of)
    pairs: list[tuple[str, str]] = []
    for i, (s, d) in enumerate(edges):
        if s == d:
            if s not in lay.loops:
                lay.loops.append(s)
            continue
        top, bot = (d, s) if i in back else (s, d)
        chain = [top]
        for r in range(row_of[top] + 1, row_of[bot]):
            dummy = f"~{i}.{r}"
            lay.dummies.add(dummy)
            row_of[dummy] = r
            rows[r].append(dummy)
            names[dummy] = names.get(bot, bot) + "\x00" + names.get(top, top)
            chain.append(dummy)
        chain.append(bot)
        pairs += list(pairwise(chain))
        lay.chains.append((tuple(chain), i in back))
    for r in rows:  # start in name order: where the sweeps find no better order, names decide
        r.sort(key=lambda n: (names.get(n, n), n))
    above: dict[str, list[str]] = {n: [] for r in rows for n in r}
    below: dict[str, list[str]] = {n: [] for r in rows for n in r}
    for a, b in pairs:
        above[b].append(a)
        below[a].append(b)

    def total(rs: list[list[str]]) -> int:
        return sum(crossings(rs[r], rs[r + 1], pairs) for r in range(len(rs) - 1))

    best, best_count, stale = [list(r) for r in rows], total(rows), 0
    for _ in range(MAX_ROUNDS):
        if best_count == 0 or stale >= 2:
            break
        _sweep(rows, above, range(1, height), names)
        _sweep(rows, below, range(height - 2, -1, -1), names)
        _transpose(rows, above, below)
        count = total(rows)
        if count < best_count:
            best, best_count, stale = [list(r) for r in rows], count, 0
        else:
            stale += 1
    lay.rows = best
    return lay
