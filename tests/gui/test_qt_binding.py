"""The Qt binding itself must not corrupt Python's reference counts.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a
method that returns nothing; a window that updates its widgets a few thousand
times then dies with 'Fatal Python error: none_dealloc'.
"""

import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QWidget


def test_widget_calls_keep_none_and_bools_alive(qapp: QApplication) -> None:
    label, widget, timer = QLabel(), QWidget(), QTimer()
    none_before, true_before = sys.getrefcount(None), sys.getrefcount(True)
    for _ in range(500):
        label.setText("page")
        widget.setEnabled(True)
        widget.update()
        timer.start(10)
        label.isVisible()
    timer.stop()
    assert sys.getrefcount(None) - none_before > -50
    assert sys.getrefcount(True) - true_before > -50
