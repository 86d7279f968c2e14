"""Every import inside mmdense runs down the layers, never up:

* ``structures/``, ``utils/`` and ``registry.py`` at the bottom;
* ``datasets/`` and ``models/`` above them (neither imports the other),
  ``evaluation/`` and ``weights/`` beside them;
* ``engine/`` above those, ``analysis/`` (the tools' library) on top;
* inside ``models/``: ``algorithms/`` may use heads, necks, losses, memories,
  data preprocessors and utils; heads may use losses, memories and utils;
  nothing below imports an algorithm.

``utils/setup_env.py``'s ``register_all_modules`` imports every subpackage
(the OpenMMLab convention) and is the one exception.  Lazy imports inside
functions count.
"""
import ast
import pathlib

import mmdense

ROOT = pathlib.Path(mmdense.__file__).parent
RANK = dict(
    structures=0,
    utils=0,
    registry=0,
    version=0,
    datasets=1,
    models=1,
    evaluation=1,
    weights=1,
    engine=2,
    analysis=3)
# same-rank packages that must not import each other
SIBLINGS = {'datasets', 'models', 'evaluation', 'weights'}
MODEL_RANK = dict(
    utils=0,
    losses=1,
    memories=1,
    necks=1,
    data_preprocessors=1,
    heads=2,
    algorithms=3)
EXCEPTIONS = {'mmdense.utils.setup_env'}


def module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(ROOT.parent).with_suffix('').parts)
    return '.'.join(parts[:-1] if parts[-1] == '__init__' else parts)


def imported(path: pathlib.Path):
    """(line, absolute module name) of every mmdense import in a file."""
    name = module_name(path)
    package = name if path.name == '__init__.py' else name.rsplit('.', 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split('.')[:len(package.split('.')) -
                                          node.level + 1]
                target = '.'.join(base +
                                  [node.module] if node.module else base)
                if not node.module:  # from . import a, b
                    for alias in node.names:
                        yield node.lineno, f'{target}.{alias.name}'
                    continue
                yield node.lineno, target
            elif node.module:
                yield node.lineno, node.module


def upward_imports():
    bad = []
    for path in sorted(ROOT.rglob('*.py')):
        src = module_name(path)
        if src in EXCEPTIONS:
            continue
        for line, dst in imported(path):
            a, b = src.split('.'), dst.split('.')
            if b[0] != 'mmdense' or len(a) < 2 or len(b) < 2:
                continue
            where = f'{path.relative_to(ROOT.parent)}:{line}: {src} -> {dst}'
            if a[1] != b[1]:
                if RANK[b[1]] > RANK[a[1]] or (RANK[b[1]] == RANK[a[1]]
                                               and a[1] in SIBLINGS):
                    bad.append(where)
            elif a[1] == 'models' and len(a) > 2 and len(b) > 2 and \
                    a[2] != b[2] and a[2] in MODEL_RANK and \
                    MODEL_RANK[b[2]] >= MODEL_RANK[a[2]]:
                bad.append(where)
    return bad


def test_no_import_runs_against_the_layers():
    assert upward_imports() == []


def test_the_check_sees_an_upward_import(tmp_path, monkeypatch):
    """The walker resolves relative imports: a model module importing
    ``..datasets`` (as ``from mmdense.datasets import x`` would) is caught."""
    path = ROOT / 'models' / 'heads' / 'densecl_head.py'
    found = list(imported(path))
    assert any(d == 'mmdense.models.losses' for _, d in found)
    fake = ROOT / 'models' / 'heads' / '_layer_probe.py'
    fake.write_text('from ...datasets import views\n'
                    'from ..algorithms import densecl\n')
    try:
        bad = upward_imports()
    finally:
        fake.unlink()
    assert len(bad) == 2 and 'mmdense.datasets' in bad[0] and \
        'mmdense.models.algorithms' in bad[1]
