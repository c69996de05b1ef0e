"""Okta's filter grammar (a subset of SCIM): `attr op "value"` comparisons joined by `and`
(binding tighter) and `or`, with parentheses. One parser for every Okta endpoint that takes a
`filter` or `search`; each endpoint says which attributes and operators it supports and turns
a comparison into its service's condition."""
from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

OPERATORS = ("eq", "co", "sw", "pr", "gt", "ge", "lt", "le")
MAX_EXPRESSION, MAX_COMPARISONS, MAX_DEPTH = 2048, 32, 8
_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|"(?P<string>(?:[^"\\]|\\.)*)"|(?P<word>[A-Za-z][A-Za-z0-9_.]*))')


class FilterError(Exception):
    """Not understood; `message` says why, in Okta's words where Okta has them."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _tokens(text: str) -> list[tuple[str, str, int]]:
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None or m.end() == pos:
            if text[pos:].strip() == "":
                break
            bad = pos + (len(text[pos:]) - len(text[pos:].lstrip()))
            raise FilterError(f"Invalid filter '{text}': Unexpected character '{text[bad]}' at position {bad + 1}.")
        kind = m.lastgroup
        value = m.group(kind)
        out.append((kind, re.sub(r"\\(.)", r"\1", value) if kind == "string" else value, m.start(kind) + 1))
        pos = m.end()
    return out


def parse(text: str, attributes: Mapping[str, Collection[str]], compare: Callable[[str, str, str], object]):
    """The condition tree: ("and"|"or", [nodes]) around whatever `compare(attribute, op,
    literal)` returns; `compare` may raise FilterError for a value it refuses."""
    if len(text) > MAX_EXPRESSION:
        raise FilterError(f"Invalid filter '{text[:100]}…': the filter is too long.")
    tokens = _tokens(text)
    if not tokens:
        raise FilterError(f"Invalid filter '{text}': the filter is empty.")
    i = 0
    comparisons = 0

    def fail(why: str):
        raise FilterError(f"Invalid filter '{text}': {why}")

    def take(what: str) -> tuple[str, str, int]:
        nonlocal i
        if i >= len(tokens):
            fail(f"Expected {what} at the end of the filter.")
        i += 1
        return tokens[i - 1]

    def keyword(word: str) -> bool:
        return i < len(tokens) and tokens[i][0] == "word" and tokens[i][1].lower() == word

    def joined(word: str, part: Callable[[int], object], depth: int):
        nonlocal i
        parts = [part(depth)]
        while keyword(word):
            i += 1
            parts.append(part(depth))
        return parts[0] if len(parts) == 1 else (word, parts)

    def expr(depth: int):
        return joined("or", term, depth)

    def term(depth: int):
        return joined("and", factor, depth)

    def factor(depth: int):
        nonlocal comparisons
        kind, value, at = take("an attribute")
        if kind == "paren" and value == "(":
            if depth >= MAX_DEPTH:
                fail("too many nested parentheses.")
            inner = expr(depth + 1)
            if take("')'")[:2] != ("paren", ")"):
                fail(f"Expected ')' at position {tokens[i - 1][2]}.")
            return inner
        if kind != "word":
            fail(f"Expected an attribute at position {at}.")
        if value not in attributes:
            raise FilterError(f"field is not valid: {value}")
        kind, op, at = take("an operator")
        if kind != "word" or op.lower() not in OPERATORS:
            fail(f"Unrecognized attribute operator '{op}' at position {at}. Expected: {','.join(OPERATORS)}")
        op = op.lower()
        if op not in attributes[value]:
            fail(f"Operator '{op}' is not supported for '{value}' (supported: {','.join(attributes[value])}).")
        kind, literal, at = take("a quoted value")
        if kind != "string":
            fail(f"Expected a quoted value at position {at}.")
        comparisons += 1
        if comparisons > MAX_COMPARISONS:
            fail("too many comparisons.")
        return compare(value, op, literal)

    tree = expr(0)
    if i != len(tokens):
        fail(f"Unexpected '{tokens[i][1]}' at position {tokens[i][2]}.")
    return tree
