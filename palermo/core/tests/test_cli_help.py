"""`palermo --help` lists Palermo's own commands (hyphenated, one line each) apart from Django's,
and every option and argument of every Palermo command says what it is for."""

from __future__ import annotations

import argparse

import pytest
from django.core.management import load_command_class

from palermo.cli import SUMMARY_WIDTH, command_name, main, palermo_commands

# Options every Django command has, with Django's own help text.
DJANGO_COMMON = {
    "help",
    "version",
    "verbosity",
    "settings",
    "pythonpath",
    "traceback",
    "no_color",
    "force_color",
    "skip_checks",
}


def parsers_of(
    parser: argparse.ArgumentParser, path: str
) -> list[tuple[str, argparse.ArgumentParser]]:
    """The parser and every subcommand's parser, depth first, each with its command path."""
    found = [(path, parser)]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += parsers_of(sub, "{} {}".format(path, name))
    return found


def options_without_help() -> list[str]:
    missing = []
    for name, app in palermo_commands().items():
        command = load_command_class(app, name)
        parser = command.create_parser("palermo", name)
        for path, sub in parsers_of(parser, command_name(name)):
            for action in sub._actions:
                if isinstance(action, argparse._SubParsersAction) or action.dest in DJANGO_COMMON:
                    continue
                if not (action.help or "").strip() or action.help == argparse.SUPPRESS:
                    label = "/".join(action.option_strings) or action.dest
                    missing.append("palermo {}: {}".format(path, label))
    return missing


def test_every_option_and_argument_of_palermo_commands_has_help() -> None:
    assert options_without_help() == []


def test_the_walk_finds_an_option_without_help(monkeypatch: pytest.MonkeyPatch) -> None:
    """The check itself can fail: an option added without help is reported."""
    from palermo.core.management.commands import org

    original = org.Command.add_arguments

    def with_bare_option(self: org.Command, parser: argparse.ArgumentParser) -> None:
        original(self, parser)
        parser.add_argument("--bare")

    monkeypatch.setattr(org.Command, "add_arguments", with_bare_option)
    assert "palermo org: --bare" in options_without_help()


def test_help_lists_palermo_commands_hyphenated_under_their_own_heading(
    capsys: pytest.CaptureFixture[str],
) -> None:
    main(["palermo", "--help"])

    out = capsys.readouterr().out
    ours, _, theirs = out.partition("Django and libraries")
    assert "\nPalermo\n" in ours
    lines = {line.split()[0]: line for line in ours.splitlines() if line.startswith("    ")}
    for name in ("load-reference", "setup-demo", "demo-data", "user", "token", "audit"):
        assert name in lines, name
        assert len(lines[name].split(maxsplit=1)) == 2, "{} has no description".format(name)
    for line in lines.values():  # one line each, short enough to read
        assert len(line.split(maxsplit=1)[1]) <= SUMMARY_WIDTH + 2, line
    assert "load_reference" not in out and "setup_demo" not in out
    assert "migrate" in theirs and "migrate" not in ours
    assert "createsuperuser" in theirs


def test_help_for_a_hyphenated_command(capsys: pytest.CaptureFixture[str]) -> None:
    main(["palermo", "help", "setup-demo"])
    assert "usage: palermo setup-demo" in capsys.readouterr().out
