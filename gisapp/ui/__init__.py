"""The desktop user interface (QtWidgets): application, main window, map canvas, docks."""
