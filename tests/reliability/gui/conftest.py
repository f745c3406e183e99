"""The window's test harness (a qasync loop over pytest-qt's QApplication), shared
with tests/gui: every test fails if it leaves a window open or a task pending."""

from tests.gui.conftest import (  # noqa: F401
    _no_tasks_left,
    _no_windows_left,
    _themed_app,
    executor,
    library,
    make_context,
    pytest_asyncio_loop_factories,
)
