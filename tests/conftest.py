import os

import pytest

# Every test process gets its own cache directory unless a test sets one itself.
os.environ.setdefault("TVM_NUM_THREADS", "2")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("TVMCONV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "cache"))
    # the user's own tuning logs (records.user_logs) are not the tests' business
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.getbasetemp() / "user-data"))
