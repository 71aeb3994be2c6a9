"""Read the modules back out of a segno SVG, to check a QR code against the matrix segno builds.

segno draws the dark modules as one stroked path of horizontal runs, in module units:
`M4 4.5h7m1 0h4...m-29 1h1...` (each run sits on a row's centre line, hence the `.5`).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import segno

SVG = "{http://www.w3.org/2000/svg}"
_COMMAND = re.compile(r"([MmHh])\s*([-\d.\s,]+)")

type Modules = set[tuple[int, int]]


def elements(svg: str) -> list[str]:
    """The element names in the document, namespace removed, in document order."""
    root = ET.fromstring(svg)  # noqa: S314 - our own handler's output, not untrusted input
    return [element.tag.removeprefix(SVG) for element in root.iter()]


def dark_modules(svg: str, *, border: int) -> Modules:
    """(row, column) of every dark module, the quiet zone of `border` modules removed."""
    root = ET.fromstring(svg)  # noqa: S314 - our own handler's output, not untrusted input
    (path,) = [p for p in root.iter(f"{SVG}path") if p.get("stroke")]  # the light background is filled, not stroked
    x = y = 0.0
    dark: Modules = set()
    for command, args in _COMMAND.findall(path.get("d", "")):
        numbers = [float(n) for n in re.split(r"[\s,]+", args.strip())]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:  # h: a run of dark modules to the right
            row = int(y) - border
            dark.update((row, column) for column in range(int(x) - border, int(x + numbers[0]) - border))
            x += numbers[0]
    return dark


def matrix_modules(qr: segno.QRCode) -> Modules:
    """(row, column) of every dark module of segno's own matrix (no quiet zone)."""
    return {(r, c) for r, row in enumerate(qr.matrix) for c, value in enumerate(row) if value}
