"""Parse trees of ``.nex`` (from :mod:`~nexc.frontend.nex.fastparse` or from Lark: the same shape) →
located values (:class:`Loc`) → surface IR, through :mod:`nexc.frontend.surface_builder`.

Everything about keys and types is checked by the builders; this module only knows the syntax: how a
declaration header (tool signature, MCP transport, skill path, descriptions) maps onto the keys of
the declaration's body.
"""
from __future__ import annotations

from typing import Any

from nexc.diagnostics import Reporter
from nexc.diagnostics.suggest import did_you_mean
from nexc.frontend import coerce, keys
from nexc.frontend import surface_builder as build
from nexc.frontend.located import Call, Loc
from nexc.frontend.nex.literals import decode_string, number_problem, parse_number
from nexc.frontend.nex.signature import GENERICS, SCALARS, TYPE_NAMES, Param, TypeExpr, check_default, params_schema, type_schema
from nexc.frontend.yaml_loader import _new_span  # a Span without pydantic's validation: specs hold many values
from nexc.ir.base import Span
from nexc.ir.surface import Import, Name, SourceFile
from nexc.version import LANGUAGE_VERSION

#: A parse tree (``fastparse.Node`` or ``lark.Tree``: ``data``, ``children``, ``meta``) and a token (a ``str``
#: subclass with ``type`` and a position). Tokens are told from trees by ``isinstance(x, str)``.
Tree = Any
Token = str

FRAMEWORK_KEYS = ("description", "metadata", "profile")


class Converter:
    """Converts the trees of one file (several when error recovery parsed it in pieces)."""

    def __init__(self, path: str, r: Reporter) -> None:
        self.path, self.r = path, r
        self.offset = 0  # line offset of the tree being converted
        self.fields: dict[str, Any] = {"llms": [], "tools": [], "mcp_servers": [], "skills": [], "agents": [],
                                       "imports": []}
        self.seen: dict[str, Span] = {}
        self.invalid = False

    # ------------------------------------------------------------ locations

    def span(self, x: Tree | Token) -> Span:
        m = x if isinstance(x, str) else x.meta
        if not isinstance(x, str) and getattr(m, "empty", True):
            return Span.point(self.path, 1 + self.offset, 1)
        return _new_span(self.path, m.line + self.offset, m.column, m.end_line + self.offset, m.end_column)

    def join(self, a: Span, b: Span) -> Span:
        return Span(file=self.path, line=a.line, column=a.column, end_line=b.end_line, end_column=b.end_column)

    def sub_span(self, tok: Token, offset: int, length: int) -> Span:
        """The span of ``length`` characters at ``offset`` inside a token's text."""
        text = str(tok)
        before = text[:offset]
        line = tok.line + self.offset + before.count("\n")
        col = (offset - before.rfind("\n")) if "\n" in before else tok.column + offset
        return Span(file=self.path, line=line, column=col, end_line=line, end_column=col + max(1, length))

    # ------------------------------------------------------------ values

    def value(self, t: Tree | Token) -> Loc:
        """Any value node → Loc."""
        kind = t.type if isinstance(t, str) else t.data
        sp = self.span(t)
        if kind == "string":
            return Loc(self.string(t.children[0]), sp)
        if kind == "number":
            return Loc(self.number(t.children[0]), sp)
        if kind in ("true", "false", "null"):
            return Loc({"true": True, "false": False, "null": None}[kind], sp)
        if kind == "list":
            return Loc([self.value(c) for c in t.children], sp)
        if kind == "map":
            out: dict[str, Loc] = {}
            keys: dict[str, Span] = {}
            for pair in t.children:
                k, v = pair.children
                key = str(k) if isinstance(k, str) else self.string(k.children[0])
                self._put(out, keys, key, self.span(k), self.value(v), "map")
            return Loc(out, sp, keys)
        if kind == "ref":
            return Loc(".".join(str(c) for c in t.children), sp)
        if kind == "call":
            return self.call(t)
        raise ValueError(f"unexpected node {kind}")

    def call(self, t: Tree) -> Loc:
        name, *args = t.children
        pos: list[Loc] = []
        kw: dict[str, Loc] = {}
        kw_spans: dict[str, Span] = {}
        for a in args:
            if not isinstance(a, str) and a.data == "kwarg":
                k, v = a.children
                self._put(kw, kw_spans, str(k), self.span(k), self.value(v), f"{name}()")
            else:
                if kw:
                    self.r.report("NEX100", self.span(a), f"a positional argument of {name}() follows a keyword argument",
                                  fix="put positional arguments first")
                pos.append(self.value(a))
        return Loc(Call(str(name), tuple(pos), kw, self.span(name)), self.span(t))

    def _put(self, out: dict[str, Loc], spans: dict[str, Span], key: str, key_span: Span, v: Loc, where: str) -> None:
        if key in out:
            self.r.report("NEX207", key_span, f"'{key}' is set twice in {where}",
                          notes=(f"first set at {spans[key]}",), fix=f"remove one of the two '{key}'")
            return
        out[key] = v
        spans[key] = key_span

    def string(self, tok: Token) -> str:
        value, problems = decode_string(str(tok))
        for p in problems:
            self.r.report(p.code, self.sub_span(tok, p.offset, p.length), p.message, fix=p.fix)
        return value

    def number(self, tok: Token) -> int | float | None:
        v = parse_number(str(tok))
        if v is None:
            self.invalid = True
            self.r.report("NEX108", self.span(tok), number_problem(str(tok)),
                          fix="write digits with single underscores between them, e.g. 128_000 or 0.5")
        return v

    def block(self, t: Tree | None, where: str, header: dict[str, tuple[Loc, Span]] | None = None,
              at: Span | None = None) -> Loc:
        """A ``{ key = value }`` block, with keys from the declaration header first."""
        out: dict[str, Loc] = {}
        keys: dict[str, Span] = {}
        for k, (v, ks) in (header or {}).items():
            out[k], keys[k] = v, ks
        for s in (t.children if t is not None else ()):
            k, v = s.children
            key = str(k)
            if key in out and key in (header or {}):
                self.r.report("NEX207", self.span(k), f"'{key}' is given in the header of {where} and again in its block",
                              notes=(f"the header sets it at {keys[key]}",), fix=f"remove '{key}' from the block")
                continue
            self.invalid = False
            loc = self.value(v)
            if not self.invalid:  # an invalid literal was reported; checking the setting would only repeat it
                self._put(out, keys, key, self.span(k), loc, where)
        sp = self.span(t) if t is not None else (at or Span.point(self.path))
        return Loc(out, sp, keys)

    # ------------------------------------------------------------ declarations

    def tree(self, tree: Tree, line_offset: int) -> None:
        """Add the declarations of one parsed tree."""
        self.offset = line_offset
        for d in tree.children:
            getattr(self, "decl_" + d.data.rstrip("_"))(d)

    def _once(self, what: str, sp: Span) -> bool:
        if what in self.seen:
            self.r.report("NEX207", sp, f"the file has two '{what}' lines", notes=(f"the first is at {self.seen[what]}",),
                          fix=f"keep one '{what}'")
            return False
        self.seen[what] = sp
        return True

    def decl_version(self, d: Tree) -> None:
        sp = self.span(d)
        if not self._once("nex", sp):
            return
        tok = d.children[0]
        v = self.number(tok)
        if v is None:
            return
        if not isinstance(v, int) or v < 1:
            self.r.report("NEX106", self.span(tok), f"'{tok}' is not a language version; write nex {LANGUAGE_VERSION}",
                          fix=f"write nex {LANGUAGE_VERSION}")
            return
        if v > LANGUAGE_VERSION:
            self.r.report("NEX106", self.span(tok), f"language version {v} is newer than this nexc supports "
                          f"({LANGUAGE_VERSION})", fix=f"upgrade nexc, or write nex {LANGUAGE_VERSION}")
            return
        self.fields["language_version"] = v

    def decl_framework(self, d: Tree) -> None:
        sp = self.span(d)
        if not self._once("framework", sp):
            return
        for c in d.children:
            if isinstance(c, str):
                keys.check_identifier(str(c), self.span(c), "framework", self.r)
                self.fields["name"] = str(c)
            elif c.data == "string":
                self.fields["description"] = self.string(c.children[0])
            else:
                body = self.block(c, "the framework")
                b = coerce.check_keys(body, FRAMEWORK_KEYS, "the framework", self.r)
                if "description" in b:
                    if "description" in self.fields:
                        self.r.report("NEX207", body.key_span("description"),
                                      "the framework's description is given in its header and again in its block")
                    else:
                        build.set_field(self.fields, b, "description", coerce.as_str, self.r)
                build.set_field(self.fields, b, "metadata", coerce.as_json_map, self.r)
                build.set_field(self.fields, b, "profile", build.build_name, self.r)

    def decl_import(self, d: Tree) -> None:
        s = d.children[0]
        path = self.string(s.children[0])
        if not path.strip():
            self.r.report("NEX203", self.span(s), "an import needs a file path")
            return
        self.fields["imports"].append(Import(span=self.span(d), path=path))

    def decl_entry(self, d: Tree) -> None:
        sp = self.span(d)
        if self._once("entry", sp):
            tok = d.children[0]
            self.fields["entry"] = Name(span=self.span(tok), value=str(tok))

    def decl_llm(self, d: Tree) -> None:
        name, blk = d.children
        self.fields["llms"].append(build.build_llm(str(name), self.span(name), self.block(blk, f"llm '{name}'"),
                                                   self.span(d), self.r))

    def decl_agent(self, d: Tree) -> None:
        name, *rest = d.children
        header = {}
        for c in rest[:-1]:
            header["description"] = (Loc(self.string(c.children[0]), self.span(c)), self.span(c))
        body = self.block(rest[-1], f"agent '{name}'", header)
        self.fields["agents"].append(build.build_agent(str(name), self.span(name), body, self.span(d), self.r))

    def decl_skill(self, d: Tree) -> None:
        name, *rest = d.children
        blk = rest[-1] if rest and rest[-1].data == "block" else None
        path = next((c for c in rest if c.data == "string"), None)
        where = f"skill '{name}'"
        if path is not None and blk is None:
            body = Loc(self.string(path.children[0]), self.span(path))
        else:
            header = {"path": (Loc(self.string(path.children[0]), self.span(path)), self.span(path))} if path else {}
            body = self.block(blk, where, header)
        node = build.build_skill(str(name), self.span(name), body, self.span(d), self.r)
        if node is not None:
            self.fields["skills"].append(node)

    def decl_mcp(self, d: Tree) -> None:
        name, *rest = d.children
        header: dict[str, tuple[Loc, Span]] = {}
        blk = None
        for c in rest:
            if c.data == "block":
                blk = c
                continue
            kind, target, *args = c.children
            header["transport"] = (Loc(str(kind), self.span(kind)), self.span(kind))
            header["command" if kind.type == "STDIO" else "url"] = (self.value(target), self.span(target))
            if args:
                header["args"] = (self.value(args[0]), self.span(args[0]))
        body = self.block(blk, f"MCP server '{name}'", header, at=self.span(d))
        node = build.build_mcp(str(name), self.span(name), body, self.span(d), self.r)
        if node is not None:
            self.fields["mcp_servers"].append(node)

    def decl_tool(self, d: Tree) -> None:
        name, *rest = d.children
        header: dict[str, tuple[Loc, Span]] = {}
        blk = None
        for c in rest:
            sp = self.span(c)
            if c.data == "params":
                header["parameters"] = (self.signature(c), sp)
            elif c.data == "returns":
                t = self.type_expr(c.children[1], top=False)
                if t is not None:
                    header["returns"] = (_loc_of(type_schema(t), sp), sp)
            elif c.data == "string":
                header["description"] = (Loc(self.string(c.children[0]), sp), sp)
            elif c.data == "binding":
                kind, target = c.children
                arg = Loc(self.string(target.children[0]), self.span(target))
                header["binding"] = (Loc(Call(str(kind), (arg,), {}, self.span(kind)), sp), sp)
            else:
                blk = c
        body = self.block(blk, f"tool '{name}'", header, at=self.span(d))
        self.fields["tools"].append(build.build_tool(str(name), self.span(name), body, self.span(d), self.r))

    # ------------------------------------------------------------ signatures

    def signature(self, t: Tree) -> Loc:
        params: list[Param] = []
        seen: dict[str, Span] = {}
        for p in t.children:
            pname, ptype, *rest = p.children
            key = str(pname)
            if key in seen:
                self.r.report("NEX207", self.span(pname), f"parameter '{key}' is declared twice",
                              notes=(f"first declared at {seen[key]}",))
                continue
            seen[key] = self.span(pname)
            te = self.type_expr(ptype, top=True)
            if te is None:
                continue
            param = Param(key, te)
            for c in rest:
                if c.data == "default":
                    loc = self.value(c.children[0])
                    if _has_call_or_ref(c.children[0]):
                        self.r.report("NEX201", loc.span, f"the default of parameter '{key}' must be a literal value")
                        continue
                    why = check_default(te, loc.plain())
                    if why:
                        self.r.report("NEX201", loc.span, f"the default of parameter '{key}' {why}")
                        continue
                    param.default, param.has_default = loc.plain(), True
                else:
                    param.description = self.string(c.children[0])
            params.append(param)
        return _loc_of(params_schema(params), self.span(t))

    def type_expr(self, t: Tree, *, top: bool) -> TypeExpr | None:
        if t.data == "union":
            lits = [self.string(s.children[0]) for s in t.children]
            return TypeExpr(literals=lits)
        name, *rest = t.children
        args_tree = next((c for c in rest if not isinstance(c, str)), None)
        optional = any(isinstance(c, str) and c.type == "QMARK" for c in rest)
        n = str(name)
        if n not in SCALARS:
            guess = did_you_mean(n, TYPE_NAMES) or {"string": "str", "integer": "int", "number": "float",
                                                   "boolean": "bool", "array": "list", "map": "dict"}.get(n)
            self.r.report("NEX206", self.span(name), f"unknown type '{n}'" + (f"; did you mean '{guess}'?" if guess else ""),
                          notes=("types are str, int, float, bool, any, object, list[T], dict[str, T], T? and "
                                 "\"a\" | \"b\"",), fix=f"replace '{n}' with '{guess}'" if guess else None)
            return None
        if optional and not top:
            self.r.report("NEX206", self.span(t), "'?' marks a parameter as optional; it cannot be used inside a type",
                          fix="remove the '?'")
            return None
        args: list[TypeExpr] = []
        if args_tree is not None:
            want = GENERICS.get(n)
            if want is None:
                self.r.report("NEX206", self.span(args_tree), f"type '{n}' takes no type arguments")
                return None
            if len(args_tree.children) != want:
                usage = "list[str]" if n == "list" else "dict[str, int]"
                self.r.report("NEX206", self.span(args_tree), f"'{n}' takes {want} type argument{'s' if want > 1 else ''}, "
                              f"like {usage}")
                return None
            for a in args_tree.children:
                inner = self.type_expr(a, top=False)
                if inner is None:
                    return None
                args.append(inner)
            if n == "dict" and (args[0].name != "str" or args[0].args or args[0].literals is not None):
                self.r.report("NEX206", self.span(args_tree.children[0]), "map keys are always strings: write dict[str, T]")
                return None
        return TypeExpr(n, args, optional)

    # ------------------------------------------------------------ result

    def source_file(self, text: str) -> SourceFile:
        lines = text.split("\n")
        end = Span(file=self.path, line=1, column=1, end_line=len(lines), end_column=len(lines[-1]) + 1)
        f = {k: (tuple(v) if isinstance(v, list) else v) for k, v in self.fields.items()}
        return SourceFile(span=end, path=self.path, **f)


def _has_call_or_ref(t: Tree | Token) -> bool:
    if isinstance(t, str):
        return False
    if t.data in ("call", "ref"):
        return True
    if t.data == "string":
        return False
    return any(_has_call_or_ref(c) for c in t.children if not isinstance(c, str))


def _loc_of(v: Any, sp: Span) -> Loc:
    """A plain JSON value as a Loc tree, every node at ``sp``."""
    if isinstance(v, dict):
        return Loc({k: _loc_of(x, sp) for k, x in v.items()}, sp, {k: sp for k in v})
    if isinstance(v, list):
        return Loc([_loc_of(x, sp) for x in v], sp)
    return Loc(v, sp)
