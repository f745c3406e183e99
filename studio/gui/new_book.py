"""The new-book form: premise, length, audience, art style, engine, and what it will cost."""

from __future__ import annotations

import html
import os
from typing import get_args

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from studio.core.book import MAX_PAGES, MIN_PAGES, GenerationSettings
from studio.core.config import (
    DEFAULT_IMAGE_MODEL,
    DEFAULT_TEXT_MODEL,
    OFFLINE_IMAGE_MODEL,
    OFFLINE_TEXT_MODEL,
    chosen_engine,
    find_api_key,
    is_local,
    strip_credentials,
)
from studio.core.language import NAMES, detect, name
from studio.core.pricing import estimate_book_cost
from studio.core.understanding import NounKind, TimeKey, Understanding
from studio.gui.async_dialog import dialog_result
from studio.gui.context import AppContext
from studio.gui.icons import icon
from studio.gui.lib.theme import SPACING, current_theme

ART_STYLES: dict[str, str] = {
    "Soft watercolour": "soft watercolour picture-book illustration, gentle washes, warm light",
    "Gouache": "bold gouache painting, matte colours, visible brush texture",
    "Pencil and ink": "fine pencil and ink drawing with a light watercolour tint",
    "Paper cut-out": "layered paper cut-out collage, crisp shapes, soft shadows",
    "Wax crayon": "wax crayon drawing, joyful and childlike, visible strokes",
    "Classic storybook": "classic mid-century storybook illustration, limited palette",
}
CUSTOM_STYLE = "Custom…"
TIME_NAMES = {"golden": "Golden hour", "midday": "Midday"}
AGES = ["0-3", "4-7", "6-9", "8-12"]
TEXT_MODELS = ["gpt-4.1-mini", "gpt-4.1", "gpt-4o-mini", "gpt-5-mini", "llama3.2", "qwen2.5"]
IMAGE_MODELS = ["gpt-image-1", "gpt-image-1-mini", "dall-e-3", "dall-e-2"]
OFFLINE, OPENAI = "offline", "openai"


def default_engine(context: AppContext) -> str:
    """The engine a new book gets, by the same rule every run uses (`chosen_engine`)."""
    settings = context.settings
    return chosen_engine(
        settings.engine,
        base_url=settings.base_url,
        image_base_url=settings.image_base_url,
        image_engine=settings.image_engine,
        api_key=context.api_key,
    )


def same_server(one: str | None, other: str | None) -> bool:
    def norm(url: str | None) -> str:
        return (strip_credentials(url) or "").rstrip("/")

    return norm(one) == norm(other)


def style_for(preset: str, custom: str) -> str:
    return custom.strip() if preset == CUSTOM_STYLE else ART_STYLES.get(preset, "")


def _editable_combo(items: list[str], current: str) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(items)
    combo.setCurrentText(current)
    combo.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
    return combo


class NewBookDialog(QDialog):
    """Collects a book's generation settings; `generation_settings()` after it is accepted."""

    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("New book")
        self.setMinimumWidth(560)
        s = context.settings
        layout = QVBoxLayout(self)
        layout.setSizeConstraint(QLayout.SizeConstraint.SetMinimumSize)
        layout.setContentsMargins(SPACING * 2, SPACING * 2, SPACING * 2, SPACING * 2)
        layout.setSpacing(SPACING)
        heading = QLabel("What is the story about?")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        self.premise_edit = QPlainTextEdit()
        self.premise_edit.setPlaceholderText(
            "A shy hedgehog who is afraid of the dark finds a friend in a lost firefly…"
        )
        self.premise_edit.setFixedHeight(96)
        self.premise_edit.setTabChangesFocus(True)
        layout.addWidget(self.premise_edit)
        form = QFormLayout()
        form.setHorizontalSpacing(SPACING)
        form.setVerticalSpacing(SPACING - 4)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.pages_spin = QSpinBox()
        self.pages_spin.setRange(MIN_PAGES, MAX_PAGES)
        self.pages_spin.setValue(min(max(s.pages, MIN_PAGES), MAX_PAGES))
        self.pages_spin.setSuffix(" pages")
        self.age_combo = _editable_combo(AGES, s.audience_age)
        self.age_combo.setToolTip("Age of the readers, e.g. 4-7")
        form.addRow("Length", self.pages_spin)
        form.addRow("Readers aged", self.age_combo)
        form.addRow("Art style", self._style_row(s.art_style))
        self.language_combo = QComboBox()
        self.language_combo.addItem("", None)  # the premise's language, named as it is typed
        for tag, language in sorted(NAMES.items(), key=lambda item: item[1]):
            self.language_combo.addItem(f"{language} ({tag})", tag)
        self.language_combo.setToolTip("The language the book is written in")
        form.addRow("Language", self.language_combo)
        self.engine_combo = QComboBox()
        self.engine_combo.addItem(icon("offline"), "Offline: on this computer, free", OFFLINE)
        self.engine_combo.addItem(icon("plug"), "OpenAI-compatible server", OPENAI)
        self.engine_combo.setCurrentIndex(self.engine_combo.findData(default_engine(context)))
        form.addRow("Engine", self.engine_combo)
        self.text_model_combo = _editable_combo(TEXT_MODELS, s.text_model or DEFAULT_TEXT_MODEL)
        self.image_model_combo = _editable_combo(IMAGE_MODELS, s.image_model or DEFAULT_IMAGE_MODEL)
        form.addRow("Story model", self.text_model_combo)
        form.addRow("Picture model", self.image_model_combo)
        self.endpoint_label = QLabel()
        self.endpoint_label.setTextFormat(Qt.TextFormat.PlainText)  # the address is untrusted
        self.endpoint_label.setProperty("role", "muted")
        self.endpoint_label.setWordWrap(True)
        form.addRow("", self.endpoint_label)
        layout.addLayout(form)
        layout.addWidget(self._understood_group())
        layout.addWidget(self._estimate_frame())
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.generate_button = self.buttons.addButton(
            "Generate", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.generate_button.setIcon(icon("generate", current_theme().accent_text))
        self.generate_button.setProperty("primary", True)
        self.generate_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        for signal in (
            self.premise_edit.textChanged,
            self.engine_combo.currentIndexChanged,
            self.pages_spin.valueChanged,
            self.text_model_combo.currentTextChanged,
            self.image_model_combo.currentTextChanged,
            self.style_combo.currentIndexChanged,
            self.custom_style_edit.textChanged,
            self.language_combo.currentIndexChanged,
        ):
            signal.connect(self.refresh)
        for edit in self._understood_edits.values():
            edit.textEdited.connect(lambda _text, e=edit: self._corrected.add(e))
        for combo in (self.kind_combo, self.time_combo):
            combo.activated.connect(lambda _index, c=combo: self._corrected.add(c))
        self.refresh()

    def _style_row(self, current: str) -> QWidget:
        row = QWidget()
        box = QHBoxLayout(row)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(SPACING // 2)
        self.style_combo = QComboBox()
        self.style_combo.addItems([*ART_STYLES, CUSTOM_STYLE])
        self.custom_style_edit = QLineEdit()
        self.custom_style_edit.setPlaceholderText("Describe the look, e.g. linocut in two colours")
        preset = next((name for name, text in ART_STYLES.items() if text == current), None)
        if preset:
            self.style_combo.setCurrentText(preset)
        elif current:
            self.style_combo.setCurrentText(CUSTOM_STYLE)
            self.custom_style_edit.setText(current)
        box.addWidget(self.style_combo)
        box.addWidget(self.custom_style_edit, 1)
        return row

    def _understood_group(self) -> QGroupBox:
        """What the offline engine took from the premise, filled in as the premise is
        typed; a field the author changes keeps the author's words."""
        group = QGroupBox("What the offline engine understood")
        group.setToolTip("Correct anything it got wrong; the book is written from this.")
        grid = QGridLayout(group)
        grid.setHorizontalSpacing(SPACING)
        grid.setVerticalSpacing(SPACING // 2)
        self.noun_edit, self.name_edit = QLineEdit(), QLineEdit()
        self.object_edit, self.setting_edit = QLineEdit(), QLineEdit()
        self.noun_edit.setPlaceholderText("the engine chooses")
        self.name_edit.setPlaceholderText("the engine chooses")
        self.object_edit.setPlaceholderText("none")
        self.setting_edit.setPlaceholderText("its home")
        self.kind_combo = QComboBox()
        for kind in get_args(NounKind):
            self.kind_combo.addItem(kind.capitalize(), kind)
        self.time_combo = QComboBox()
        self.time_combo.addItem("Any time", None)
        for time in get_args(TimeKey):
            self.time_combo.addItem(TIME_NAMES.get(time, time.capitalize()), time)
        self._understood_edits = {
            "noun": self.noun_edit,
            "name": self.name_edit,
            "key_object": self.object_edit,
            "setting": self.setting_edit,
        }
        self._corrected: set[QWidget] = set()
        self._understood = Understanding()
        rows = [
            ("Main character", self.noun_edit, "Kind", self.kind_combo),
            ("Name", self.name_edit, "Time", self.time_combo),
            ("Holds dear", self.object_edit, "Setting", self.setting_edit),
        ]
        for row, (left, left_widget, right, right_widget) in enumerate(rows):
            grid.addWidget(QLabel(left), row, 0, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(left_widget, row, 1)
            grid.addWidget(QLabel(right), row, 2, Qt.AlignmentFlag.AlignRight)
            grid.addWidget(right_widget, row, 3)
        grid.setColumnStretch(1, 3)
        grid.setColumnStretch(3, 2)
        self.understood_group = group
        return group

    def _show_understood(self) -> None:
        """Fill the fields the author has not corrected from the premise, as typed."""
        from studio.core.offline import understand  # the offline engine loads its data

        self._understood = read = understand(self.premise(), self.language())
        for field, edit in self._understood_edits.items():
            if edit not in self._corrected:
                edit.setText(str(getattr(read, field) or ""))
        if self.kind_combo not in self._corrected:
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(read.kind)))
        if self.time_combo not in self._corrected:
            self.time_combo.setCurrentIndex(max(0, self.time_combo.findData(read.time_of_day)))

    def understanding(self) -> Understanding:
        """The premise as the offline engine read it, with the author's corrections."""
        read = self._understood
        noun = self.noun_edit.text().strip()
        changes: dict[str, object] = {
            "noun": noun,
            "name": self.name_edit.text().strip() or None,
            "key_object": self.object_edit.text().strip() or None,
            "setting": self.setting_edit.text().strip() or None,
            "kind": self.kind_combo.currentData(),
            "time_of_day": self.time_combo.currentData(),
        }
        if noun and noun != read.noun:
            from studio.core.offline.lexicon import plan_of

            changes["body_plan"] = plan_of(noun.lower())
        if changes["setting"] != read.setting:
            changes["world"] = None  # the engine finds the world of the new setting
        return Understanding.model_validate({**read.model_dump(), **changes})

    def _estimate_frame(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("banner")
        row = QHBoxLayout(frame)
        row.setContentsMargins(SPACING, SPACING - 4, SPACING, SPACING - 4)
        self.estimate_label = QLabel()
        self.estimate_label.setWordWrap(True)
        row.addWidget(self.estimate_label, 1)
        return frame

    @property
    def engine(self) -> str:
        return str(self.engine_combo.currentData())

    def premise(self) -> str:
        return self.premise_edit.toPlainText().strip()

    def language(self) -> str:
        """The chosen language, or the one the premise is written in."""
        chosen = self.language_combo.currentData()
        return str(chosen) if chosen else detect(self.premise())

    @property
    def painter(self) -> bool:
        """Pictures come from the offline painter (the whole offline engine, or by choice)."""
        return self.engine == OFFLINE or self.context.settings.image_engine == OFFLINE

    def story_url(self) -> str | None:
        """Where the story is written, as a run resolves it."""
        return self.context.settings.base_url or os.environ.get("OPENAI_BASE_URL") or None

    def picture_url(self) -> str | None:
        """Where pictures are drawn: None with the painter."""
        if self.painter:
            return None
        return self.context.settings.image_base_url or self.story_url()

    def needs_key(self) -> bool:
        local = is_local(self.story_url()) and (self.painter or is_local(self.picture_url()))
        return self.engine == OPENAI and not (self.context.api_key or find_api_key() or local)

    def estimated_cost(self) -> float:
        """Dollars the book should cost: a server on this computer and the painter are free."""
        if self.engine == OFFLINE:
            return 0.0
        s = self.context.settings
        text_model = "" if is_local(self.story_url()) else self.text_model_combo.currentText()
        image_model = (
            OFFLINE_IMAGE_MODEL
            if self.painter
            else ""
            if is_local(self.picture_url())
            else self.image_model_combo.currentText()
        )
        return estimate_book_cost(
            text_model, image_model, self.pages_spin.value(), s.image_size, s.image_quality
        )

    def estimate_text(self) -> str:
        pages = self.pages_spin.value()
        if self.engine == OFFLINE:
            text = (
                f"<b>Free ($0.00).</b> The offline engine writes and paints {pages} pages on "
                "this computer. Connect a provider in Settings for model-made books."
            )
            from studio.core.offline import language_notice

            if notice := language_notice(self.language()):
                text += f" <b>{html.escape(notice)}</b>"
            return text
        s = self.context.settings
        cost = self.estimated_cost()
        if cost == 0.0 and self.painter and is_local(self.story_url()):
            text = (
                "<b>$0.00:</b> the story comes from a server on this computer and the "
                f"offline painter draws the {pages} pictures."
            )
        elif cost == 0.0:
            text = (
                f"<b>$0.00 expected:</b> {pages} pictures from models without a known price "
                "(local servers and the offline painter are free)."
            )
        else:
            text = (
                f"<b>About ${cost:.2f}</b> for the story and {pages} pictures "
                f"({html.escape(s.image_size)}, {html.escape(s.image_quality)} quality)."
            )
        if s.budget_usd is not None and cost > s.budget_usd:
            text += f" <b>Above your budget of ${s.budget_usd:.2f}</b>: the run stops there."
        if self.needs_key():
            text += " <b>Needs an API key:</b> add one in Settings (Ctrl+,)."
        return text

    def refresh(self) -> None:
        online = self.engine == OPENAI
        self.text_model_combo.setEnabled(online)
        self.image_model_combo.setEnabled(online and not self.painter)
        self.image_model_combo.setToolTip(
            "The offline painter draws the pictures (chosen in Settings)." if self.painter else ""
        )
        self.custom_style_edit.setVisible(self.style_combo.currentText() == CUSTOM_STYLE)
        told = detect(self.premise())
        self.language_combo.setItemText(0, f"As the premise: {name(told)} ({told})")
        self.understood_group.setVisible(self.engine == OFFLINE)
        if self.engine == OFFLINE:
            self._show_understood()
        where = self.context.settings.base_url or "api.openai.com (or OPENAI_BASE_URL)"
        pictures = " Pictures: the offline painter, on this computer." if self.painter else ""
        self.endpoint_label.setText(
            f"Endpoint: {where}.{pictures} Change {'them' if pictures else 'it'} in Settings."
            if online
            else "No network needed."
        )
        self.estimate_label.setText(self.estimate_text())
        self.generate_button.setEnabled(bool(self.premise()) and not self.needs_key())

    def generation_settings(self) -> GenerationSettings:
        """The new book's settings. Pictures go to the story's server unless Settings name
        another one; the book stores only such another server."""
        s = self.context.settings
        online = self.engine == OPENAI
        drawn_by_server = online and not self.painter
        other_server = drawn_by_server and not same_server(s.image_base_url, s.base_url)
        return GenerationSettings(
            premise=self.premise(),
            pages=self.pages_spin.value(),
            engine=self.engine,
            audience_age=self.age_combo.currentText().strip() or "4-7",
            art_style=style_for(self.style_combo.currentText(), self.custom_style_edit.text()),
            base_url=s.base_url if online else None,
            image_base_url=s.image_base_url if other_server else None,
            text_model=self.text_model_combo.currentText().strip()
            if online
            else OFFLINE_TEXT_MODEL,
            image_model=self.image_model_combo.currentText().strip()
            if drawn_by_server
            else OFFLINE_IMAGE_MODEL,
            image_engine=(OFFLINE if self.painter else OPENAI) if online else None,
            plan_mode=s.plan_mode,
            image_size=s.image_size,
            image_quality=s.image_quality,
            concurrency=s.concurrency,
            character_lock=s.character_lock,
            budget_usd=s.budget_usd,
            language=self.language(),
            understanding=self.understanding() if self.engine == OFFLINE else None,
        )

    def remember(self) -> None:
        """Keep this form's choices as the next book's defaults."""
        chosen = self.generation_settings()
        s = self.context.settings
        s.pages, s.audience_age, s.art_style = chosen.pages, chosen.audience_age, chosen.art_style
        if chosen.engine == OPENAI:
            s.text_model = chosen.text_model
            if not self.painter:
                s.image_model = chosen.image_model


async def ask_new_book(context: AppContext, parent: QWidget | None) -> GenerationSettings | None:
    """Show the form; the settings to generate with, or None when cancelled."""
    dialog = NewBookDialog(context, parent)
    try:
        if await dialog_result(dialog) != QDialog.DialogCode.Accepted:
            return None
        dialog.remember()
        context.save_settings()
        return dialog.generation_settings()
    finally:
        dialog.deleteLater()
