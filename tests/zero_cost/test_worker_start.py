"""Zero-cost worker processes that cannot start say so at once (a probe: a Pool had
restarted them forever: a script without a ``__main__`` guard, or a class of an interactive
``__main__``, hung ``compute(workers=2)`` with thousands of lines of tracebacks), and the
proxies a user registered in a module reach the workers without ``imports``."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from nasperf import zero_cost
from nasperf.spaces import get_space

ROOT = Path(__file__).resolve().parents[2]

_PROXY = """
from nasperf.zero_cost import PROXIES, Proxy


@PROXIES.register("{name}")
class CountParams(Proxy):
    taps = ()
    data = "none"

    def compute(self, ctx):
        return float(sum(p.numel() for p in ctx.network.parameters()))
"""


def _run(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "script.py"
    path.write_text(textwrap.dedent(script))
    env = {"PYTHONPATH": str(ROOT), "NASPERF_CACHE": str(tmp_path / "cache"), "PATH": ""}
    return subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=240, env=env
    )


def test_a_proxy_registered_in_a_users_module_reaches_the_workers(tmp_path, monkeypatch):
    (tmp_path / "my_probe_proxies.py").write_text(_PROXY.format(name="count_params_probe"))
    monkeypatch.syspath_prepend(str(tmp_path))
    import my_probe_proxies  # noqa: F401  (registers the proxy in this process only)

    archs = get_space("nb201").sample(3, seed=0)
    kw = {"cache": None, "batch_size": 8}
    two = zero_cost.compute("nb201", archs, "count_params_probe", workers=2, **kw)
    one = zero_cost.compute("nb201", archs, "count_params_probe", workers=1, **kw)
    assert two.sort_index().equals(one.sort_index()) and (one["count_params_probe"] > 0).all()


def test_a_proxy_registered_under_the_main_guard_is_one_error(tmp_path):
    guarded = textwrap.indent(_PROXY.format(name="guarded_probe"), "    ")
    done = _run(
        "from nasperf import zero_cost\n"
        "from nasperf.spaces import get_space\n"
        "if __name__ == '__main__':\n"
        f"{guarded}\n"
        "    archs = get_space('nb201').sample(3, seed=0)\n"
        "    try:\n"
        "        zero_cost.compute('nb201', archs, 'guarded_probe', cache=None, workers=2)\n"
        "    except RuntimeError as err:\n"
        "        print('caught:', err)\n",
        tmp_path,
    )
    assert "caught: zero_cost.compute: its worker processes could not start" in done.stdout
    assert "zero-cost proxies ['guarded_probe'] are not registered in the worker" in done.stderr


def test_a_script_without_the_main_guard_fails_instead_of_hanging(tmp_path):
    done = _run(
        """
        from nasperf import zero_cost
        from nasperf.spaces import get_space

        archs = get_space("nb201").sample(3, seed=0)
        zero_cost.compute("nb201", archs, "params", cache=None, workers=2, batch_size=8)
        """,
        tmp_path,
    )
    assert done.returncode == 1
    assert "its worker processes could not start" in done.stderr.strip().splitlines()[-1]
