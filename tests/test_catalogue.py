"""The content catalogue: real files load; broken files fail with a precise message."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bot.core.catalogue import TIP_KINDS, CatalogueError, load_catalogue
from bot.core.chat import BASIC_COMMANDS
from tests.conftest import ROOT

CONTENT = ROOT / "content"
RESERVED = [c.name for c in BASIC_COMMANDS]


def test_every_content_file_loads() -> None:
    catalogue = load_catalogue(CONTENT, RESERVED)
    assert len(catalogue.topics()) >= 30
    for kind in TIP_KINDS:
        assert len(catalogue.tips(kind)) >= 3, kind
    files = {p.stem for p in CONTENT.glob("*.yaml")} - {"about", "safety"}
    assert len(catalogue.groups) == len(files)


def test_entries_are_frozen() -> None:
    entry = next(iter(load_catalogue(CONTENT).entries.values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        entry.body = "changed"  # type: ignore[misc]


def test_required_topics_have_commands() -> None:
    catalogue = load_catalogue(CONTENT)
    for command in ("spasm", "foods", "upper", "lower", "causes", "relief", "heat", "ice", "sleep",
                    "meds", "massage", "vitamins", "doctor", "avoid", "bananas", "ibuprofen"):
        assert command in catalogue.by_command, command


@pytest.mark.parametrize(
    ("command", "facts"),
    [
        ("ice", ["10 to 20 minutes", "towel"]),
        ("heat", ["15 to 20 minutes"]),
        ("strain", ["2 to 3 days"]),
        ("selfmassage", ["30 to 60 seconds"]),
        ("howlong", ["a week or two", "six to eight weeks"]),
        ("upper", ["1 in 10 men and 1 in 5 women"]),
        ("meds", ["Cyclobenzaprine (Flexeril)", "Metaxalone (Skelaxin)", "Tizanidine (Zanaflex)"]),
        ("infection", ["2 to 25 percent"]),
        ("cancer", ["30 to 40 percent", "non-small cell"]),
        ("bananas", ["potassium", "magnesium", "calcium"]),
        ("dehydration", ["dry mouth", "tears", "nausea and vomiting"]),
    ],
)
def test_numbers_and_names_are_kept(command: str, facts: list[str]) -> None:
    body = load_catalogue(CONTENT).by_command[command].body
    for fact in facts:
        assert fact in body


def test_medication_entries_send_readers_to_a_professional() -> None:
    # The ask-first line is Unknot's own, so it is a safety note (content/safety.yaml) shown
    # with every medication entry, not part of the article's retelling.
    catalogue = load_catalogue(CONTENT)
    medication = [e for e in catalogue.topics() if e.group == "medication"]
    assert medication
    for entry in medication:
        assert any("doctor or pharmacist" in note.body for note in catalogue.notes_for(entry.id)), entry.id


def test_left_out_items_stay_out() -> None:
    text = " ".join(e.body.lower() for e in load_catalogue(CONTENT).entries.values())
    for banned in ("hyperventilat", "santa barbara", "goleta", "lax chiropractic", "swedish massage"):
        assert banned not in text




def copy_content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    return target


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


ENTRY = """
  - id: {id}
    title: Extra
    commands: [{command}]
    section: Somewhere
    body: {body}
"""


def test_unknown_field_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    append(content / "50-relief.yaml", ENTRY.format(id="extra", command="extra", body="Hi") + "    colour: red\n")
    with pytest.raises(CatalogueError, match=r"50-relief\.yaml, entry 'extra': unknown field 'colour'"):
        load_catalogue(content)


def test_duplicate_id_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    append(content / "50-relief.yaml", ENTRY.format(id="ice", command="ice2", body="Hi"))
    with pytest.raises(CatalogueError, match=r"50-relief\.yaml, entry 'ice': duplicate id"):
        load_catalogue(content)


def test_duplicate_command_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    append(content / "90-doctor.yaml", ENTRY.format(id="cold", command="ice", body="Hi"))
    with pytest.raises(CatalogueError, match=r"90-doctor\.yaml, entry 'cold': duplicate command /ice"):
        load_catalogue(content)


def test_reserved_command_is_refused(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    append(content / "40-lower.yaml", ENTRY.format(id="helper", command="help", body="Hi"))
    with pytest.raises(CatalogueError, match=r"entry 'helper': command /help is reserved"):
        load_catalogue(content, RESERVED)


def test_empty_body_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    append(content / "50-relief.yaml", ENTRY.format(id="blank", command="blank", body='"   "'))
    with pytest.raises(CatalogueError, match=r"entry 'blank': field 'body' must be a non-empty text"):
        load_catalogue(content)


def test_body_too_long_once_rendered_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    # 4000 characters of '&' is fine raw but 20000 once HTML-escaped.
    append(content / "50-relief.yaml", ENTRY.format(id="long", command="long", body='"' + "&" * 4000 + '"'))
    with pytest.raises(CatalogueError, match=r"entry 'long': body is \d+ characters once rendered, over .*4096"):
        load_catalogue(content)


def test_a_title_too_long_for_a_discord_embed_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    entry = ENTRY.format(id="wide", command="wide", body='"Short."').replace("title: ", "title: " + "T" * 300, 1)
    append(content / "50-relief.yaml", entry)
    with pytest.raises(CatalogueError, match=r"entry 'wide': title is 30\d characters, over a Discord embed title's"):
        load_catalogue(content)


def test_invalid_yaml_names_the_file(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    (content / "55-bad.yaml").write_text("group: {id: x\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"55-bad\.yaml: not valid YAML"):
        load_catalogue(content)


def test_missing_about_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    (content / "about.yaml").unlink()
    with pytest.raises(CatalogueError, match=r"about\.yaml: missing"):
        load_catalogue(content)


def test_bad_tip_kind_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    append(content / "95-tips.yaml", "  - id: tip-x\n    kind: yoga\n    title: X\n    section: S\n    body: B\n")
    with pytest.raises(CatalogueError, match=r"entry 'tip-x': kind must be one of"):
        load_catalogue(content)


def test_start_fails_with_the_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from bot.__main__ import main

    content = copy_content(tmp_path)
    append(content / "50-relief.yaml", ENTRY.format(id="ice", command="ice2", body="Hi"))
    monkeypatch.setenv("UNKNOT_CONTENT_DIR", str(content))
    monkeypatch.setenv("UNKNOT_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["console"]) == 2
    assert "entry 'ice': duplicate id" in capsys.readouterr().err


def test_safety_file_is_required(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    (content / "safety.yaml").unlink()
    with pytest.raises(CatalogueError, match=r"safety.yaml: missing"):
        load_catalogue(content)


def test_safety_note_for_an_unknown_entry_is_named(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    path = content / "safety.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("attach: [infection]", "attach: [nowhere]"),
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"entry 'fever': attached to unknown entry 'nowhere'"):
        load_catalogue(content)


def test_every_emergency_sign_needs_its_line(tmp_path: Path) -> None:
    content = copy_content(tmp_path)
    path = content / "safety.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text("\n".join(line for line in text.splitlines() if not line.strip().startswith("tearing:")),
                    encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"no line for the emergency sign 'tearing'"):
        load_catalogue(content)


def test_safety_replies_come_from_the_content_file(tmp_path: Path) -> None:
    """Nothing health-related is hard-coded: change safety.yaml and the replies change."""
    from bot.core.answers import AnswerEngine
    from bot.core.chat import ChatService

    content = copy_content(tmp_path)
    path = content / "safety.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("call or text 988", "call or text CRISIS-LINE-X")
    text = text.replace("Don't wait for it to pass.", "URGENT-HEAD-X")
    text = text.replace("can cause stomach bleeding", "NSAID-NOTE-X")
    text = text.replace('label: "Unknot\'s safety note (not from the article)"', 'label: "LABEL-X"')
    path.write_text(text, encoding="utf-8")
    catalogue = load_catalogue(content)
    engine = AnswerEngine(catalogue)
    crisis = engine.answer("i want to kill myself").reply.text
    assert "CRISIS-LINE-X" in crisis and crisis.startswith("🛡 LABEL-X:")
    assert "URGENT-HEAD-X" in engine.answer("i wet myself and my back hurts").reply.text
    assert "NSAID-NOTE-X" in ChatService(catalogue).command("ibuprofen").text
