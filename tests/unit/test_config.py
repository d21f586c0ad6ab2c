"""The one configuration: what the environment and the options become, read in one place."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from scop.cli import build_parser
from scop.config import ENVIRONMENT, Config, PPEndpoint, default_db_url, shipped_fiches_dir


def test_environment_is_read_into_the_configuration() -> None:
    env = {
        "SCOP_FEED_URL": " wss://flux.paris.local/geo ",
        "SCOP_PP_URL": "wss://pp.example:443",
        "SCOP_PP_CA": "ac.pem",
        "SCOP_PP_CERT": "scop.pem",
        "SCOP_PP_KEY": "scop.key",
        "SCOP_PP_SENDER_ID": "fr.police.scop",
        "SCOP_PP_PEER_ID": "fr.police.pp",
        "SCOP_TILE_URL": "https://tuiles/{z}/{x}/{y}.png",
        "SCOP_FICHES_DIR": "/srv/fiches",
        "SCOP_LOG_DIR": "/var/log/scop",
        "SCOP_ERROR_DIALOG": "0",
    }
    config = Config.load(environ=env)
    assert config.feed_url == "wss://flux.paris.local/geo"
    assert config.pp == PPEndpoint("wss://pp.example:443", "ac.pem", "scop.pem", "scop.key")
    assert config.tile_url == "https://tuiles/{z}/{x}/{y}.png"
    assert config.fiches_dir == Path("/srv/fiches")
    assert config.log_path == Path("/var/log/scop/scop.log")
    assert config.error_dialog is False
    assert set(env) == set(ENVIRONMENT)  # every variable read is listed (and in the README)


def test_empty_environment_gives_the_defaults() -> None:
    config = Config.load(environ={"SCOP_PP_CA": "ac.pem", "SCOP_FEED_URL": "  "})
    assert config.pp is None  # a CA alone configures no link
    assert config.feed_url is None
    assert config.fiches_dir == shipped_fiches_dir()
    assert (config.fiches_dir / "incendie.yaml").exists()
    assert config.database == default_db_url()
    assert config.wants_demo


def test_options_are_read_and_the_configuration_is_frozen() -> None:
    args = build_parser().parse_args(
        [
            *("--db", "sqlite:////srv/salle.sqlite", "--operator", "B. Lefèvre"),
            *("--role", "chief", "--screenshot", "c.png", "--size", "800x600"),
            *("--no-sim", "--workstation", "P12"),
        ]
    )
    config = Config.load(args, environ={})
    assert config.database == "sqlite:////srv/salle.sqlite"
    assert not config.wants_demo
    assert (config.operator, config.role, config.workstation) == ("B. Lefèvre", "chief", "P12")
    assert config.headless
    assert config.size == (800, 600)
    assert config.no_sim
    with pytest.raises(AttributeError):
        config.no_sim = False  # type: ignore[misc]


def test_subcommand_accepts_console_options_after_it() -> None:
    args = build_parser().parse_args(
        ["--operator", "A", "replay", "v.jsonl.gz", "--screenshot", "r.png", "--size", "640x480"]
    )
    config = Config.load(args, environ={})
    assert (config.operator, config.screenshot, config.size) == ("A", Path("r.png"), (640, 480))


def test_bad_size_is_refused_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--size", "grand"])
    assert "taille attendue sous la forme 1920x1080" in capsys.readouterr().err


def test_missing_options_take_their_defaults() -> None:
    config = Config.load(argparse.Namespace(), environ={})
    assert (config.role, config.size, config.layout) == ("operator", (1920, 1080), None)


def test_readme_lists_every_variable() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    for name in ENVIRONMENT:
        assert f"`{name}`" in section or f"`{name}`," in section, name


def test_console_and_gateway_take_the_same_link_options() -> None:
    link = [
        *("--pp", "wss://pp.example:443", "--ca", "ac.pem", "--cert", "scop.pem"),
        *("--key", "scop.key", "--sender-id", "fr.police.salle2", "--peer-id", "fr.pp.test"),
        *("--ack-timeout", "4", "--feed", "wss://flux/geo"),
    ]
    console = Config.load(build_parser().parse_args(link), environ={})
    gateway = Config.load(
        build_parser().parse_args(["gateway", "--db", "sqlite:////s.sqlite", *link]), environ={}
    )
    expected = PPEndpoint(
        "wss://pp.example:443",
        "ac.pem",
        "scop.pem",
        "scop.key",
        "fr.police.salle2",
        "fr.pp.test",
        4.0,
    )
    assert console.pp == gateway.pp == expected
    assert console.feed_url == gateway.feed_url == "wss://flux/geo"


def test_each_link_option_missing_falls_back_on_its_variable() -> None:
    env = {
        "SCOP_PP_URL": "wss://pp.env:443",
        "SCOP_PP_CA": "ac-env.pem",
        "SCOP_PP_CERT": "env.pem",
        "SCOP_PP_KEY": "env.key",
        "SCOP_PP_SENDER_ID": "fr.police.env",
        "SCOP_FEED_URL": "wss://flux.env/geo",
    }
    for argv in (
        ["--cert", "opt.pem"],
        ["gateway", "--db", "sqlite:////s.sqlite", "--cert", "opt.pem"],
    ):
        config = Config.load(build_parser().parse_args(argv), environ=env)
        assert config.pp == PPEndpoint(
            "wss://pp.env:443", "ac-env.pem", "opt.pem", "env.key", "fr.police.env", "fr.police.pp"
        )
        assert config.feed_url == "wss://flux.env/geo"


def test_bad_ack_timeout_is_refused_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        build_parser().parse_args(["gateway", "--db", "x", "--ack-timeout", "bientôt"])
    assert "durée en secondes attendue" in capsys.readouterr().err
