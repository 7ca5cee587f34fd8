"""The field registry (tui_nn.training.fields) and what is built from it: the train flags,
the setup form, the presets listing. Every field, several values each, goes from the
command line to a config, into the real setup form and back out, unchanged."""

from __future__ import annotations

import shlex
from dataclasses import fields as dataclass_fields

import numpy as np
import pytest
from textual.widgets import Input, Select

from tui_nn.cli import build_parser, config_from_args, given_field_flags, main
from tui_nn.datasets import load_embedded_sample
from tui_nn.nn.activations import ACTIVATIONS
from tui_nn.nn.initializers import INITS
from tui_nn.nn.losses import LOSSES
from tui_nn.nn.optimizers import OPTIMIZERS
from tui_nn.training.config import (
    AUGMENTS,
    DTYPES,
    FIELD_PARSERS,
    LR_SCHEDULES,
    MONITORS,
    ConfigError,
    TrainConfig,
)
from tui_nn.training.fields import (
    CHOICE,
    FIELDS,
    NOT_USER_FACING,
    TRAIN_FIELDS,
    YES_NO,
    format_setting,
)
from tui_nn.training.presets import PRESETS
from tui_nn.tui.app import ScratchnetApp
from tui_nn.tui.screens.setup import SetupScreen
from tui_nn.tui.widgets.form import FieldRow

# What each choice field must offer: the engine's (and the trainer's) own registries.
ENGINE_CHOICES = {
    "activation": list(ACTIVATIONS), "output": list(LOSSES), "init": list(INITS),
    "optimizer": list(OPTIMIZERS), "lr_schedule": list(LR_SCHEDULES), "augment": list(AUGMENTS),
    "dtype": list(DTYPES), "monitor": list(MONITORS),
}
DATASET_PATH = "<a .npz of the sample>"    # replaced by the file the test writes
# Texts typed for the fields that are neither choices nor yes/no (those try every option).
TEXTS = {
    "dataset": ["mnist-sample", DATASET_PATH],
    "val_fraction": ["0", "0.25", "0.5"],
    "hidden": ["none", "1", "128,64", "8, 8, 8"],
    "init_std": ["0.01", "1e-05", "0.123456789"],
    "dropout": ["0", "0.5", "0.95"],
    "lr": ["0.001", "3", "1e-05", "0.1234567891"],
    "momentum": ["0", "0.9", "0.99"],
    "beta1": ["0.8", "0.95"],
    "beta2": ["0.99", "0.9999"],
    "batch_size": ["full", "1", "10", "64"],
    "epochs": ["1", "30", "100000"],
    "l2": ["0", "0.0001", "5.0/n", "0.5/N"],
    "seed": ["0", "42", "4294967295"],
    "early_stop": ["0", "3"],
    "min_delta": ["0", "0.001"],
    "plateau_factor": ["off", "0.5:3", "0.1:1"],
}


def cli_cases() -> list[tuple[str, list[str]]]:
    """(field, the train flags that set it) for several values of every field."""
    cases = []
    for field in TRAIN_FIELDS:
        if field.kind == YES_NO:
            cases += [(field.name, []), (field.name, [field.flag])]
        elif field.kind == CHOICE:
            cases += [(field.name, [field.flag, text]) for text in field.choices]
        else:
            cases += [(field.name, [field.flag, text]) for text in TEXTS[field.name]]
    return cases


def config_of(words: list[str]) -> TrainConfig:
    return config_from_args(build_parser().parse_args(["train", *words]))


def packed_cli_cases() -> list[list[tuple[str, list[str]]]]:
    """Every case of ``cli_cases`` exactly once, in groups of cases of different fields that
    make a valid config together (each group is one fill of the form, not one per case)."""
    groups: list[list[tuple[str, list[str]]]] = []
    for name, words in cli_cases():
        for group in groups:
            if name in (n for n, _ in group):
                continue
            try:
                config_of([word for _, w in group for word in w] + words)
            except (ConfigError, SystemExit):
                continue
            group.append((name, words))
            break
        else:
            groups.append([(name, words)])
    return groups


@pytest.fixture
def npz_dataset(tmp_path) -> str:
    sample = load_embedded_sample()
    path = tmp_path / "sample.npz"
    np.savez(path, x_train=sample.x_train, y_train=sample.y_train, x_test=sample.x_test, y_test=sample.y_test)
    return str(path)


# --------------------------------------------------------------- the registry
def test_every_config_field_is_in_the_registry_or_named_not_user_facing():
    covered = [name for field in TRAIN_FIELDS for name in field.config_fields] + list(NOT_USER_FACING)
    assert sorted(covered) == sorted(f.name for f in dataclass_fields(TrainConfig))   # each exactly once
    assert len({field.flag for field in TRAIN_FIELDS}) == len(TRAIN_FIELDS)
    # every text-typed field has values in the round-trip test below
    assert set(TEXTS) == {field.name for field in TRAIN_FIELDS if field.kind not in (CHOICE, YES_NO)}
    assert set(ENGINE_CHOICES) == {field.name for field in TRAIN_FIELDS if field.kind == CHOICE}


@pytest.mark.parametrize("name,texts", [(f.name, TEXTS.get(f.name) or list(f.choices)) for f in TRAIN_FIELDS])
def test_text_parses_formats_and_parses_back_the_same(name, texts):
    field = FIELDS[name]
    for text in texts:
        value = field.parse(text)
        shown = field.format(value)
        assert field.parse(shown) == value, (text, shown)
        assert field.format(field.parse(shown)) == shown


# Texts no parser may crash on: each returns a value or refuses with a ConfigError.
HOSTILE_TEXTS = [
    "²", "³,64", "٣", "٣٢,٦٤", "１２", "128,²", "Ⅻ", "½", "1e309", "-1e309", "1e-400", "nan", "-nan", "inf",
    "-inf", "-0", "-0.0", "+0", " ", "", "\t\n", "\u2003", "\x00", "1_000", "1__0", "0x10", "0b1", "1e3",
    "4294967296", "-4294967296", "9" * 400, "9" * 5000, "1" * 100_000, "1." + "0" * 5000 + "1", "12x",
    ",,,", "1,,2", "5/n", "5/n/n", "/n", "nan/n", "1e309/n", "é", "🙂", "None", "full", "FULL", "-", "--",
    "yes", "no", "relu", "R-E-L-U", "a" * 100_000, "128," * 1000,
]


@pytest.mark.parametrize("field", TRAIN_FIELDS, ids=lambda field: field.name)
def test_every_parser_returns_or_refuses_with_a_config_error(field):
    """Whatever is typed or pasted, a field's parser (and the config's own) gives a value or
    a one-line ConfigError, nothing else: the form and the CLI show the reason and go on."""
    parsers = [field.parse, *(FIELD_PARSERS[name] for name in field.config_fields if name in FIELD_PARSERS)]
    for parse in parsers:
        for text in HOSTILE_TEXTS:
            try:
                parse(text)
            except ConfigError as exc:
                assert "\n" not in str(exc) and len(str(exc)) < 300, (text[:20], str(exc)[:400])


def test_hidden_layers_take_decimal_digits_only():
    parse = FIELDS["hidden"].parse
    with pytest.raises(ConfigError, match="'²' is not a size"):
        parse("²")
    with pytest.raises(ConfigError, match="'1_000' is not a size"):
        parse("1_000")
    with pytest.raises(ConfigError, match="each hidden layer needs 1 to 16384 units, got 99999"):
        parse("64,99999")
    with pytest.raises(ConfigError, match=r"got 1111111111.*\(5,000 characters\)"):
        parse("1" * 5000)
    assert parse("٣٢,٦٤") == (32, 64)      # decimal digits of any script, as int() reads them


def test_bounds_are_said_with_the_limit_and_the_value_as_typed():
    """A refusal prints the limit exactly and the value as typed, so it is true: not
    "must be <= 100, got 100" for 100.0001."""
    cases = {
        ("lr", "100.0001"): "learning rate must be <= 100, got 100.0001",
        ("seed", "4294967296"): "seed must be <= 4294967295, got 4294967296",
        ("momentum", "1.0000000000001"): "momentum must be < 1, got 1.0000000000001",
        ("dropout", "0.95000001"): "dropout must be <= 0.95, got 0.95000001",
        ("epochs", "100001"): "epochs must be <= 100000, got 100001",
        ("val_fraction", "-0.0000001"): "validation fraction must be >= 0, got -0.0000001",
    }
    for (name, text), message in cases.items():
        with pytest.raises(ConfigError) as caught:
            FIELDS[name].parse(text)
        assert str(caught.value) == message
    with pytest.raises(ConfigError, match=r"^seed must be <= 4294967295, got 9999999999.*\(400 characters\)$"):
        FIELDS["seed"].parse("9" * 400)
    with pytest.raises(ConfigError, match="^learning rate must be <= 100, got 100.0001$"):
        TrainConfig(lr=100.0001)          # a typed value: exactly too


def test_formatters_write_what_a_user_types():
    assert FIELDS["batch_size"].format(None) == "full"
    assert FIELDS["hidden"].format(()) == "none" and FIELDS["hidden"].format((128, 64)) == "128,64"
    assert FIELDS["l2"].format(FIELDS["l2"].parse("5.0/n")) == "5/n"
    assert FIELDS["l2"].changes(FIELDS["l2"].parse("5.0/n")) == {"l2": 5.0, "l2_over_n": True}
    assert FIELDS["lr"].format(1e-3) == "0.001" and FIELDS["lr"].format(0.1234567891) == "0.1234567891"
    assert FIELDS["use_bias"].format(False) == "no"
    with pytest.raises(ConfigError, match="dataset must be a name or a path"):
        FIELDS["dataset"].parse("  ")
    nielsen2 = PRESETS["nielsen2"].config
    assert [format_setting(nielsen2, n) for n in ("l2", "l2_over_n", "batch_size", "hidden")] == \
        ["5/n", "yes", "10", "100"]


# ------------------------------------------------------------------- the CLI
def test_each_flag_sets_its_field():
    for name, words in cli_cases():
        field = FIELDS[name]
        # a yes/no flag sets its flag_value (--no-bias: no; --restore-best: yes); absent, the other
        expected = (field.flag_value if words else not field.flag_value) if field.kind == YES_NO \
            else field.parse(words[1])
        config = config_of(words)
        assert field.value_of(config) == expected, words
        # nothing else moves
        others = {f.name: getattr(config, f.name) for f in dataclass_fields(TrainConfig)
                  if f.name not in (*field.config_fields, "preset")}
        default = PRESETS["default"].config
        assert others == {n: getattr(default, n) for n in others}, words


def test_batch_size_full_is_a_full_batch_not_the_presets_mini_batch():
    assert PRESETS["default"].config.batch_size == 64
    config = config_of(["--batch-size", "full"])
    assert config.batch_size is None and config.preset == "custom"
    assert config_of([]).batch_size == 64


def test_given_field_flags_lists_what_was_typed_in_the_registrys_order():
    parser = build_parser()
    args = parser.parse_args(["train", "--epochs", "3", "--no-bias", "--batch-size", "full", "--l2", "5/n"])
    assert given_field_flags(args) == ["--no-bias", "--batch-size", "--epochs", "--l2"]
    assert given_field_flags(parser.parse_args(["train", "--json", "--no-record"])) == []


def help_of(flag: str, capsys) -> str:
    """The help paragraph of ``flag`` in ``train --help``, on one line."""
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{flag} "))
    paragraph = [lines[start]]
    for line in lines[start + 1:]:
        if line.strip().startswith("-"):
            break
        paragraph.append(line)
    return " ".join(" ".join(paragraph).split())


def test_the_help_lists_every_choice_of_the_registries(capsys):
    text = help_of("--activation", capsys)
    assert list(ACTIVATIONS) and all(f" {name} " in f"{text} " for name in ACTIVATIONS), text
    assert "relu | leaky_relu | sigmoid | tanh" in text
    for name, choices in ENGINE_CHOICES.items():
        assert " | ".join(choices) in help_of(FIELDS[name].flag, capsys), name


def test_presets_listing_gives_the_flags_that_reproduce_each_preset(capsys):
    assert main(["presets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    for preset in PRESETS.values():
        flags = lines[lines.index(preset.name) + 3].strip()
        assert config_of(shlex.split(flags)) == preset.config.with_changes(preset="custom"), preset.name


# ------------------------------------------------------------------ the form
async def test_the_form_offers_the_registries_choices_with_the_registrys_labels():
    app = ScratchnetApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        await pilot.pause()
        for name, choices in ENGINE_CHOICES.items():
            assert [value for _, value in screen.query_one(f"#{name}", Select)._options] == choices, name
        for field in TRAIN_FIELDS:
            if field.kind == YES_NO:
                assert [value for _, value in screen.query_one(f"#{field.name}", Select)._options] == ["yes", "no"]
            row = screen.query_one(f"#row-{field.name}", FieldRow)
            assert row.label == field.label, field.name
            if field.name != "dataset":          # the dataset row's hint describes the loaded set
                assert row.hint == field.hint, field.name


async def test_every_field_goes_from_the_flags_through_the_form_unchanged(npz_dataset):
    groups = packed_cli_cases()
    assert sorted(case for group in groups for case in group) == sorted(cli_cases())
    app = ScratchnetApp()
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, SetupScreen)
        for group in groups:
            words = [npz_dataset if word == DATASET_PATH else word for _, w in group for word in w]
            from_cli = config_of(words)
            screen.fill(from_cli)
            await pilot.pause()              # every Changed message handled
            for _ in range(500):             # the dataset loads in a worker
                if screen.dataset is not None and screen.dataset_key == from_cli.dataset:
                    break
                await pilot.pause(0.01)
            await pilot.pause()
            for name, _ in group:
                field = FIELDS[name]
                if field.kind in (CHOICE, YES_NO):
                    assert screen.query_one(f"#{name}", Select).value == field.text_of(from_cli), words
                elif name in ("hidden", "l2", "lr", "epochs"):
                    assert screen.query_one(f"#{name}", Input).value == field.text_of(from_cli), words
            from_form, errors = screen.read_form()
            assert errors == {}, (words, errors)
            assert from_form.with_changes(preset=from_cli.preset) == from_cli, words
