"""Writing reports to files: never over an input, never half-written.

An officer who types ``-o`` with the name of the sheet being checked must not lose the sheet, and
a run interrupted while writing must leave the earlier report as it was. So every output is first
compared with every input (by path and by inode, which catches links and different spellings of
one path), then written to a temporary file beside the target and renamed over it in one step.
"""
from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from contextlib import suppress
from pathlib import Path

from .model import SodcheckError, Text


def _input_files(inputs: Iterable[str]) -> list[Path]:
    """Every existing file the inputs name: a file itself, or each file under a folder."""
    files: list[Path] = []
    for raw in inputs:
        path = Path(raw)
        try:
            if path.is_dir():
                files += [p for p in path.rglob("*") if p.is_file()]
            elif path.exists():
                files.append(path)
        except OSError:
            continue    # an unreadable input is reported by its loader
    return files


def refuse_inputs(output: str, inputs: Iterable[str]) -> None:
    """Exit 2 if writing ``output`` would replace one of the inputs."""
    target = Path(output)
    try:
        exists = target.exists()
        resolved = target.resolve()
    except OSError:
        return      # the write itself says why it cannot happen
    for source in _input_files(inputs):
        try:
            same = source.resolve() == resolved or (exists and os.path.samefile(source, target))
        except OSError:
            same = False
        if same:
            raise SodcheckError(Text(
                f"输出文件就是输入文件“{source}”，不能覆盖它；请用 -o 指定另一个文件名",
                f"the output is the input {str(source)!r}, which must not be overwritten; "
                "give another file name with -o"), file=output)


def write_file(data: str | bytes | Iterable[bytes], output: str, inputs: Iterable[str] = ()) -> None:
    """Write data (or its pieces, as they are made) to output atomically, after checking it is none
    of the inputs."""
    refuse_inputs(output, inputs)
    target = Path(output)
    pieces = [data] if isinstance(data, bytes) else [data.encode("utf-8")] if isinstance(data, str) else data
    temporary = None
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part",
                                             dir=target.parent if str(target.parent) else ".")
        with os.fdopen(handle, "wb") as stream:
            for piece in pieces:
                stream.write(piece)
        if target.exists():
            # Keep the permissions a previous report had; mkstemp creates files readable by the owner only.
            os.chmod(temporary, target.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(temporary, 0o666 & ~umask)
        os.replace(temporary, target)
        temporary = None
    except OSError as exc:
        raise SodcheckError(Text(f"无法写入输出文件：{exc.strerror}", f"cannot write the output: {exc.strerror}"),
                            file=output) from None
    finally:
        if temporary is not None:
            with suppress(OSError):
                os.unlink(temporary)
