"""Every test under this folder is an integration test (subprocesses, two
processes, real training, resumed runs, demos): marked ``slow``, deselected
by ``-m "not slow"``."""
import os.path as osp

import pytest

HERE = osp.dirname(osp.abspath(__file__))


def pytest_collection_modifyitems(config, items):
    for item in items:
        if osp.abspath(str(item.path)).startswith(HERE + osp.sep):
            item.add_marker(pytest.mark.slow)
