"""The migration files: from 010 on, a number is one change on both backends
(scripts/check-layers.py's lockstep rule, which make test runs)."""

import importlib.util

from kassa_client import REPO

_spec = importlib.util.spec_from_file_location("check_layers", REPO / "scripts/check-layers.py")
check_layers = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_layers)


def tree(tmp_path, sqlite, pg):
    for backend, files in (("sqlite", sqlite), ("pg", pg)):
        (tmp_path / backend).mkdir()
        for f in files:
            (tmp_path / backend / f).write_text("-- empty\n")
    return str(tmp_path)


def test_the_tree_keeps_lockstep():
    assert check_layers.migration_problems() == []


def test_a_number_on_one_backend_only_is_refused(tmp_path):
    bad = check_layers.migration_problems(tree(
        tmp_path, ["006_a.sql", "011_x.sql", "012_y.sql"], ["006_b.sql", "011_x.sql"]))
    assert len(bad) == 1 and "012 is 012_y.sql on sqlite, missing on pg" in bad[0], bad


def test_one_number_with_two_names_is_refused(tmp_path):
    bad = check_layers.migration_problems(tree(tmp_path, ["010_a.sql"], ["010_b.sql"]))
    assert len(bad) == 1 and "010_a.sql on sqlite, 010_b.sql on pg" in bad[0], bad


def test_a_number_used_twice_is_refused(tmp_path):
    bad = check_layers.migration_problems(tree(tmp_path, ["011_a.sql", "011_b.sql"],
                                               ["011_b.sql"]))
    assert any("number 11 used twice" in b for b in bad), bad
