"""Read what a Chromium print-to-PDF shows per page, with the standard library only: how far down the page
the content reaches and the text printed in the page margins (the page number).

Chromium (Skia) writes uncompressed page objects, Flate-compressed content streams and a ``/ToUnicode`` map
per font, so a small interpreter of the few operators it uses is enough: ``q``/``Q``/``cm`` (graphics state),
``re W n`` (the page's content clip), ``re f`` (filled boxes: table rules, backgrounds), ``Do`` (images),
``BT``/``Tf``/``Tm``/``Td``/``Tj`` (text). Used by ``check_report.py`` to prove that the report's PDF has page
numbers and no half-empty pages.
"""
from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

_OBJ = re.compile(rb"(\d+) 0 obj\s*(.*?)endobj", re.S)
_TOKEN = re.compile(rb"<[0-9A-Fa-f\s]*>|/[^\s/<>\[\]()]+|\[|\]|[-+]?(?:\d+\.?\d*|\.\d+)|[A-Za-z*'\"]+")


@dataclass
class PdfPage:
    """One printed page: ``fill`` = share of the content area's height in use (0–1), ``margin_text`` = the
    text drawn outside the content area (page number, running header), in reading order."""

    fill: float
    margin_text: str


def _objects(pdf: bytes) -> dict[int, bytes]:
    return {int(m.group(1)): m.group(2) for m in _OBJ.finditer(pdf)}


def _stream(obj: bytes) -> bytes:
    head, data = obj.split(b"stream", 1)
    data = data[2:] if data.startswith(b"\r\n") else data[1:]  # the end-of-line after the keyword only
    length = re.search(rb"/Length (\d+)(?! \d+ R)", head)
    data = data[:int(length.group(1))] if length else data[:data.rfind(b"endstream")]
    if b"FlateDecode" not in head:
        return data
    return zlib.decompressobj().decompress(data)  # binary data may end in CR/LF bytes: never strip them


def _to_unicode(cmap: bytes) -> dict[int, str]:
    """Glyph id -> text from a ToUnicode CMap (``bfchar`` and ``bfrange`` sections)."""
    out: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            out[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be", "replace")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        for lo, hi, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            start = int(dst, 16)
            for k, g in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                out[g] = chr(start + k)
    return out


def _mul(a, b):
    """Product of two PDF matrices ``[a b c d e f]`` (``a`` applied first)."""
    return [a[0] * b[0] + a[1] * b[2], a[0] * b[1] + a[1] * b[3],
            a[2] * b[0] + a[3] * b[2], a[2] * b[1] + a[3] * b[3],
            a[4] * b[0] + a[5] * b[2] + b[4], a[4] * b[1] + a[5] * b[3] + b[5]]


def _y(m, x: float, y: float) -> float:
    return m[1] * x + m[3] * y + m[5]


def read_pages(pdf: bytes) -> list[PdfPage]:
    """Every page of a Chromium PDF in order, with its fill and its margin text."""
    objs = _objects(pdf)
    fonts: dict[int, dict[int, str]] = {}
    pages = []
    root_pages = [k for k, v in objs.items() if re.search(rb"/Type\s*/Pages\b", v) and b"/Parent" not in v]
    order = _page_order(objs, root_pages[0]) if root_pages else \
        [k for k, v in objs.items() if re.search(rb"/Type\s*/Page\b", v)]
    for number in order:
        page = objs[number]
        font_refs = {name.decode(): int(ref) for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", page)}
        maps = {}
        for name, ref in font_refs.items():
            if ref not in fonts:
                m = re.search(rb"/ToUnicode (\d+) 0 R", objs.get(ref, b""))
                fonts[ref] = _to_unicode(_stream(objs[int(m.group(1))])) if m else {}
            maps[name] = fonts[ref]
        contents = re.search(rb"/Contents\s+(?:\[(.*?)\]|(\d+) 0 R)", page, re.S)
        refs = [int(r) for r in re.findall(rb"(\d+) 0 R", contents.group(1))] if contents.group(1) else \
            [int(contents.group(2))]
        content = b"\n".join(_stream(objs[r]) for r in refs)
        pages.append(_interpret(content, maps))
    return pages


def _page_order(objs: dict[int, bytes], node: int) -> list[int]:
    kids = re.search(rb"/Kids\s*\[(.*?)\]", objs[node], re.S)
    if kids is None:
        return [node]
    out = []
    for ref in re.findall(rb"(\d+) 0 R", kids.group(1)):
        out += _page_order(objs, int(ref))
    return out


def _interpret(content: bytes, maps: dict[str, dict[int, str]]) -> PdfPage:
    ctm = [1.0, 0, 0, 1.0, 0, 0]
    stack: list[list[float]] = []
    clip = None  # (y_low, y_high) of the content area in page units
    marks: list[float] = []  # lowest/highest y of everything drawn inside the content area
    texts: list[tuple[float, float, str]] = []  # (y, x, text) of every text drawn
    args: list = []
    rect = None
    font, tm, line = None, None, None
    fill_white = False
    for tok in _TOKEN.findall(content):
        if tok[:1] in b"-+.0123456789":
            args.append(float(tok))
            continue
        if tok[:1] in b"</[]":
            args.append(tok)
            continue
        op = tok.decode("latin-1")
        if op == "q":
            stack.append(ctm[:])
        elif op == "Q":
            ctm = stack.pop() if stack else ctm
        elif op == "cm" and len(args) >= 6:
            ctm = _mul([float(a) for a in args[-6:]], ctm)
        elif op == "rg" and len(args) >= 3:
            fill_white = all(float(a) > 0.99 for a in args[-3:])
        elif op == "re" and len(args) >= 4:
            x, y, w, h = (float(a) for a in args[-4:])
            rect = sorted((_y(ctm, x, y), _y(ctm, x, y + h)))
        elif op in ("W", "W*") and rect is not None and clip is None:
            clip = tuple(rect)
        elif op in ("f", "f*", "B", "b") and rect is not None and not fill_white:
            marks += rect
        elif op == "Do":
            marks += sorted((_y(ctm, 0, 0), _y(ctm, 0, 1)))
        elif op == "Tf" and len(args) >= 1 and isinstance(args[-2] if len(args) > 1 else None, bytes):
            font = args[-2].decode()[1:]
        elif op == "Tm" and len(args) >= 6:
            tm = [float(a) for a in args[-6:]]
            line = tm[:]
        elif op == "Td" and len(args) >= 2 and line is not None:
            line = _mul([1, 0, 0, 1, float(args[-2]), float(args[-1])], line)
            tm = line[:]
        elif op == "Tj" and args and tm is not None:
            glyphs = bytes.fromhex(re.sub(rb"[<>\s]", b"", args[-1]).decode())
            text = "".join(maps.get(font, {}).get(int.from_bytes(glyphs[i:i + 2], "big"), "")
                           for i in range(0, len(glyphs), 2))
            m = _mul(tm, ctm)
            texts.append((m[5], m[4], text))
        args = []
    if clip is None:
        return PdfPage(fill=0.0, margin_text=_join(texts))
    within = (lambda y: clip[0] - 1 <= y <= clip[1] + 1)
    margin = [t for t in texts if not within(t[0])]
    inside = [y for y in marks + [t[0] for t in texts] if within(y)]
    fill = (clip[1] - min(inside)) / (clip[1] - clip[0]) if inside else 0.0
    return PdfPage(fill=round(min(max(fill, 0.0), 1.0), 3), margin_text=_join(margin))


def _join(parts: list[tuple[float, float, str]]) -> str:
    """Texts in reading order: top to bottom, then left to right."""
    return "".join(text for _, _, text in sorted(parts, key=lambda t: (-round(t[0]), t[1]))).strip()
