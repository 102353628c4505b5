"""Every Python snippet in the README runs as written, in order, in a fresh directory (with the
README's own `tvmconv compile ... --out pkg-cpu` line run first where a snippet loads it)."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[1] / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)


def _shell_line(marker: str) -> list[str]:
    """The README's shell command that contains `marker` (comment stripped), as argv."""
    for block in re.findall(r"```sh\n(.*?)```", README.read_text(), re.S):
        for line in block.splitlines():
            if marker in line:
                return shlex.split(line.split("#")[0])
    raise AssertionError(f"no README shell line with {marker!r}")


@pytest.fixture(scope="module")
def workdir(tmp_path_factory):
    return tmp_path_factory.mktemp("readme")


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_readme_python_snippet_runs(index, workdir):
    code = BLOCKS[index]
    env = {**os.environ, "TVMCONV_CACHE_DIR": str(workdir / "cache")}
    bin_dir = Path(sys.executable).parent
    if '"pkg-cpu"' in code and not (workdir / "pkg-cpu").exists():
        argv = _shell_line("--out pkg-cpu")
        argv[0] = str(bin_dir / argv[0].split("/")[-1])
        subprocess.run(argv, cwd=workdir, env=env, check=True, capture_output=True)
    proc = subprocess.run([sys.executable, "-c", code], cwd=workdir, env=env,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"README snippet {index}:\n{code}\n{proc.stderr[-3000:]}"


def test_the_readme_has_snippets():
    assert len(BLOCKS) >= 5
