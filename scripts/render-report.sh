#!/usr/bin/env bash
# Renders an nnc report (HTML) or chart (SVG) with headless Chromium, as a reader's browser
# would, and fails when the picture is blank: a page whose charts did not draw is mostly one
# colour, while drawn charts bring antialiased lines and text in many shades.
#
# usage: scripts/render-report.sh REPORT.html|CHART.svg [OUT.png] [WIDTH,HEIGHT]
# Exit: 0 rendered and not blank, 1 blank or no picture, 64 usage, 69 no chromium on PATH.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 3 ] || [ ! -f "$1" ]; then
    echo "usage: scripts/render-report.sh REPORT.html|CHART.svg [OUT.png] [WIDTH,HEIGHT]" >&2
    exit 64
fi
input=$1
output=${2:-${input%.*}.png}
size=${3:-1200,2400}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
    echo "render-report: chromium not found on PATH (Debian: apt-get install chromium)" >&2
    exit 69
fi

# A fresh profile each time, so concurrent renders do not fight over one.
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
url=$(python3 -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$input")
rm -f "$output"
timeout 120 "$browser" --headless --disable-gpu --no-sandbox --hide-scrollbars \
    --user-data-dir="$profile" --window-size="$size" --screenshot="$output" "$url" >/dev/null 2>&1 || true
if [ ! -s "$output" ]; then
    echo "render-report: chromium wrote no picture for $input" >&2
    exit 1
fi

python3 - "$output" <<'PY'
# A small PNG reader (8-bit grey/RGB/RGBA, non-interlaced, which is what Chromium writes);
# the standard library has zlib but no image module.
import struct, sys, zlib
from collections import Counter

path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"render-report: {path} is not a PNG")
pos, idat = 8, []
while pos < len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    if kind == b"IHDR":
        width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat.append(body)
    pos += 12 + length
channels = {0: 1, 2: 3, 4: 2, 6: 4}.get(colour)
if depth != 8 or channels is None or interlace:
    sys.exit(f"render-report: unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
raw = zlib.decompress(b"".join(idat))
stride = width * channels
previous = bytearray(stride)
colours = Counter()
for y in range(height):
    start = y * (stride + 1)
    kind, row = raw[start], bytearray(raw[start + 1:start + 1 + stride])
    if kind == 1:
        for i in range(channels, stride): row[i] = (row[i] + row[i - channels]) & 255
    elif kind == 2:
        row = bytearray((a + b) & 255 for a, b in zip(row, previous))
    elif kind == 3:
        for i in range(stride):
            left = row[i - channels] if i >= channels else 0
            row[i] = (row[i] + ((left + previous[i]) >> 1)) & 255
    elif kind == 4:
        for i in range(channels):
            row[i] = (row[i] + previous[i]) & 255
        for i in range(channels, stride):
            a, b, c = row[i - channels], previous[i], previous[i - channels]
            pa, pb, pc = abs(b - c), abs(a - c), abs(a + b - 2 * c)
            row[i] = (row[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    colours.update(zip(*(row[k::channels] for k in range(channels))))
    previous = row
total = width * height
background, count = colours.most_common(1)[0]
drawn = 1 - count / total
print(f"render-report: {path}: {width}x{height}, {len(colours)} colours, {drawn:.1%} of pixels drawn")
if len(colours) < 16 or drawn < 0.005:
    sys.exit(f"render-report: {path} looks blank")
PY
