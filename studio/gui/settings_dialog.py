"""Settings: endpoints and models, the API key (OS keyring only), pictures, limits.

"Test connection" asks the endpoint's /models what it offers; "Find local
servers" probes the usual local ports at once with a short timeout.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import aiohttp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)
from qasync import asyncSlot

from studio.core.config import (
    DEFAULT_IMAGE_MODEL,
    DEFAULT_TEXT_MODEL,
    insecure_url_warning,
    store_keyring_key,
    strip_credentials,
)
from studio.gui.async_dialog import dialog_result
from studio.gui.context import AppContext
from studio.gui.icons import icon
from studio.gui.theme import SPACING

OPENAI_URL = "https://api.openai.com/v1"
LOCAL_SERVERS: tuple[tuple[int, str], ...] = (
    (11434, "Ollama"),
    (1234, "LM Studio"),
    (8080, "llama.cpp / LocalAI"),
    (1337, "Jan"),
    (5001, "KoboldCpp"),
)
IMAGE_SIZES = ["1024x1024", "1024x1536", "1536x1024", "512x512", "256x256"]
IMAGE_QUALITIES = ["auto", "low", "medium", "high", "standard", "hd"]
ENGINES = [
    ("auto", "Automatic"),
    ("offline", "Offline engine"),
    ("openai", "OpenAI-compatible server"),
]
ENGINE_TIP = (
    "Automatic uses the server when a key or a local server is set, the offline engine otherwise."
)


@dataclass(frozen=True)
class Probe:
    """What an endpoint answered to GET /models."""

    base_url: str
    ok: bool
    models: tuple[str, ...] = ()
    message: str = ""
    name: str = ""


def models_url(base_url: str) -> str:
    return base_url.rstrip("/") + "/models"


def _model_ids(payload: Any) -> tuple[str, ...]:
    items = payload.get("data") if isinstance(payload, dict) else payload
    if not isinstance(items, list):
        raise ValueError("no model list")
    return tuple(str(m.get("id")) for m in items if isinstance(m, dict) and m.get("id"))


async def probe_models(
    session: aiohttp.ClientSession, base_url: str, api_key: str | None, wait_s: float
) -> Probe:
    """Ask `base_url` for its models; a Probe that says what happened, never raises."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    shown = strip_credentials(base_url) or base_url
    try:
        async with session.get(
            models_url(base_url), headers=headers, timeout=aiohttp.ClientTimeout(total=wait_s)
        ) as response:
            body = await response.read()
            if response.status in (401, 403):
                return Probe(
                    base_url,
                    False,
                    message=f"{shown} rejected the API key ({response.status}). Check the key.",
                )
            if response.status == 404:
                return Probe(
                    base_url,
                    False,
                    message=f"{shown} has no /models: is the address right (it usually ends in /v1)?",
                )
            if response.status >= 400:
                return Probe(
                    base_url, False, message=f"{shown} answered with an error ({response.status})."
                )
            models = _model_ids(json.loads(body))
    except TimeoutError:
        return Probe(base_url, False, message=f"{shown} did not answer within {wait_s:g} s.")
    except aiohttp.ClientConnectorError:
        return Probe(
            base_url, False, message=f"Nothing answered at {shown}. Is the server running?"
        )
    except aiohttp.InvalidURL:
        return Probe(base_url, False, message=f"{shown} is not a valid address.")
    except aiohttp.ClientError as err:
        return Probe(base_url, False, message=f"Could not reach {shown} ({type(err).__name__}).")
    except (ValueError, UnicodeDecodeError):
        return Probe(
            base_url, False, message=f"{shown} answered, but not like an OpenAI-compatible server."
        )
    return Probe(base_url, True, models, message=f"{shown} offers {len(models)} models.")


async def check_connection(base_url: str | None, api_key: str | None, wait_s: float = 8.0) -> Probe:
    async with aiohttp.ClientSession() as session:
        return await probe_models(session, base_url or OPENAI_URL, api_key, wait_s)


async def find_local_servers(
    servers: tuple[tuple[int, str], ...] = LOCAL_SERVERS,
    host: str = "127.0.0.1",
    wait_s: float = 1.5,
) -> list[Probe]:
    """Every local server that answers /v1/models, probed concurrently."""
    async with aiohttp.ClientSession() as session:
        probes = await asyncio.gather(
            *(
                probe_models(session, f"http://{host}:{port}/v1", None, wait_s)
                for port, _ in servers
            )
        )
    return [
        Probe(p.base_url, True, p.models, p.message, name)
        for p, (_, name) in zip(probes, servers, strict=True)
        if p.ok
    ]


def describe_probe(probe: Probe, wanted: str = "") -> str:
    if not probe.ok:
        return probe.message
    sample = ", ".join(probe.models[:6]) + ("…" if len(probe.models) > 6 else "")
    text = f"Connected. {probe.message}" + (f" ({sample})" if sample else "")
    if wanted and probe.models:
        text += f"\n{wanted} is {'available' if wanted in probe.models else 'NOT in the list'}."
    return text


def keyring_problem() -> str | None:
    """Why keys cannot be kept in the OS keyring here, or None when they can."""
    try:
        import keyring

        backend = keyring.get_keyring()
    except Exception as err:
        return f"No keyring is available ({type(err).__name__})."
    module = type(backend).__module__
    if module.endswith((".fail", ".null")) or getattr(backend, "priority", 1) <= 0:
        return "No keyring (secret storage) is available on this system."
    return None


class SettingsDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.local_servers = LOCAL_SERVERS
        self.found: list[Probe] = []
        self.key_message: str | None = None
        self.setWindowTitle("Settings")
        self.setFixedWidth(640)
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        layout.setSpacing(SPACING)
        layout.addWidget(self._endpoints_group())
        layout.addWidget(self._key_group())
        layout.addWidget(self._running_group())
        self.warning_label = QLabel()
        self.warning_label.setWordWrap(True)
        self.warning_frame = self._frame("warning", self.warning_label)
        layout.addWidget(self.warning_frame)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        save = buttons.button(QDialogButtonBox.StandardButton.Save)
        save.setProperty("primary", True)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        for edit in (self.base_url_edit, self.image_base_url_edit):
            edit.textChanged.connect(self.refresh_warning)
        self.load()

    # --- layout ------------------------------------------------------------------------

    @staticmethod
    def _frame(name: str, label: QLabel) -> QFrame:
        frame = QFrame()
        frame.setObjectName(name)
        row = QHBoxLayout(frame)
        row.setContentsMargins(SPACING, SPACING - 4, SPACING, SPACING - 4)
        row.addWidget(label, 1)
        return frame

    @staticmethod
    def _form(group: QGroupBox) -> QFormLayout:
        column = QVBoxLayout(group)
        column.setSpacing(SPACING // 2)
        form = QFormLayout()
        column.addLayout(form)
        form.setHorizontalSpacing(SPACING)
        form.setVerticalSpacing(SPACING - 4)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return form

    def _endpoints_group(self) -> QGroupBox:
        group = QGroupBox("Provider")
        form = self._form(group)
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setPlaceholderText(f"{OPENAI_URL} (or OPENAI_BASE_URL)")
        self.text_model_edit = QLineEdit()
        self.text_model_edit.setPlaceholderText(DEFAULT_TEXT_MODEL)
        self.image_base_url_edit = QLineEdit()
        self.image_base_url_edit.setPlaceholderText("Same as the story server")
        self.image_model_edit = QLineEdit()
        self.image_model_edit.setPlaceholderText(DEFAULT_IMAGE_MODEL)
        form.addRow("Story server", self.base_url_edit)
        form.addRow("Story model", self.text_model_edit)
        form.addRow("Picture server", self.image_base_url_edit)
        form.addRow("Picture model", self.image_model_edit)
        actions = QHBoxLayout()
        self.test_button = QPushButton(icon("plug"), "Test connection")
        self.test_button.clicked.connect(self.on_test_clicked)
        self.find_button = QPushButton(icon("search"), "Find local servers")
        self.find_button.clicked.connect(self.on_find_clicked)
        self.found_combo = QComboBox()
        self.found_combo.setVisible(False)
        self.use_button = QPushButton("Use")
        self.use_button.setVisible(False)
        self.use_button.clicked.connect(self.use_found)
        actions.addWidget(self.test_button)
        actions.addWidget(self.find_button)
        actions.addWidget(self.found_combo, 1)
        actions.addWidget(self.use_button)
        actions.addStretch(0)
        form.addRow("", actions)
        self.probe_label = QLabel()
        self.probe_label.setWordWrap(True)
        self.probe_label.setProperty("role", "muted")
        self.probe_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        group.layout().addWidget(self.probe_label)
        return group

    def _key_group(self) -> QGroupBox:
        group = QGroupBox("API key")
        form = self._form(group)
        row = QHBoxLayout()
        self.key_edit = QLineEdit()
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText(
            "A key is set; type to replace it" if self.context.api_key else "sk-…"
        )
        self.forget_button = QPushButton("Forget key")
        self.forget_button.setEnabled(bool(self.context.api_key))
        self.forget_button.clicked.connect(self.forget_key)
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.forget_button)
        form.addRow("Key", row)
        self.keyring_label = QLabel()
        self.keyring_label.setWordWrap(True)
        self.keyring_label.setProperty("role", "muted")
        problem = keyring_problem()
        self.keyring_label.setText(
            f"{problem} A key typed here is used until you quit; to keep it, set the "
            "OPENAI_API_KEY environment variable. It is never written to a file."
            if problem
            else "Kept in the system keyring, never in a file or a book."
        )
        group.layout().addWidget(self.keyring_label)
        return group

    def _running_group(self) -> QGroupBox:
        group = QGroupBox("Generation")
        form = self._form(group)
        self.engine_combo = QComboBox()
        for value, label in ENGINES:
            self.engine_combo.addItem(label, value)
        self.engine_combo.setToolTip(ENGINE_TIP)
        self.size_combo = QComboBox()
        self.size_combo.setEditable(True)
        self.size_combo.addItems(IMAGE_SIZES)
        self.quality_combo = QComboBox()
        self.quality_combo.addItems(IMAGE_QUALITIES)
        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setRange(1, 16)
        self.concurrency_spin.setSuffix(" pictures at once")
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setRange(0.0, 1000.0)
        self.budget_spin.setDecimals(2)
        self.budget_spin.setPrefix("$")
        self.budget_spin.setSingleStep(0.5)
        self.budget_spin.setSpecialValueText("No limit")
        self.lock_check = QCheckBox("Keep characters identical (draws a character sheet first)")
        form.addRow("Engine", self.engine_combo)
        pictures = QHBoxLayout()
        pictures.addWidget(self.size_combo, 1)
        pictures.addWidget(self.quality_combo, 1)
        form.addRow("Picture size, quality", pictures)
        form.addRow("Concurrency", self.concurrency_spin)
        form.addRow("Budget per book", self.budget_spin)
        form.addRow("", self.lock_check)
        return group

    # --- values ------------------------------------------------------------------------

    def load(self) -> None:
        s = self.context.settings
        self.base_url_edit.setText(s.base_url or "")
        self.text_model_edit.setText(s.text_model)
        self.image_base_url_edit.setText(s.image_base_url or "")
        self.image_model_edit.setText(s.image_model)
        self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(s.engine)))
        self.size_combo.setCurrentText(s.image_size)
        self.quality_combo.setCurrentText(s.image_quality)
        self.concurrency_spin.setValue(min(max(s.concurrency, 1), 16))
        self.budget_spin.setValue(s.budget_usd or 0.0)
        self.lock_check.setChecked(s.character_lock)
        self.refresh_warning()

    def apply(self) -> None:
        """Write the form into the context's settings, save them, and keep the key."""
        s = self.context.settings
        s.base_url = self.base_url_edit.text().strip() or None
        s.image_base_url = self.image_base_url_edit.text().strip() or None
        s.text_model = self.text_model_edit.text().strip() or DEFAULT_TEXT_MODEL
        s.image_model = self.image_model_edit.text().strip() or DEFAULT_IMAGE_MODEL
        s.engine = str(self.engine_combo.currentData())
        s.image_size = self.size_combo.currentText().strip() or "1024x1024"
        s.image_quality = self.quality_combo.currentText()
        s.concurrency = self.concurrency_spin.value()
        s.budget_usd = self.budget_spin.value() or None
        s.character_lock = self.lock_check.isChecked()
        self.context.save_settings()
        key = self.key_edit.text().strip()
        if key:
            self.context.api_key = key
            problem = keyring_problem()
            self.key_message = (
                f"Settings saved. {problem} The key is used until you quit; "
                "set OPENAI_API_KEY to keep it."
                if problem
                else store_keyring_key(key) or "Settings saved; the key is in the system keyring."
            )

    def forget_key(self) -> None:
        self.key_message = store_keyring_key(None)
        self.context.api_key = None
        self.key_edit.clear()
        self.key_edit.setPlaceholderText("sk-…")
        self.forget_button.setEnabled(False)

    def current_key(self) -> str | None:
        return self.key_edit.text().strip() or self.context.api_key

    def refresh_warning(self) -> None:
        warnings = [
            w
            for w in (
                insecure_url_warning(self.base_url_edit.text().strip() or None),
                insecure_url_warning(self.image_base_url_edit.text().strip() or None),
            )
            if w
        ]
        self.warning_label.setText("\n".join(dict.fromkeys(warnings)))
        self.warning_frame.setVisible(bool(warnings))

    # --- probing -----------------------------------------------------------------------

    async def test(self) -> Probe:
        """Ask the story server (and the picture server, when it is another) what they offer."""
        self.probe_label.setText("Asking the server what it offers…")
        story_url = self.base_url_edit.text().strip() or None
        picture_url = self.image_base_url_edit.text().strip() or None
        probe = await check_connection(story_url, self.current_key())
        lines = [describe_probe(probe, self.text_model_edit.text().strip())]
        picture_model = self.image_model_edit.text().strip()
        if picture_url and picture_url != story_url:
            picture = await check_connection(picture_url, self.current_key())
            lines.append("Picture server: " + describe_probe(picture, picture_model))
        elif probe.ok and probe.models and picture_model:
            found = "available" if picture_model in probe.models else "NOT in the list"
            lines.append(f"{picture_model} is {found}.")
        self.probe_label.setText("\n".join(lines))
        return probe

    async def find(self) -> list[Probe]:
        self.probe_label.setText("Looking for servers on this computer…")
        self.found = await find_local_servers(self.local_servers)
        self.found_combo.clear()
        for probe in self.found:
            first = probe.models[0] if probe.models else "no models"
            self.found_combo.addItem(f"{probe.name} at {probe.base_url} ({first})", probe.base_url)
        self.found_combo.setVisible(bool(self.found))
        self.use_button.setVisible(bool(self.found))
        ports = ", ".join(str(port) for port, _ in self.local_servers)
        self.probe_label.setText(
            f"Found {len(self.found)}: choose one and press Use."
            if self.found
            else f"No local server answered on ports {ports}. Start Ollama, LM Studio, "
            "llama.cpp, Jan or KoboldCpp and try again."
        )
        return self.found

    def use_found(self) -> None:
        index = self.found_combo.currentIndex()
        if not 0 <= index < len(self.found):
            return
        probe = self.found[index]
        self.base_url_edit.setText(probe.base_url)
        if probe.models:
            self.text_model_edit.setText(probe.models[0])
        self.engine_combo.setCurrentIndex(self.engine_combo.findData("openai"))
        self.probe_label.setText(
            f"Using {probe.name}. Pictures still go to the picture server "
            f"({self.image_base_url_edit.text() or 'the same server'})."
        )

    @asyncSlot()
    async def on_test_clicked(self) -> None:
        self.test_button.setEnabled(False)
        try:
            await self.test()
        finally:
            self.test_button.setEnabled(True)

    @asyncSlot()
    async def on_find_clicked(self) -> None:
        self.find_button.setEnabled(False)
        try:
            await self.find()
        finally:
            self.find_button.setEnabled(True)


async def edit_settings(context: AppContext, parent: QWidget | None) -> str | None:
    """Show Settings; returns a message for the status bar when saved, None when cancelled."""
    dialog = SettingsDialog(context, parent)
    try:
        if await dialog_result(dialog) != QDialog.DialogCode.Accepted:
            return None
        dialog.apply()
        return dialog.key_message or "Settings saved."
    finally:
        dialog.deleteLater()
