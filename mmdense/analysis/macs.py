"""Multiply-adds per part of a model (backbone, neck / decoder, head
levels, other) in one forward (loss) pass, with
``torch.utils.flop_counter.FlopCounterMode``."""
from collections import OrderedDict
from typing import Dict, List

import torch
import torch.nn as nn


# ------------------------------------------------------------------- MACs
def model_parts(model: nn.Module) -> Dict[str, list]:
    """Part name -> the modules (their forwards) and ``(object, method)``
    pairs whose work counts for the part, students and teachers together.

    mmdense models: ``backbone``, ``decoder`` (DeCon), one ``head`` per
    level of ``model.level_heads()`` (``head`` for the encoder-only methods,
    ``head:enc``, ``head:dec0``... for DeCon; each head's ``loss``).
    Other models (mmpretrain): ``backbone``, ``neck``, ``head``; their EMA
    teacher's copies are matched by class.
    """
    parts = OrderedDict(backbone=[model.backbone])
    if hasattr(model, 'level_heads'):
        if hasattr(model, 'teacher_backbone'):
            parts['backbone'].append(model.teacher_backbone)
        if hasattr(model, 'teacher_decoder'):
            parts['decoder'] = [model.decoder, model.teacher_decoder]
        for level, head in model.level_heads().items():
            parts[f'head:{level}' if level else 'head'] = [(head, 'loss')]
        return parts
    from mmengine.model import BaseAveragedModel
    if getattr(model, 'neck', None) is not None:
        parts['neck'] = [model.neck]
    if getattr(model, 'head', None) is not None:
        parts['head'] = [model.head, (model.head, 'loss')]
    for ema in (m for m in model.modules()
                if isinstance(m, BaseAveragedModel)):
        copies = list(ema.module.children()) if isinstance(
            ema.module, nn.Sequential) else [ema.module]
        for copy_ in copies:
            for name in ('backbone', 'neck', 'head'):
                part = getattr(model, name, None)
                if part is not None and type(copy_) is type(part):
                    parts[name].append(copy_)
                    break
    return parts


class PartMacCounter:
    """Multiply-adds per part of a model, in one pass.

    A ``FlopCounterMode`` counts every matmul / convolution; forward hooks on
    the parts' modules (and wrappers around the parts' methods) attribute the
    count since the last boundary to the innermost part being run, or to
    ``other``.  ``macs`` holds the result (MACs = FLOPs / 2).

    Args:
        parts: name -> list of modules and ``(object, method name)`` pairs,
            as :func:`model_parts` returns.
    """

    def __init__(self, parts: Dict[str, list]) -> None:
        self.parts = parts
        self.macs = OrderedDict((name, 0) for name in parts)
        self.macs['other'] = 0
        self._stack: List[str] = []
        self._last = 0
        self._handles = []
        self._methods = []

    def _flush(self) -> None:
        total = self._mode.get_total_flops()
        part = self._stack[-1] if self._stack else 'other'
        self.macs[part] += (total - self._last) // 2
        self._last = total

    def _enter(self, name: str) -> None:
        self._flush()
        self._stack.append(name)

    def _exit(self) -> None:
        self._flush()
        self._stack.pop()

    def _wrap(self, name: str, obj, method: str) -> None:
        original = getattr(obj, method)

        def wrapped(*args, **kwargs):
            self._enter(name)
            try:
                return original(*args, **kwargs)
            finally:
                self._exit()

        setattr(obj, method, wrapped)
        self._methods.append((obj, method))

    def __enter__(self) -> 'PartMacCounter':
        from torch.utils.flop_counter import FlopCounterMode
        self._mode = FlopCounterMode(display=False)
        self._mode.__enter__()
        for name, members in self.parts.items():
            for member in members:
                if isinstance(member, tuple):
                    self._wrap(name, *member)
                    continue
                self._handles.append(
                    member.register_forward_pre_hook(
                        lambda mod, args, name=name: self._enter(name)))
                self._handles.append(
                    member.register_forward_hook(
                        lambda mod, args, out: self._exit()))
        return self

    def __exit__(self, *exc) -> None:
        self._flush()
        for handle in self._handles:
            handle.remove()
        for obj, method in self._methods:
            del obj.__dict__[method]  # back to the class's method
        self._mode.__exit__(*exc)


def count_macs(model: nn.Module, data: dict) -> Dict[str, int]:
    """MACs per part of one forward (loss) pass of the whole batch."""
    processed = model.data_preprocessor(data, True)
    with torch.no_grad(), PartMacCounter(model_parts(model)) as counter:
        model(**processed, mode='loss')
    return dict(counter.macs)
