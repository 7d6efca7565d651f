"""``--import`` / a study's ``imports``: a module in the working directory or a .py file."""

from __future__ import annotations

import sys

import pytest

from nasperf import cli
from nasperf._imports import UserModuleError, import_user_module, is_module_path
from nasperf.evaluation.config import ConfigError, parse_config

MODULE = "MARK = {!r}\n"


@pytest.fixture
def clean_path(monkeypatch):
    """sys.path without the working directory (as under the ``nasperf`` command) and the
    user modules the test imported forgotten afterwards. Library modules (nasperf's own,
    loaded lazily during the test, and their dependencies) stay: importing one of nasperf's
    a second time would register its members twice."""
    monkeypatch.setattr(sys, "path", [p for p in sys.path if p not in ("", ".")])
    before = set(sys.modules)
    yield
    for name in set(sys.modules) - before:
        if name.startswith("fh_"):
            del sys.modules[name]


def test_a_module_in_the_working_directory_imports_without_pythonpath(
    tmp_path, monkeypatch, clean_path
):
    (tmp_path / "fh_myspace.py").write_text(MODULE.format("cwd"))
    monkeypatch.chdir(tmp_path)
    assert str(tmp_path) not in sys.path
    assert import_user_module("fh_myspace").MARK == "cwd"
    assert import_user_module("fh_myspace") is sys.modules["fh_myspace"]
    with pytest.raises(ModuleNotFoundError, match="fh_nosuch"):
        import_user_module("fh_nosuch")


def test_a_file_path_imports_under_its_stem(tmp_path, monkeypatch, clean_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "fh_helper.py").write_text(MODULE.format("helper"))
    (lib / "fh_pathspace.py").write_text("from fh_helper import MARK\n")
    monkeypatch.chdir(tmp_path)
    assert is_module_path("lib/fh_pathspace.py") and not is_module_path("pkg.mod")
    module = import_user_module("lib/fh_pathspace.py")
    assert module.MARK == "helper"  # its folder is on the path: neighbours import
    assert import_user_module(str(lib / "fh_pathspace.py")) is module
    with pytest.raises(ImportError, match="no such file"):
        import_user_module("lib/nothing.py")


def test_study_imports_resolve_paths_against_the_config(tmp_path, clean_path):
    (tmp_path / "fh_studymod.py").write_text(MODULE.format("study"))
    config = parse_config(
        {"predictors": ["xgb"], "imports": ["./fh_studymod.py"]}, base_dir=tmp_path
    )
    assert config.imports == (str(tmp_path / "fh_studymod.py"),)
    assert sys.modules["fh_studymod"].MARK == "study"
    with pytest.raises(ConfigError, match="imports: cannot import 'fh_nosuch2'"):
        parse_config({"predictors": ["xgb"], "imports": ["fh_nosuch2"]}, base_dir=tmp_path)


def test_proxies_command_imports_from_the_working_directory(
    tmp_path, monkeypatch, clean_path, capsys
):
    (tmp_path / "fh_myproxy.py").write_text(MODULE.format("proxies"))
    monkeypatch.chdir(tmp_path)
    argv = ["proxies", "--import", "fh_myproxy", "--space", "nb201", "--n", "2", "--out", "p.csv"]
    argv += ["--quiet"]
    code = cli.main([*argv, "--proxies", "params", "--cache", "none"])
    assert code == 0, capsys.readouterr().err
    assert (tmp_path / "p.csv").read_text().startswith("arch,params,")
    assert sys.modules["fh_myproxy"].MARK == "proxies"


def test_an_empty_module_name_is_refused(clean_path):
    # was "ValueError: Empty module name", a traceback
    for spec in ("", "  "):
        with pytest.raises(UserModuleError, match=r"^empty module name '.*': give a module name"):
            import_user_module(spec)
    with pytest.raises(ConfigError, match=r"^imports: empty module name '': give a module name"):
        parse_config({"predictors": ["xgb"], "imports": [""]})


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ("raise RuntimeError('boom\\nsecond line')\n", "it raised RuntimeError: boom"),
        ("import sys\nsys.exit(3)\n", "it raised SystemExit: 3"),
        ("raise ImportError('no gpu here')\n", "it raised ImportError: no gpu here"),
    ],
)
def test_a_module_that_fails_while_importing_is_one_error(
    body, said, tmp_path, monkeypatch, clean_path, capsys
):
    (tmp_path / "fh_bad.py").write_text(body)
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UserModuleError) as info:
        import_user_module("fh_bad")
    assert str(info.value) == f"cannot import 'fh_bad': {said}"
    assert isinstance(info.value, ImportError)
    with pytest.raises(UserModuleError, match=f"^cannot import 'fh_bad.py': {said}$"):
        import_user_module("fh_bad.py")
    assert "fh_bad" not in sys.modules
    # the study command: one line, exit 2, nothing written (sys.exit(3) exited 3 silently)
    code = cli.main(["study", "--import", "fh_bad", "--predictors", "xgb", "--dry-run"])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == (
        f"nasperf study: error: invalid study config: imports: cannot import 'fh_bad': {said}"
    )
    assert list(tmp_path.iterdir()) == [tmp_path / "fh_bad.py"]
