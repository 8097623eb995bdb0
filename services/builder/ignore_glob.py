"""Matching one `.dockerignore` pattern as `docker build` does, in time linear in pattern x path (ignore.py applies
a whole file to a build context).

Why not the docker SDK's matcher (what we used before): its fnmatch turns each `*` into a backtracking
`[^/]*` regex, so a 14-byte line like `*a*a*a*a*a*b` against one long file name takes seconds (each
more `*a` ~25x more), all inside `re`, which holds the GIL: the builder's event loop froze with it.
Why not pathspec: it is regex-based too, and its gitignore rules differ from `.dockerignore`'s.

So this is the SDK's semantics (docker/utils/build.py PatternMatcher + Pattern, docker/utils/fnmatch.py
translate, case-insensitive, `re.match(...$)` quirks included) run as a Thompson NFA whose state set is an
int bitmask: every path character costs a fixed handful of int operations, whatever the pattern holds.
"""

from __future__ import annotations

# The work is paths x patterns x path length: even linear, 1,000 long patterns that a repository tunes to
# its own long paths could hold a build for hours. A step is one path character read by the NFA (well
# under a microsecond); ordinary .dockerignore files on 20,000-file trees take a few million.
MAX_STEPS = 100_000_000


class IgnoreFileError(ValueError):
    """The `.dockerignore` cannot be applied; the message is the reason."""


class Glob:
    """One cleaned pattern, matched as the SDK's `fnmatch(path, pattern)` would (same answers)."""

    def __init__(self, pattern: str, budget: list[int] | None = None) -> None:
        self._budget = budget  # steps left for the whole .dockerignore, shared by its patterns
        pat, i, n = pattern.lower(), 0, len(pattern.lower())
        preds: list[tuple[str, bool, list[tuple[str, str]]] | None] = []  # per state; None: not a 1-char step
        star = dotstar = entry = 0  # `[^/]*`, trailing `**` (`.*`), `**/`-ish (`(.*/)?`), as state bitmasks
        while i < n:
            c, i, bit = pat[i], i + 1, 1 << len(preds)
            if c == "*" and i < n and pat[i] == "*":
                i += 2 if i + 1 < n and pat[i + 1] == "/" else 1
                if i >= n:
                    dotstar |= bit
                else:
                    entry |= bit
                preds.append(None)
            elif c == "*":
                star |= bit
                preds.append(None)
            elif c == "?":
                preds.append(("", True, [("/", "/")]))  # anything but "/"
            elif c == "[" and (j := _class_end(pat, i)) < n:
                preds.append(_class(pat[i:j]))
                i = j + 1
            else:
                preds.append((c, False, [(c, c)]))
        self._preds, self._final, self._star, self._dotstar, self._entry = preds, 1 << len(preds), star, dotstar, entry
        self._steps: list[tuple[int, int]] = []  # epsilon closure by doubling: mask, shift
        chain, shift = star | dotstar | entry, 1
        while chain:
            self._steps.append((chain, shift))
            chain, shift = chain & (chain >> shift), shift * 2
        self._advance: dict[str, int] = {}
        lits = [p[0] if p and p[0] else None for p in preds]
        self._literal = pat if all(lits) or not preds else None
        k = lits.index(None) if None in lits else len(lits)
        self._prefix = pat[:k] if k < len(lits) else ""
        k = lits[::-1].index(None) if None in lits else len(lits)
        self._suffix = "".join(str(x) for x in lits[len(lits) - k:])

    def match(self, name: str) -> bool:
        name = name.lower()
        if self._literal is not None:  # `$` also matches before a final newline
            return name == self._literal or name == self._literal + "\n"
        if not name.startswith(self._prefix) or not (
                name.endswith(self._suffix) or (name.endswith("\n") and name[:-1].endswith(self._suffix))):
            return False
        matched, steps = self._run(name)
        if self._budget is not None:
            self._budget[0] -= steps
            if self._budget[0] < 0:
                raise IgnoreFileError(f"applying .dockerignore to the build context takes more than {MAX_STEPS} steps")
        return matched

    def _run(self, name: str) -> tuple[bool, int]:
        """(matched, characters read): the NFA, one character at a time."""
        state, last, before_last = self._close(1), len(name) - 1, 0
        inner = state & self._entry  # inside the `.*` of a `(.*/)?`, per entry state
        for at, ch in enumerate(name):
            if at == last and ch == "\n":
                before_last = state & self._final
            if (advance := self._advance.get(ch)) is None:
                advance = self._advance[ch] = sum(1 << s for s, p in enumerate(self._preds) if p and _hit(p, ch))
            step = ((state & advance) << 1) | (state & (self._star if ch != "/" else 0)) | (
                state & (self._dotstar if ch != "\n" else 0)) | (inner << 1 if ch == "/" else 0)
            state = self._close(step)
            inner = (inner if ch != "\n" else 0) | (state & self._entry)
            if not state and not inner:
                return bool(before_last), at + 1
        return bool(state & self._final or before_last), len(name)

    def _close(self, state: int) -> int:
        for mask, shift in self._steps:
            state |= (state & mask) << shift
        return state


def _class_end(pat: str, i: int) -> int:
    """Index of the `]` closing a class opened before `i`, or len(pat) (then `[` is a literal)."""
    j = i + 1 if i < len(pat) and pat[i] == "!" else i
    j = j + 1 if j < len(pat) and pat[j] == "]" else j
    k = pat.find("]", j)
    return len(pat) if k < 0 else k


def _class(stuff: str) -> tuple[str, bool, list[tuple[str, str]]]:
    """`[stuff]` as Python's re reads the SDK's translation: `!` negates, a first `]` is literal, a-z."""
    negate, body, ranges, k = stuff[0] == "!", stuff[1:] if stuff[0] == "!" else stuff, [], 0
    while k < len(body):
        lo, k = body[k], k + 1
        if k + 1 < len(body) and body[k] == "-":
            hi, k = body[k + 1], k + 2
            if hi < lo:
                raise IgnoreFileError(f"bad character range {lo}-{hi} in .dockerignore pattern [{stuff}]")
            ranges.append((lo, hi))
        else:
            ranges.append((lo, lo))
    return "", negate, ranges


def _hit(pred: tuple[str, bool, list[tuple[str, str]]], ch: str) -> bool:
    return any(lo <= ch <= hi for lo, hi in pred[2]) != pred[1]
