#!/usr/bin/env python3
"""Writes the PDF fixtures of crates/policy/tests/fixtures/ by hand (plain PDF syntax, the
standard Helvetica fonts, no PDF library), deterministically:

  text.pdf             one page: a heading and two paragraphs with a text layer
  image-only.pdf       one page that only paints an image (what a scan looks like)
  policy-20-pages.pdf  sample-policy.txt repeated as 11 parts (~10,000 words) on 20 pages,
                       compressed content streams: the benchmark's input

    python3 crates/policy/scripts/make_pdf_fixtures.py
"""
import os
import textwrap
import zlib

here = os.path.dirname(os.path.abspath(__file__))
fixtures = os.path.join(here, "..", "tests", "fixtures")


def pdf(objects):
    """objects: list of bytes bodies, object i+1; object 1 is the catalog."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def stream(data, compress):
    if compress:
        data = zlib.compress(data, 9)
        return b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream"
    return b"<< /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def esc(s):
    return s.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("cp1252")


def text_pages(pages, compress):
    """pages: list of pages, each a list of (bold, line). Returns the PDF bytes."""
    n = len(pages)
    # 1 catalog, 2 pages, 3 font, 4 bold font, then (page, content) pairs
    kids = " ".join("%d 0 R" % (5 + 2 * i) for i in range(n))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids.encode(), n),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    for i, lines in enumerate(pages):
        ops = [b"BT", b"/F1 10 Tf", b"12 TL", b"72 756 Td"]
        for bold, line in lines:
            ops.append(b"/F2 10 Tf" if bold else b"/F1 10 Tf")
            ops.append(b"(" + esc(line) + b") Tj T*")
        ops.append(b"ET")
        content = b"\n".join(ops)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents %d 0 R >>" % (6 + 2 * i)
        )
        objects.append(stream(content, compress))
    return pdf(objects)


def layout(text):
    """Paragraph text → lines: headings bold, a blank line between paragraphs."""
    lines = []
    for para in text.strip().split("\n\n"):
        for j, raw in enumerate(para.split("\n")):
            heading = len(raw) < 60 and not raw.rstrip().endswith((".", ";", ":"))
            if heading:
                lines.append((True, raw))
            else:
                lines.extend((False, w) for w in textwrap.wrap(raw, 95))
        lines.append((False, ""))
    return lines


def main():
    short = (
        "Privacy Policy\n\nWe collect your name and your e-mail address when you create an account. "
        "We do not sell your data.\n\nYou can delete your account at any time from the Settings page."
    )
    with open(os.path.join(fixtures, "text.pdf"), "wb") as f:
        f.write(text_pages([layout(short)], compress=False))

    # a page that paints one 8x8 grey image and has no text operator at all
    img = bytes(range(64))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
        stream(b"q 468 0 0 648 72 72 cm /Im1 Do Q", compress=False),
        b"<< /Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
        b"/BitsPerComponent 8 /Length %d >>\nstream\n" % len(img) + img + b"\nendstream",
    ]
    with open(os.path.join(fixtures, "image-only.pdf"), "wb") as f:
        f.write(pdf(objects))

    with open(os.path.join(fixtures, "sample-policy.txt"), encoding="utf-8") as f:
        policy = f.read()
    parts = [f"Part {k} of 11\n\n" + policy for k in range(1, 12)]
    lines = layout("\n\n".join(parts))
    per_page = -(-len(lines) // 20)
    pages = [lines[i : i + per_page] for i in range(0, len(lines), per_page)]
    assert len(pages) == 20 and per_page <= 60, (len(pages), per_page)
    with open(os.path.join(fixtures, "policy-20-pages.pdf"), "wb") as f:
        f.write(text_pages(pages, compress=True))
    print(f"20 pages, {per_page} lines per page, {sum(len(p.split()) for p in parts)} words")


main()
