"""What the test apps of one process compile once instead of once per app (cheap fixtures).

Every test builds a new app (``create_app``), and with it 300-odd URL rules, each compiled by werkzeug into two
small Python functions (``Rule._compile_builder``: ~0.2 s per app), and a new Jinja environment that compiles
every template a test renders again (~50 ms for a page). Both compilations are pure functions of their input:

- a rule's builder depends only on the rule's parsed parts (``_trace``), its defaults, its host/subdomain and
  whether unknown arguments are appended; the function takes the rule as its first argument, so one compiled
  function serves every equal rule (the cache key holds all of it);
- a template's code depends on its source (Jinja's bytecode cache checks the source's checksum) and on the
  environment's options, which are the same for every app the tests build (``create_app``).

The app itself is unchanged: production builds one app per process and compiles each once anyway.
"""
from __future__ import annotations

from typing import Any, Callable

from jinja2.bccache import Bucket, BytecodeCache
from werkzeug.routing.rules import Rule


class MemoryBytecodeCache(BytecodeCache):
    """Jinja's compiled templates kept in this process's memory, checked against the source's checksum."""

    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket: Bucket) -> None:
        code = self.store.get(bucket.key)
        if code is not None:
            bucket.bytecode_from_string(code)

    def dump_bytecode(self, bucket: Bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = MemoryBytecodeCache()
_builders: dict[tuple[Any, ...], Callable[..., Any]] = {}


def share_compiled_code() -> None:
    """Patch werkzeug's ``Rule._compile_builder`` (once) to reuse the builder of an equal rule."""
    compile_builder = Rule._compile_builder
    if getattr(compile_builder, "shared", False):
        return

    def shared_builder(self: Rule, append_unknown: bool = True) -> Callable[..., Any]:
        defaults = tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items()))
        converters = tuple(sorted((k, type(c).__qualname__, repr({a: v for a, v in vars(c).items() if a != "map"}))
                                  for k, c in self._converters.items()))
        key = (self.rule, self.host, self.subdomain, tuple(self._trace), defaults, converters, append_unknown)
        if key not in _builders:
            _builders[key] = compile_builder(self, append_unknown)
        return _builders[key]

    shared_builder.shared = True  # type: ignore[attr-defined]
    Rule._compile_builder = shared_builder  # type: ignore[method-assign]
