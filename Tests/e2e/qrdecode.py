"""Reads a QR code drawn with half blocks out of terminal text (stdin: plain output or a tmux screen) and decodes it
with zxing-cpp, an independent reader: prints the decoded text, or exits 1. Light modules are drawn with ink
(█ both halves, ▀ top, ▄ bottom, space neither), as QRCodeText draws them.
Usage: python qrdecode.py < screen.txt   (needs zxing-cpp and numpy in the venv)"""
import re, sys
import numpy as np
import zxingcpp

lines = sys.stdin.read().splitlines()
# The block: consecutive lines holding a run of half-block characters at the same column and width.
runs = []
for i, line in enumerate(lines):
    m = re.search(r"[█▀▄][█▀▄ ]{18,}[█▀▄]", line)
    runs.append((m.start(), m.end()) if m else None)
best = []
i = 0
while i < len(runs):
    if runs[i] is None:
        i += 1
        continue
    j = i
    while j + 1 < len(runs) and runs[j + 1] == runs[i]:
        j += 1
    if j - i + 1 > len(best):
        best = list(range(i, j + 1))
    i = j + 1
if len(best) < 10:
    sys.exit("no QR block found")
start, end = runs[best[0]]
rows = []
for k in best:
    text = lines[k][start:end]
    rows.append([255 if ch in "█▀" else 0 for ch in text])
    rows.append([255 if ch in "█▄" else 0 for ch in text])
img = np.array(rows, dtype=np.uint8)
img = np.kron(img, np.ones((8, 8), dtype=np.uint8))
img = np.pad(img, 32, constant_values=255)
found = zxingcpp.read_barcodes(img)
if not found:
    # Drawn inverted (ink for light): a reader may want dark-on-light; try the other way round too.
    found = zxingcpp.read_barcodes(255 - img)
if not found:
    sys.exit("zxing-cpp found no QR code in the block")
print(found[0].text)
