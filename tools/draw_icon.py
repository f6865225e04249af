"""Draw the addon's icon, static/description/icon.png: a house holding seven rank bars.

Our own artwork, drawn with Pillow (Odoo's Python has it)::

    /opt/odoo-venv/bin/python tools/draw_icon.py
"""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 256
SCALE = 4  # drawn large, then scaled down for smooth edges
TEAL = (15, 118, 110, 255)
WHITE = (255, 255, 255, 255)
AMBER = (245, 158, 11, 255)


def draw():
    u = SCALE
    img = Image.new("RGBA", (SIZE * u, SIZE * u), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle([0, 0, SIZE * u - 1, SIZE * u - 1], radius=44 * u, fill=TEAL)
    # roof, walls, chimney
    d.polygon([(128 * u, 38 * u), (222 * u, 118 * u), (34 * u, 118 * u)], fill=WHITE)
    d.rectangle([58 * u, 112 * u, 198 * u, 214 * u], fill=WHITE)
    d.rectangle([168 * u, 56 * u, 188 * u, 96 * u], fill=WHITE)
    # the seven ranks as rising bars, the last one highlighted
    left, base, width, gap = 70 * u, 200 * u, 12 * u, 6 * u
    for i in range(7):
        x = left + i * (width + gap)
        colour = AMBER if i == 6 else TEAL
        d.rounded_rectangle([x, base - (18 + i * 10) * u, x + width, base], radius=3 * u, fill=colour)
    return img.resize((SIZE, SIZE), Image.LANCZOS)


if __name__ == "__main__":
    target = Path(__file__).resolve().parent.parent / "static" / "description" / "icon.png"
    draw().save(target, optimize=True)
