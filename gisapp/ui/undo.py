"""The undo stack of the map window: every edit a user makes is a core Edit (gisapp.edits,
gisapp.assignment_edits) wrapped in an EditCommand; this is the only file that knows
QUndoStack.

``UndoStack.push(edit)`` applies the edit first, outside Qt's stack: a refusal
(GridEditError) is reported through ``refused`` with the core's message and nothing is pushed,
so the stack never holds a command that did not happen. Redo is ``apply``, undo is
``revert``; each emits ``changes_applied(Changes)`` so views redraw only what changed
(Anki's ``OpChanges``). Commands pushed with the same ``merge_key`` become one undo step
(``id()``/``mergeWith()``, as QGIS merges the steps of one drag); ``push_all`` applies several
edits atomically and pushes them as one macro (``beginMacro``). ``set_clean()`` on save
drives the title bar's modified mark.
"""

from __future__ import annotations

import getpass
from collections.abc import Sequence

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QKeySequence, QUndoCommand, QUndoStack
from PySide6.QtWidgets import QDockWidget, QUndoView, QVBoxLayout, QWidget

from gisapp.changes import Changes
from gisapp.errors import GridEditError
from gisapp.i18n import _

MERGE_ID = 6  # id() of commands that may merge with the one before (same merge_key)


def user_name() -> str:
    """The login name, written into the history as who made an edit."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return "unknown"


class EditCommand(QUndoCommand):
    """One undo step: one or more core edits (more after merging), already applied when
    pushed; redo applies them again in order, undo reverts them in reverse."""

    def __init__(self, edits: Sequence, stack: UndoStack, merge_key=None,
                 label: str | None = None):
        super().__init__(label or edits[-1].label)
        self.edits = list(edits)
        self.merge_key = merge_key
        self._stack = stack
        self._applied = True  # push() applied the edits before Qt calls redo()

    def id(self) -> int:
        return MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, EditCommand) or other.merge_key != self.merge_key \
                or self.merge_key is None:
            return False
        self.edits.extend(other.edits)
        self.setText(other.text())
        return True

    def redo(self) -> None:
        if self._applied:
            return
        self._run(forward=True)

    def undo(self) -> None:
        self._run(forward=False)

    def _run(self, forward: bool) -> None:
        project, user = self._stack.project, self._stack.user
        changes = Changes()
        done = []
        try:
            for edit in (self.edits if forward else reversed(self.edits)):
                changes |= edit.apply(project, user) if forward else edit.revert(project, user)
                done.append(edit)
        except GridEditError as error:
            # put back the part that ran, so the project is as it was before this step
            for edit in reversed(done):
                changes |= edit.revert(project, user) if forward else edit.apply(project, user)
            self.setObsolete(True)  # Qt drops a command that cannot be undone or redone
            self._stack.refused.emit(str(error))
        self._applied = forward
        if changes:
            self._stack.changes_applied.emit(changes)


class UndoStack(QObject):
    """A project's edits as undoable steps; emits what each step changed."""

    changes_applied = Signal(object)  # Changes of an edit, an undo or a redo
    refused = Signal(str)  # an edit (or undo) could not be done: the message for the user
    clean_changed = Signal(bool)  # True when the project is as last saved
    index_changed = Signal(int)

    def __init__(self, project=None, user: str | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.project = project
        self.user = user or user_name()
        self._stack = QUndoStack(self)
        self._stack.cleanChanged.connect(self.clean_changed)
        self._stack.indexChanged.connect(self.index_changed)

    # ---- edits -----------------------------------------------------------------------------
    def push(self, edit, merge_key=None) -> bool:
        """Apply ``edit`` to the project and make it an undo step; False (and ``refused``
        with the reason) when the edit was refused, having changed nothing."""
        try:
            changes = edit.apply(self.project, self.user)
        except GridEditError as error:
            self.refused.emit(str(error))
            return False
        self._stack.push(EditCommand([edit], self, merge_key))
        self.changes_applied.emit(changes)
        return True

    def push_all(self, edits: Sequence, label: str) -> bool:
        """Apply ``edits`` in order as one undo step named ``label``; if one is refused, the
        ones before it are reverted and nothing is pushed."""
        edits = list(edits)
        if len(edits) == 1:
            return self.push(edits[0])
        done, changes = [], Changes()
        try:
            for edit in edits:
                changes |= edit.apply(self.project, self.user)
                done.append(edit)
        except GridEditError as error:
            for edit in reversed(done):
                edit.revert(self.project, self.user)
            self.refused.emit(str(error))
            return False
        self._stack.beginMacro(label)
        for edit in done:
            self._stack.push(EditCommand([edit], self))
        self._stack.endMacro()
        self.changes_applied.emit(changes)
        return True

    def undo(self) -> None:
        self._stack.undo()

    def redo(self) -> None:
        self._stack.redo()

    # ---- state -----------------------------------------------------------------------------
    def count(self) -> int:
        return self._stack.count()

    def index(self) -> int:
        return self._stack.index()

    def can_undo(self) -> bool:
        return self._stack.canUndo()

    def can_redo(self) -> bool:
        return self._stack.canRedo()

    def undo_text(self) -> str:
        return self._stack.undoText()

    def text(self, index: int) -> str:
        return self._stack.text(index)

    def is_clean(self) -> bool:
        return self._stack.isClean()

    def set_clean(self) -> None:
        """The project was saved: this is the state the title bar shows as unmodified."""
        self._stack.setClean()

    def clear(self, project=None) -> None:
        """Forget every step (a project opened, reloaded or closed)."""
        self._stack.clear()
        self.project = project
        self._stack.setClean()

    # ---- actions and views -----------------------------------------------------------------
    def undo_action(self, parent: QObject) -> QAction:
        action = self._stack.createUndoAction(parent, _("&Undo"))
        action.setShortcut(QKeySequence.StandardKey.Undo)  # Ctrl+Z
        return action

    def redo_action(self, parent: QObject) -> QAction:
        action = self._stack.createRedoAction(parent, _("&Redo"))
        action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        return action

    def toolbar_action(self, redo: bool, parent: QObject) -> QAction:
        """Undo (or Redo) for a toolbar: a short fixed text; the step it would undo in the
        tooltip (the menu's actions name the step in their text)."""
        action = QAction(_("Redo") if redo else _("Undo"), parent)
        stack = self._stack
        can, text = ((stack.canRedoChanged, stack.redoTextChanged) if redo
                     else (stack.canUndoChanged, stack.undoTextChanged))
        action.setEnabled(stack.canRedo() if redo else stack.canUndo())
        can.connect(action.setEnabled)
        text.connect(lambda step: action.setToolTip(f"{action.text()}: {step}" if step
                                                    else action.text()))
        action.triggered.connect(self.redo if redo else self.undo)
        return action

    def history_view(self, parent: QWidget | None = None) -> QUndoView:
        view = QUndoView(self._stack, parent)
        view.setEmptyLabel(_("<project as opened or saved>"))
        return view


class UndoHistoryDock(QDockWidget):
    """Every undo step of the session; clicking one undoes or redoes up to it."""

    def __init__(self, stack: UndoStack, parent: QWidget | None = None):
        super().__init__(_("Undo History"), parent)
        self.setObjectName("undo_history_dock")
        body = QWidget(self)
        self.view = stack.history_view(body)
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.view)
        self.setWidget(body)
