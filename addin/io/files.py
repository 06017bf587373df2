"""Files that must never break: the one place that replaces a workbook on disk.

SQLite's habits, for a workbook: one writer at a time (:class:`WriteLock`, a lock file beside the
workbook created atomically, naming who holds it and since when; a stale lock of a dead process
on this machine is taken over and said so), a temporary file beside the destination, fsync, the
previous file kept as ``<name>.bak``, one rename; and before the rename, the check that the file
is still the one that was read (:class:`FileStamp`: size, mtime and a hash of its bytes), so a
save by someone else in between is never overwritten. Excel's ``~$NAME`` and LibreOffice's
``.~lock.NAME#`` owner files mean the workbook is open elsewhere: nothing is written. Symlinks
are followed: the target is written. Temporary files of a dead run (this module's own naming
only) are removed by the next one.
"""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from addin.errors import UnsafeWriteError
from addin.i18n import Text

_LOCKED = Text("Not written: {file} is open in Excel or locked ({reason}). Close it and try again; nothing was changed.",
               "未写入：{file} 正在 Excel 中打开或被锁定（{reason}）。请关闭后重试；文件未作任何改动。")
_READONLY = Text("Not written: {file} is read-only. Nothing was changed.", "未写入：{file} 为只读。文件未作任何改动。")
_SAVE_FAILED = Text("Not written: saving {file} failed ({reason}). The previous file is unchanged.",
                    "未写入：保存 {file} 失败（{reason}）。原文件未改动。")
_BUSY = Text("Not written: {file} is being written by {who} (since {since}, {where}). Try again when it has "
             "finished; nothing was changed.",
             "未写入：{file} 正由 {who} 写入（自 {since}，{where}）。请待其完成后重试；文件未作任何改动。")
_CHANGED = Text("Not written: {file} was changed by someone else while this command worked on it. Nothing was "
                "written; run the command again on the new file.",
                "未写入：本命令处理期间 {file} 已被他人修改。未写入任何内容；请对新文件重新运行本命令。")
T_STALE = Text("Took over the lock of {file} left by a process that no longer runs ({who}, since {since}).",
               "已接管 {file} 的锁：留下它的进程已不在运行（{who}，自 {since}）。")

_CHUNK = 1 << 20
#: A temporary file of a dead run older than this is removed by the next run.
_STALE_TMP_SECONDS = 60.0


def target_of(path: str | Path) -> Path:
    """The file a write lands in: a symlink's target (the link stays a link)."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def owner_files(dest: Path) -> list[Path]:
    """The owner files that say ``dest`` is open in Excel (``~$<name>``, long names lose two
    characters) or LibreOffice (``.~lock.<name>#``)."""
    names = ("~$" + dest.name, "~$" + dest.name[2:], f".~lock.{dest.name}#")
    return [p for p in (dest.with_name(n) for n in names) if p.exists()]


def check_destination(dest: Path) -> None:
    """Raise UnsafeWriteError when ``dest`` is open in Excel or LibreOffice (an owner file
    exists) or it or its folder is read-only."""
    locks = owner_files(dest)
    if locks:
        raise UnsafeWriteError(_LOCKED, file=dest, reason=locks[0].name)
    if dest.exists() and not os.access(dest, os.W_OK):
        raise UnsafeWriteError(_READONLY, file=dest)
    if not dest.parent.is_dir() or not os.access(dest.parent, os.W_OK):
        raise UnsafeWriteError(_READONLY, file=dest.parent)


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def fsync_dir(folder: Path) -> None:
    if os.name != "posix":
        return  # Windows has no directory handles to flush; the rename is durable on NTFS
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def backup_path(dest: Path) -> Path:
    """Where the previous version of ``dest`` is kept: ``<name>.bak`` beside it."""
    return dest.with_name(dest.name + ".bak")


def temp_beside(dest: Path) -> Path:
    """A new empty temporary file in ``dest``'s folder, named ``.<stem>.<random><suffix>.tmp``."""
    fd, name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=dest.suffix + ".tmp", dir=dest.parent)
    os.close(fd)
    return Path(name)


@dataclass(frozen=True)
class FileStamp:
    """What a file was when it was read: size, modification time and a hash of its bytes."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: str | Path) -> FileStamp:
        path = Path(path)
        digest = hashlib.sha256()
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            while chunk := fh.read(_CHUNK):
                digest.update(chunk)
        return cls(st.st_size, st.st_mtime_ns, digest.hexdigest())

    def still(self, path: Path) -> bool:
        """Whether ``path`` is still this file (size and mtime first; the hash when they agree)."""
        try:
            st = path.stat()
        except OSError:
            return False
        if st.st_size != self.size or st.st_mtime_ns != self.mtime_ns:
            return False
        return FileStamp.of(path).sha256 == self.sha256


def replace_file(src: Path, dest: Path, backup: bool = True, stamp: FileStamp | None = None) -> None:
    """Move the finished file ``src`` (same folder as ``dest``) over ``dest`` atomically, first
    keeping the current ``dest`` as ``<name>.bak``. With ``stamp``, ``dest`` must still be the file
    it describes (else nothing is written). Raises UnsafeWriteError; ``dest`` is then untouched
    and ``src`` removed."""
    src, dest = Path(src), target_of(dest)
    staged_bak = dest.with_name(f".{dest.name}.bak.tmp")
    try:
        check_destination(dest)
        # mkstemp makes owner-only files; the workbook keeps the mode it had (or the umask's).
        if dest.exists():
            shutil.copymode(dest, src)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(src, 0o666 & ~umask)
        fsync_file(src)
        if stamp is not None and not stamp.still(dest):
            raise UnsafeWriteError(_CHANGED, file=dest)
        if backup and dest.exists():
            bak = backup_path(dest)
            staged_bak.unlink(missing_ok=True)
            try:
                os.link(dest, staged_bak)  # instant, and dest stays in place until the rename
            except OSError:
                shutil.copy2(dest, staged_bak)  # file systems without hard links
            os.replace(staged_bak, bak)
            # Renaming a link onto another link of the same file does nothing: the staged one stays.
            staged_bak.unlink(missing_ok=True)
        os.replace(src, dest)
        fsync_dir(dest.parent)
    except OSError as exc:
        src.unlink(missing_ok=True)
        staged_bak.unlink(missing_ok=True)
        raise UnsafeWriteError(_SAVE_FAILED, file=dest, reason=exc.strerror or str(exc)) from None
    except UnsafeWriteError:
        src.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------------------------
# One writer at a time.

def lock_path(dest: Path) -> Path:
    """The lock file of a workbook: ``.<name>.service-lock`` beside it."""
    return dest.with_name(f".{dest.name}.service-lock")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True
    return True


class WriteLock:
    """An exclusive lock on one workbook for one command's read-modify-write.

    Taken with ``O_CREAT | O_EXCL`` (atomic on every local file system), it holds the process id,
    the host, the user and the time. A lock left by a process of this machine that no longer runs
    is taken over (``took_over`` says whose it was); any other lock refuses with who holds it.
    Leaving the ``with`` block removes it, and the temporary files of dead runs beside the workbook
    are removed when it is taken."""

    def __init__(self, path: str | Path) -> None:
        self.dest = target_of(path)
        self.path = lock_path(self.dest)
        self.took_over: dict[str, Any] | None = None
        self._held = False

    def _info(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "host": socket.gethostname(), "user": getpass.getuser(),
                "since": dt.datetime.now().isoformat(timespec="seconds"), "argv": " ".join(sys.argv[:3])}

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8") or "{}")
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def acquire(self) -> WriteLock:
        check_destination(self.dest)
        for _attempt in range(20):
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
            except FileExistsError:
                held = self._read()
                pid = held.get("pid")
                if not held and time.time() - self._mtime() < 5:
                    time.sleep(0.05)  # being written this instant: look again
                    continue
                if not held or (isinstance(pid, int) and held.get("host") == socket.gethostname()
                                and not _alive(pid)):
                    self.took_over = held or {"pid": "?", "since": "?"}
                    self.path.unlink(missing_ok=True)
                    continue
                raise UnsafeWriteError(_BUSY, file=self.dest, who=f"{held.get('user', '?')} (pid {pid})",
                                       since=held.get("since", "?"), where=held.get("host", "?")) from None
            except OSError as exc:
                raise UnsafeWriteError(_SAVE_FAILED, file=self.dest, reason=exc.strerror or str(exc)) from None
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self._info(), fh)
            self._held = True
            remove_dead_temporaries(self.dest)
            return self
        raise UnsafeWriteError(_BUSY, file=self.dest, who="?", since="?", where="?")

    def _mtime(self) -> float:
        try:
            return self.path.stat().st_mtime
        except OSError:
            return 0.0

    def release(self) -> None:
        if self._held:
            self.path.unlink(missing_ok=True)
            self._held = False

    def __enter__(self) -> WriteLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()


def remove_dead_temporaries(dest: Path) -> list[Path]:
    """Remove the temporary files a killed run left beside ``dest`` (``.<stem>.*<suffix>.tmp`` and
    ``.<name>.bak.tmp``, older than a minute): only while holding its lock, so no live run's."""
    removed = []
    now = time.time()
    candidates = [*dest.parent.glob(f".{dest.stem}.*{dest.suffix}.tmp"), dest.with_name(f".{dest.name}.bak.tmp")]
    for p in candidates:
        try:
            if p.is_file() and now - p.stat().st_mtime > _STALE_TMP_SECONDS:
                p.unlink()
                removed.append(p)
        except OSError:
            continue
    return removed


__all__ = ["FileStamp", "WriteLock", "backup_path", "check_destination", "lock_path", "owner_files",
           "remove_dead_temporaries", "replace_file", "target_of", "temp_beside"]
