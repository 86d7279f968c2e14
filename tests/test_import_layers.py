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


def is_upward(src: str, dst: str) -> bool:
    """Whether module ``src`` importing ``dst`` runs against the layers."""
    a, b = src.split('.'), dst.split('.')
    if b[0] != 'mmdense' or len(a) < 2 or len(b) < 2 or src in EXCEPTIONS:
        return False
    if a[1] != b[1]:
        return RANK[b[1]] > RANK[a[1]] or (RANK[b[1]] == RANK[a[1]]
                                           and a[1] in SIBLINGS)
    return a[1] == 'models' and len(a) > 2 and len(b) > 2 and \
        a[2] != b[2] and a[2] in MODEL_RANK and \
        MODEL_RANK[b[2]] >= MODEL_RANK[a[2]]


def test_no_import_runs_against_the_layers():
    bad = [
        f'{path.relative_to(ROOT.parent)}:{line}: {dst}'
        for path in sorted(ROOT.rglob('*.py')) for line, dst in imported(path)
        if is_upward(module_name(path), dst)
    ]
    assert bad == []


def test_the_rule_on_known_imports():
    """Upward, sideways between datasets and models, and a head importing an
    algorithm are caught; downward imports are not."""
    assert is_upward('mmdense.models.heads.x', 'mmdense.datasets.views')
    assert is_upward('mmdense.datasets.x', 'mmdense.models.utils')
    assert is_upward('mmdense.utils.cli', 'mmdense.engine')
    assert is_upward('mmdense.models.heads.x', 'mmdense.models.algorithms')
    assert is_upward('mmdense.weights.x', 'mmdense.engine.hooks')
    assert not is_upward('mmdense.engine.runner', 'mmdense.weights')
    assert not is_upward('mmdense.models.algorithms.x', 'mmdense.models.heads')
    assert not is_upward('mmdense.utils.setup_env', 'mmdense.engine')


def test_relative_imports_resolve_to_their_package():
    found = {
        d
        for _, d in imported(ROOT / 'models' / 'heads' / 'densecl_head.py')
    }
    assert {'mmdense.models.losses', 'mmdense.registry'} <= found
