"""Every command has a description and an example in its --help, and the README's command table lists
exactly the commands there are."""

from __future__ import annotations

import re

from conftest import REPO

from mdm2screen.cli import COMMANDS, build_parser


def test_every_command_has_a_description_and_an_example() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # noqa: SLF001 - argparse's subparsers
    for command in COMMANDS:
        text = sub.choices[command.NAME].format_help()
        assert command.DESCRIPTION and command.DESCRIPTION in " ".join(text.split()), command.NAME
        assert "example" in text and f"mdm2screen {command.NAME}" in text.split("example", 1)[1], command.NAME


def test_readme_command_table_matches_the_cli() -> None:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Commands", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"^\| `mdm2screen ([a-z-]+)` \|", section, flags=re.M)
    assert sorted(listed) == sorted(c.NAME for c in COMMANDS)
    for command in COMMANDS:
        row = next(line for line in section.splitlines() if line.startswith(f"| `mdm2screen {command.NAME}` |"))
        example = row.rsplit("|", 2)[-2].strip().strip("`")
        assert example.startswith(f"mdm2screen {command.NAME}"), row
        # The example parses with the command's own options.
        args = build_parser().parse_args(example.split()[1:])
        assert args.command == command.NAME
