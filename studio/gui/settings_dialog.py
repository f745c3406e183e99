"""Settings: endpoints and models, the API key (OS keyring only), pictures, limits.

"Test connection" asks the endpoint's /models what it offers; "Find local
servers" probes the usual local ports at once with a short timeout.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QButtonGroup,
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
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

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
from studio.gui.lib.loop import async_slot
from studio.gui.lib.theme import SPACING

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
ENGINES = (
    ("auto", "Automatic"),
    ("offline", "Offline engine"),
    ("openai", "OpenAI-compatible server"),
)
ENGINE_TIP = (
    "Automatic uses the server when a key or a local server is set, the offline engine otherwise."
)
RESPONSE_FORMATS = (
    ("auto", "Automatic (recommended)"),
    ("json_schema", "json_schema"),
    ("json_object", "json_object"),
    ("text", "Plain text"),
)
FORMAT_TIP = (
    "How the story server is asked for the story's structure. Automatic tries what the "
    "server takes and remembers it for each server and model."
)
STORY_ROUTES = (
    ("auto", "Automatic"),
    ("whole", "Whole story in one call"),
    ("per-page", "Page by page (for small local models)"),
)
ROUTE_TIP = (
    "Automatic writes the whole story in one call and, if that fails, an outline "
    "first and then one page per call."
)
PAINTER_NOTE = "Not used: the offline painter draws every picture on this computer."
NO_PICTURES = "This server draws no pictures: pictures will come from the offline painter."
DIALOG_WIDTH = 780
"""Fits an 800x600 screen with its frame; the height grows with what probing says."""
IMAGE_MODEL_HINTS = ("image", "dall-e", "flux", "stable-diffusion")


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


def is_image_model(model_id: str) -> bool:
    """Whether a served model's name says it draws pictures (gpt-image-1, dall-e-3,
    flux.1-schnell, stable-diffusion-xl, sdxl-turbo, sd3.5...)."""
    name = model_id.lower()
    if any(hint in name for hint in IMAGE_MODEL_HINTS):
        return True
    return any(word.startswith("sd") for word in re.split(r"[^a-z0-9]+", name.rsplit("/", 1)[-1]))


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
    """Two columns: the story's server and key on the left, pictures and limits on the right."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.local_servers = LOCAL_SERVERS
        self.found: list[Probe] = []
        self.key_message: str | None = None
        self.setWindowTitle("Settings")
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        margin = SPACING
        layout.setContentsMargins(margin, margin, margin, margin)
        layout.setSpacing(SPACING * 3 // 4)
        columns = QHBoxLayout()
        columns.setSpacing(SPACING * 3 // 4)
        columns.addLayout(self._column(self._story_group(), self._key_group()), 1)
        columns.addLayout(self._column(self._pictures_group(), self._limits_group()), 1)
        layout.addLayout(columns)
        self.warning_label = QLabel()
        self.warning_label.setTextFormat(Qt.TextFormat.PlainText)  # quotes the addresses
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
        self.painter_radio.toggled.connect(self.refresh_pictures)
        self.load()
        self.resize(DIALOG_WIDTH, self.heightForWidth(DIALOG_WIDTH))

    def _fit(self) -> None:
        """Take the height the wrapped notes need now (the layout alone underestimates it)."""
        layout = self.layout()
        if layout is not None:
            layout.invalidate()
            layout.activate()
        self.resize(self.width(), max(self.heightForWidth(self.width()), self.minimumHeight()))

    # --- layout ------------------------------------------------------------------------

    @staticmethod
    def _column(*groups: QGroupBox) -> QVBoxLayout:
        column = QVBoxLayout()
        column.setSpacing(SPACING)
        for group in groups:
            column.addWidget(group)
        column.addStretch(1)
        return column

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
        column.setContentsMargins(2, 6, 2, 2)  # the group's own padding is margin enough
        column.setSpacing(SPACING // 2)
        form = QFormLayout()
        column.addLayout(form)
        form.setHorizontalSpacing(SPACING // 2)
        form.setVerticalSpacing(SPACING - 6)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        return form

    @staticmethod
    def _note(text: str = "") -> QLabel:
        label = QLabel(text)
        label.setTextFormat(Qt.TextFormat.PlainText)  # what a server or the keyring said
        label.setWordWrap(True)
        label.setProperty("role", "muted")
        return label

    @staticmethod
    def _combo(choices: tuple[tuple[str, str], ...], tip: str) -> QComboBox:
        combo = QComboBox()
        for value, label in choices:
            combo.addItem(label, value)
        combo.setToolTip(tip)
        return combo

    def _story_group(self) -> QGroupBox:
        group = QGroupBox("Story")
        form = self._form(group)
        self.engine_combo = self._combo(ENGINES, ENGINE_TIP)
        self.base_url_edit = QLineEdit()
        self.base_url_edit.setPlaceholderText(f"{OPENAI_URL} (or OPENAI_BASE_URL)")
        self.text_model_edit = QLineEdit()
        self.text_model_edit.setPlaceholderText(DEFAULT_TEXT_MODEL)
        self.format_combo = self._combo(RESPONSE_FORMATS, FORMAT_TIP)
        self.route_combo = self._combo(STORY_ROUTES, ROUTE_TIP)
        form.addRow("Engine", self.engine_combo)
        form.addRow("Server", self.base_url_edit)
        form.addRow("Model", self.text_model_edit)
        form.addRow("Response format", self.format_combo)
        form.addRow("Story route", self.route_combo)
        probing = QHBoxLayout()
        self.test_button = QPushButton(icon("plug"), "Test connection")
        self.test_button.clicked.connect(self.on_test_clicked)
        self.find_button = QPushButton(icon("search"), "Find local servers")
        self.find_button.clicked.connect(self.on_find_clicked)
        probing.addWidget(self.test_button)
        probing.addWidget(self.find_button)
        probing.addStretch(1)
        form.addRow(probing)
        found = QHBoxLayout()
        self.found_combo = QComboBox()
        self.found_combo.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
        )
        self.found_combo.setMinimumContentsLength(12)
        self.found_combo.setVisible(False)
        self.use_button = QPushButton("Use")
        self.use_button.setVisible(False)
        self.use_button.clicked.connect(self.use_found)
        found.addWidget(self.found_combo, 1)
        found.addWidget(self.use_button)
        form.addRow(found)
        self._story_form, self._found_row = form, found
        form.setRowVisible(found, False)
        self.probe_label = self._note()
        self.probe_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.probe_label.setVisible(False)
        _column(group).addWidget(self.probe_label)
        return group

    def _say(self, text: str) -> None:
        """Show what probing found out, under the story server's fields."""
        self.probe_label.setText(text)
        self.probe_label.setVisible(bool(text))
        self._fit()

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
        problem = keyring_problem()
        self.keyring_label = self._note(
            f"{problem} A key typed here is used until you quit; to keep it, set the "
            "OPENAI_API_KEY environment variable. It is never written to a file."
            if problem
            else "Kept in the system keyring, never in a file or a book."
        )
        _column(group).addWidget(self.keyring_label)
        return group

    def _pictures_group(self) -> QGroupBox:
        group = QGroupBox("Pictures")
        form = self._form(group)
        self.server_pictures_radio = QRadioButton("Image server")
        self.painter_radio = QRadioButton("Offline painter (no network, free)")
        self.painter_radio.setToolTip(
            "Paints every picture on this computer. Most local story servers draw no pictures."
        )
        self.pictures_group = QButtonGroup(group)
        for radio in (self.server_pictures_radio, self.painter_radio):
            self.pictures_group.addButton(radio)
        choice = QVBoxLayout()
        choice.setSpacing(2)
        choice.addWidget(self.server_pictures_radio)
        choice.addWidget(self.painter_radio)
        form.addRow(choice)
        self.image_base_url_edit = QLineEdit()
        self.image_base_url_edit.setPlaceholderText("Same as the story server")
        self.image_model_edit = QLineEdit()
        self.image_model_edit.setPlaceholderText(DEFAULT_IMAGE_MODEL)
        form.addRow("Server", self.image_base_url_edit)
        form.addRow("Model", self.image_model_edit)
        self.painter_note = self._note(PAINTER_NOTE)
        form.addRow("", self.painter_note)
        self._pictures_form = form
        self.size_combo = QComboBox()
        self.size_combo.setEditable(True)
        self.size_combo.addItems(IMAGE_SIZES)
        self.quality_combo = QComboBox()
        self.quality_combo.addItems(IMAGE_QUALITIES)
        sizes = QHBoxLayout()
        sizes.addWidget(self.size_combo, 1)
        sizes.addWidget(self.quality_combo, 1)
        form.addRow("Size, quality", sizes)
        return group

    def _limits_group(self) -> QGroupBox:
        group = QGroupBox("Limits")
        form = self._form(group)
        self.concurrency_spin = QSpinBox()
        self.concurrency_spin.setRange(1, 16)
        self.concurrency_spin.setSuffix(" pictures at once")
        self.budget_spin = QDoubleSpinBox()
        self.budget_spin.setRange(0.0, 1000.0)
        self.budget_spin.setDecimals(2)
        self.budget_spin.setPrefix("$")
        self.budget_spin.setSingleStep(0.5)
        self.budget_spin.setSuffix(" per book")
        self.budget_spin.setSpecialValueText("No limit")
        self.lock_check = QCheckBox("Keep characters identical")
        self.lock_check.setToolTip("Draws a character sheet first and shows it to every page")
        form.addRow("Concurrency", self.concurrency_spin)
        form.addRow("Budget", self.budget_spin)
        lock = QVBoxLayout()
        lock.setSpacing(0)
        lock.addWidget(self.lock_check)
        lock.addWidget(self._note("A character sheet is drawn first."))
        form.addRow("", lock)
        self.ask_check = QCheckBox("Ask before stopping a book")
        self.ask_check.setToolTip("Esc, Cancel and Quit ask first while a book is being generated")
        form.addRow("", self.ask_check)
        return group

    # --- values ------------------------------------------------------------------------

    @property
    def picture_engine(self) -> str:
        """Where pictures come from: "offline" (the painter) or "openai" (a server)."""
        return "offline" if self.painter_radio.isChecked() else "openai"

    def set_picture_engine(self, engine: str) -> None:
        radio = self.painter_radio if engine == "offline" else self.server_pictures_radio
        radio.setChecked(True)
        self.refresh_pictures()

    def refresh_pictures(self) -> None:
        """The picture server's fields are off, and say why, while the painter draws."""
        painter = self.picture_engine == "offline"
        for edit in (self.image_base_url_edit, self.image_model_edit):
            edit.setEnabled(not painter)
            edit.setToolTip(PAINTER_NOTE if painter else "")
        self._pictures_form.setRowVisible(self.painter_note, painter)
        self.refresh_warning()

    @staticmethod
    def _select(combo: QComboBox, value: str) -> None:
        combo.setCurrentIndex(max(0, combo.findData(value)))

    def load(self) -> None:
        s = self.context.settings
        self.base_url_edit.setText(s.base_url or "")
        self.text_model_edit.setText(s.text_model)
        self.image_base_url_edit.setText(s.image_base_url or "")
        self.image_model_edit.setText(s.image_model)
        self._select(self.engine_combo, s.engine)
        self._select(self.format_combo, s.response_format)
        self._select(self.route_combo, s.plan_mode)
        self.size_combo.setCurrentText(s.image_size)
        self.quality_combo.setCurrentText(s.image_quality)
        self.concurrency_spin.setValue(min(max(s.concurrency, 1), 16))
        self.budget_spin.setValue(s.budget_usd or 0.0)
        self.lock_check.setChecked(s.character_lock)
        self.ask_check.setChecked(s.confirm_stop or s.confirm_quit)
        self.set_picture_engine(s.image_engine)

    def apply(self) -> None:
        """Write the form into the context's settings, save them, and keep the key."""
        s = self.context.settings
        s.base_url = self.base_url_edit.text().strip() or None
        s.image_base_url = self.image_base_url_edit.text().strip() or None
        s.text_model = self.text_model_edit.text().strip() or DEFAULT_TEXT_MODEL
        s.image_model = self.image_model_edit.text().strip() or DEFAULT_IMAGE_MODEL
        s.engine = str(self.engine_combo.currentData())
        s.image_engine = self.picture_engine
        s.response_format = str(self.format_combo.currentData())
        s.plan_mode = str(self.route_combo.currentData())
        s.image_size = self.size_combo.currentText().strip() or "1024x1024"
        s.image_quality = self.quality_combo.currentText()
        s.concurrency = self.concurrency_spin.value()
        s.budget_usd = self.budget_spin.value() or None
        s.character_lock = self.lock_check.isChecked()
        s.confirm_stop = s.confirm_quit = self.ask_check.isChecked()
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

    def picture_url(self) -> str | None:
        """The picture server in use: None with the painter or "same as the story"."""
        if self.picture_engine == "offline":
            return None
        return self.image_base_url_edit.text().strip() or None

    def refresh_warning(self) -> None:
        warnings = [
            w
            for w in (
                insecure_url_warning(self.base_url_edit.text().strip() or None),
                insecure_url_warning(self.picture_url()),
            )
            if w
        ]
        self.warning_label.setText("\n".join(dict.fromkeys(warnings)))
        self.warning_frame.setVisible(bool(warnings))
        self._fit()

    # --- probing -----------------------------------------------------------------------

    async def test(self) -> Probe:
        """Ask the story server (and the picture server, when it is another) what they offer."""
        self._say("Asking the server what it offers…")
        story_url = self.base_url_edit.text().strip() or None
        picture_url = self.picture_url()
        probe = await check_connection(story_url, self.current_key())
        lines = [describe_probe(probe, self.text_model_edit.text().strip())]
        picture_model = self.image_model_edit.text().strip()
        if self.picture_engine == "offline":
            lines.append("Pictures: the offline painter, no server needed.")
        elif picture_url and picture_url != story_url:
            picture = await check_connection(picture_url, self.current_key())
            lines.append("Picture server: " + describe_probe(picture, picture_model))
        elif probe.ok and probe.models and picture_model:
            found = "available" if picture_model in probe.models else "NOT in the list"
            lines.append(f"{picture_model} is {found}.")
        self._say("\n".join(lines))
        return probe

    async def find_servers(self) -> list[Probe]:
        """Look for model servers on this computer's usual ports and offer what answered."""
        self._say("Looking for servers on this computer…")
        self.found = await find_local_servers(self.local_servers)
        self.found_combo.clear()
        for probe in self.found:
            words = [m for m in probe.models if not is_image_model(m)]
            first = (words or list(probe.models) or ["no models"])[0]
            port = urlsplit(probe.base_url).port
            self.found_combo.addItem(f"{probe.name}, port {port}: {first}", probe.base_url)
            self.found_combo.setItemData(
                self.found_combo.count() - 1,
                f"{probe.base_url} offers {', '.join(probe.models) or 'no models'}",
                Qt.ItemDataRole.ToolTipRole,
            )
        self.found_combo.setVisible(bool(self.found))
        self.use_button.setVisible(bool(self.found))
        self._story_form.setRowVisible(self._found_row, bool(self.found))
        ports = ", ".join(str(port) for port, _ in self.local_servers)
        self._say(
            f"Found {len(self.found)}: choose one and press Use."
            if self.found
            else f"No local server answered on ports {ports}. Start Ollama, LM Studio, "
            "llama.cpp, Jan or KoboldCpp and try again."
        )
        return self.found

    def use_found(self) -> None:
        """Take the chosen local server for the story; pictures come from the painter when
        they would go to that server and it offers no picture model."""
        index = self.found_combo.currentIndex()
        if not 0 <= index < len(self.found):
            return
        probe = self.found[index]
        self.base_url_edit.setText(probe.base_url)
        text_models = [m for m in probe.models if not is_image_model(m)]
        if text_models:
            self.text_model_edit.setText(text_models[0])
        self.engine_combo.setCurrentIndex(self.engine_combo.findData("openai"))
        other = self.image_base_url_edit.text().strip()
        if other and other.rstrip("/") != probe.base_url.rstrip("/"):
            self.set_picture_engine(self.picture_engine)
            where = "the offline painter" if self.picture_engine == "offline" else other
            self._say(f"Using {probe.name}. Pictures still come from {where}.")
            return
        image_models = [m for m in probe.models if is_image_model(m)]
        if not image_models:
            self.set_picture_engine("offline")
            self._say(f"Using {probe.name}. {NO_PICTURES}")
            return
        self.set_picture_engine("openai")
        if self.image_model_edit.text().strip() not in image_models:
            self.image_model_edit.setText(image_models[0])
        self._say(
            f"Using {probe.name}. It draws the pictures too ({self.image_model_edit.text()})."
        )

    @async_slot()
    async def on_test_clicked(self) -> None:
        self.test_button.setEnabled(False)
        try:
            await self.test()
        finally:
            self.test_button.setEnabled(True)

    @async_slot()
    async def on_find_clicked(self) -> None:
        self.find_button.setEnabled(False)
        try:
            await self.find_servers()
        finally:
            self.find_button.setEnabled(True)


def _column(group: QGroupBox) -> QLayout:
    """The layout `_form` gave `group` (its form sits in it, notes go below)."""
    layout = group.layout()
    assert layout is not None, "the group was made with _form"
    return layout


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
