"""Server-sent events split by hand, without copying large payloads."""

from __future__ import annotations

from collections.abc import AsyncIterator


def read_sse_event(block: bytes) -> tuple[str, bytes | None]:
    """The event name and the data of one server-sent event block (lines, LF-separated)."""
    name = ""
    data: list[bytes] = []
    pos, size = 0, len(block)
    while pos < size:
        stop = block.find(b"\n", pos)
        if stop < 0:
            stop = size
        colon = block.find(b":", pos, stop)
        if colon != pos:  # a line starting with ":" is a comment
            field_end = stop if colon < 0 else colon
            value = stop if colon < 0 else colon + 1
            if value < stop and block[value] == 0x20:
                value += 1
            field_name = block[pos:field_end]
            if field_name == b"data":
                data.append(block[value:stop])
            elif field_name == b"event":
                name = block[value:stop].decode("utf-8", errors="replace")
        pos = stop + 1
    if not data:
        return name, None
    return name, data[0] if len(data) == 1 else b"\n".join(data)


def _lf(chunk: bytes, after_cr: bool) -> bytes:
    """`chunk` with CRLF and CR line ends as LF (`after_cr`: the last chunk ended in CR)."""
    if after_cr and chunk[:1] == b"\n":
        chunk = chunk[1:]
    if b"\r" in chunk:
        chunk = chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return chunk


async def split_sse(chunks: AsyncIterator[bytes]) -> AsyncIterator[list[bytes]]:
    """Split a byte stream into server-sent event blocks, each as the list of its pieces.

    Only single-byte searches (memchr) touch the data and nothing is copied into
    a growing buffer: joining a block's pieces is left to the caller, off the
    loop when the block is large. Line ends become LF; an unfinished block at the
    end is dropped, as the SSE specification says.
    """
    pieces: list[bytes] = []
    ends_in_lf = False  # the last piece ends with a line break
    after_cr = False
    async for raw in chunks:
        chunk = _lf(raw, after_cr)
        after_cr = raw[-1:] == b"\r"
        if not chunk:
            continue
        start = 0
        if ends_in_lf and chunk[0] == 0x0A:
            pieces[-1] = pieces[-1][:-1]
            if any(pieces):
                yield pieces
            pieces, start = [], 1
        ends_in_lf = False
        at = start
        while (line_end := chunk.find(b"\n", at)) >= 0:
            if line_end + 1 == len(chunk):
                ends_in_lf = True
                break
            at = line_end + 1
            if chunk[at] == 0x0A:  # a blank line ends the block
                pieces.append(chunk[start:line_end])
                if any(pieces):
                    yield pieces
                pieces, start = [], at + 1
                at = start
        if start < len(chunk):
            pieces.append(chunk[start:] if start else chunk)
