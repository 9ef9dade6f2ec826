"""EditSession: whether this window may edit its project, is editing it, and has unsaved edits.

Opening a project takes its edit lock (``Project.lock_for_editing``); a project another
window or another planner holds opens read-only, and ``holder`` says who holds it. Editing
starts with "Start editing"; every edit goes onto the undo stack and changes the project in
memory only: nothing is written until Save (``Project.save``, atomic), which marks the stack
clean. Work that cannot be undone but is not saved yet (an incidents import) marks the
session ``dirty``. Closing the project releases the lock.

The lock file is shared between processes; within one process, a second window opening the
same project is told by ``_HOLDERS`` (the lock file alone would let one process in twice).
"""

from __future__ import annotations

from pathlib import Path
from weakref import WeakValueDictionary

from PySide6.QtCore import QObject, Signal

from gisapp.project import Project
from gisapp.ui.undo import UndoStack, user_name

# resolved project path -> the session holding its edit lock in this process
_HOLDERS: WeakValueDictionary[str, EditSession] = WeakValueDictionary()


class EditSession(QObject):
    editing_changed = Signal(bool)
    modified_changed = Signal(bool)  # unsaved edits appeared, or were saved or discarded
    read_only_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, user: str | None = None):
        super().__init__(parent)
        self.user = user or user_name()
        self.stack = UndoStack(None, self.user, self)
        self.project: Project | None = None
        self.holder: dict | None = None  # who holds the lock when we are read-only
        self._editing = False
        self._dirty = False
        self._holds_lock = False
        self._modified = False
        self.stack.clean_changed.connect(lambda _clean: self._update_modified())

    # ---- project ---------------------------------------------------------------------------
    def open(self, project: Project) -> dict | None:
        """Take over ``project``: the lock if it can be had (None), else who holds it."""
        same = self.project is not None and _key(self.project) == _key(project)
        if not same:
            self.close()
        self.project = project
        self.stack.clear(project)
        self._dirty = False
        self.holder = None if same and self._holds_lock else self._lock(project)
        self.read_only_changed.emit(self.read_only)
        self._update_modified()
        return self.holder

    def close(self) -> None:
        """Stop editing and release the lock (the project is closed)."""
        self.set_editing(False)
        if self.project is not None and self._holds_lock:
            self.project.release_lock()
            if _HOLDERS.get(_key(self.project)) is self:
                del _HOLDERS[_key(self.project)]
        self._holds_lock = False
        self.project = None
        self.holder = None
        self.stack.clear(None)
        self._dirty = False
        self._update_modified()

    def _lock(self, project: Project) -> dict | None:
        other = _HOLDERS.get(_key(project))
        if other is not None and other is not self:
            return project.lock_holder() or {"user": other.user, "host": "", "pid": 0,
                                             "since": ""}
        holder = project.lock_for_editing(self.user)
        if holder is None:
            self._holds_lock = True
            _HOLDERS[_key(project)] = self
        return holder

    # ---- state -----------------------------------------------------------------------------
    @property
    def read_only(self) -> bool:
        return self.project is not None and self.holder is not None

    @property
    def editing(self) -> bool:
        return self._editing

    def set_editing(self, on: bool) -> bool:
        """Start (True) or stop editing; refused (False) without a project or when read-only.
        Stopping ends the undo history (as QGIS does): the caller has asked about unsaved
        edits first, and saved or discarded them."""
        on = bool(on) and self.project is not None and not self.read_only
        if on != self._editing:
            self._editing = on
            if not on and not self.modified:
                self.stack.clear(self.project)
            self.editing_changed.emit(on)
        return on

    @property
    def modified(self) -> bool:
        """Edits (or imports) made since the project was opened or saved."""
        return self.project is not None and (self._dirty or not self.stack.is_clean())

    def mark_dirty(self) -> None:
        """Something not undoable changed the project in memory (an import)."""
        self._dirty = True
        self._update_modified()

    def drop_unsaved(self) -> None:
        """Forget the undo steps and the unsaved mark (the edits were discarded)."""
        self.stack.clear(self.project)
        self._dirty = False
        self._update_modified()

    def saved(self) -> None:
        """The project was written: the undo stack's state now is the saved one."""
        self._dirty = False
        self.stack.set_clean()
        self._update_modified()

    def _update_modified(self) -> None:
        if self.modified != self._modified:
            self._modified = self.modified
            self.modified_changed.emit(self._modified)


def _key(project: Project) -> str:
    return str(Path(project.path).resolve())


def holder_text(holder: dict) -> str:
    """Who holds a lock, for a message: user, host and since when."""
    parts = [str(holder.get("user") or "?")]
    if holder.get("host"):
        parts.append(f"@{holder['host']}")
    text = "".join(parts)
    if holder.get("since"):
        text += f" ({holder['since']})"
    return text
