import math
from typing import Dict, List, Optional

import torch
from mmengine.logging import MessageHub
from mmpretrain.models.selfsup import BaseSelfSupervisor

from mmdense.registry import MODELS
from mmdense.structures import views_geometry
from ..utils.init import haiku_init_
from ..utils.teacher import (copy_to_teachers_, ema_update_, make_teacher,
                             shuffle_batch, teacher_momentum, unshuffle_batch)


def check_feature_size(head, level: str, feat: torch.Tensor,
                       img: torch.Tensor) -> None:
    """Raise when ``feat`` (N, C, h, w) is smaller than the head's
    ``min_feature_size`` (e.g. 2 for a dense loss: on a 1x1 map there is
    nothing dense to contrast; ResNet's C5 is 1x1 for crops up to 32 px)."""
    need = getattr(head, 'min_feature_size', 1)
    h, w = feat.shape[-2:]
    if feat.dim() != 4 or min(h, w) >= need:
        return
    ratio = max(img.shape[-2] / h, img.shape[-1] / w)
    stride = 2**math.ceil(math.log2(ratio))
    raise ValueError(
        f'{type(head).__name__}: the {level or "C5"} feature map is {h}x{w} '
        f'for {img.shape[-2]}x{img.shape[-1]}-px views (stride {stride}); '
        f'its loss needs at least {need}x{need} locations: use crops of at '
        f'least {need * stride} px (the crop size / scale of the view '
        'pipeline).')


@MODELS.register_module()
class DenseContrastive(BaseSelfSupervisor):
    """Student / EMA-teacher dense contrastive pre-training of a backbone.

    The method lives in ``head`` (:class:`DenseCLHead`, :class:`SlotConHead`):
    it owns its projector(s), their teacher copies, queues or centers, and
    says which views the student and the teacher encode.  This class runs
    the encoders, advances the teacher once per iteration and hands the last
    backbone stage (C5) to the head.  :class:`DeCon` adds a decoder.

    Args:
        backbone (dict): the encoder (``mmpretrain.ResNet``).
        head (dict): the method's head.
        teacher_momentum (float): m in ``t = m t + (1 - m) s`` (papers'
            convention): 0.999 for DenseCL, 0.99 (start) for SlotCon.
        momentum_schedule (str): ``'constant'`` or ``'cosine'`` (m -> 1 over
            training; needs ``max_iters`` from the Runner).
        shuffle_bn (bool): shuffle the teacher's batch across processes
            (MoCo / DenseCL); nothing happens in one process.
        transfer (str): which weights transfer downstream, ``'student'`` or
            ``'teacher'``; recorded in the checkpoint's ``meta``.
        backbone_conv_init (str): ``'toolbox'`` keeps the backbone's own
            init (mmpretrain's ResNet: Kaiming-normal fan_out, as torchvision
            and SlotCon); ``'fan_in'`` re-draws every backbone conv
            Kaiming-normal fan_in (OpenSelfSup's ResNet, DenseCL);
            ``'haiku'`` truncated normal with std 1 / sqrt(fan_in) (Haiku's
            default, DetCon). Skipped when the backbone loads a
            ``Pretrained`` init_cfg.

    A head whose ``teacher_views`` is empty has no teacher: no
    ``teacher_backbone`` is built, nothing is averaged, the three teacher
    knobs must stay unset and the student transfers.

    The five knobs left as ``None`` take the class's ``defaults``: a method
    subclass such as :class:`DenseCL` states its paper's values there, once;
    this base states none.
    """
    defaults: dict = {}

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 teacher_momentum: Optional[float] = None,
                 momentum_schedule: Optional[str] = None,
                 shuffle_bn: Optional[bool] = None,
                 transfer: Optional[str] = None,
                 backbone_conv_init: Optional[str] = None,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(
            backbone=backbone,
            head=head,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        given = dict(
            teacher_momentum=teacher_momentum,
            momentum_schedule=momentum_schedule,
            shuffle_bn=shuffle_bn,
            transfer=transfer,
            backbone_conv_init=backbone_conv_init)
        defaults = self.method_defaults(head)
        # a head that encodes no view with a teacher (teacher_views empty)
        # gets no teacher: no EMA copy, its knobs unused, the student
        # transfers
        self.has_teacher = bool(getattr(self.head, 'teacher_views', ()))
        if not self.has_teacher:
            knobs = ('teacher_momentum', 'momentum_schedule', 'shuffle_bn')
            extra = [k for k in knobs if given[k] is not None]
            if extra:
                raise ValueError(
                    f'{type(self).__name__}: {", ".join(extra)} set, but '
                    f'{type(self.head).__name__} has no teacher (empty '
                    'teacher_views): remove them from the model config')
            defaults = dict(
                dict(
                    teacher_momentum=None,
                    momentum_schedule=None,
                    shuffle_bn=False,
                    transfer='student'), **defaults)
        missing = [
            k for k, v in given.items() if v is None and k not in defaults
        ]
        if missing:
            raise ValueError(
                f'{type(self).__name__}: {", ".join(missing)} not set, and '
                'the class states no default: set them in the model config '
                'or use a method class (DenseCL, SlotCon, MoCo)')
        teacher_momentum, momentum_schedule, shuffle_bn, transfer, \
            backbone_conv_init = (defaults[k] if v is None else v
                                  for k, v in given.items())
        if transfer not in ('student', 'teacher'):
            raise ValueError(f"transfer must be 'student' or 'teacher', got "
                             f'{transfer!r}')
        if transfer == 'teacher' and not self.has_teacher:
            raise ValueError(f"{type(self).__name__}: transfer='teacher', but "
                             f'{type(self.head).__name__} has no teacher: '
                             "use transfer='student'")
        if backbone_conv_init not in ('toolbox', 'fan_in', 'haiku'):
            raise ValueError("backbone_conv_init must be 'toolbox', 'fan_in' "
                             f"or 'haiku', got {backbone_conv_init!r}")
        self.backbone_conv_init = backbone_conv_init
        if self.has_teacher:
            self.teacher_backbone = make_teacher(self.backbone)
        self.teacher_momentum = teacher_momentum
        self.momentum_schedule = momentum_schedule
        self.shuffle_bn = shuffle_bn
        self.transfer = transfer
        self.max_iters: Optional[int] = None  # else the Runner's max_iters
        self.register_buffer('step', torch.zeros((), dtype=torch.long))
        # host mirror of ``step``: reading the buffer in every iteration
        # would wait for the device; refreshed when a state dict is loaded
        self._step = 0
        if self.has_teacher:
            self.momentum_at(0)  # fail early: bad schedule / missing iters

    def method_defaults(self, head: dict) -> dict:
        """The values of the knobs left as None: the class's ``defaults``
        (the paper's, for a method subclass); :class:`DeCon` takes those of
        the method whose head it wraps."""
        return self.defaults

    # ----------------------------------------------------------------- parts
    def level_heads(self) -> Dict[str, torch.nn.Module]:
        """Feature level -> its head (a
        :class:`~mmdense.models.heads.BaseDenseHead`): ``{'': head}`` on the
        backbone's last stage here; :class:`DeCon` has ``'enc'`` and one
        per decoder level (``'dec0'``, ...).  The keys index the dicts that
        :meth:`student_features` and :meth:`teacher_features` return."""
        return {'': self.head}

    def _backbone_pair(self) -> list:
        return [(self.teacher_backbone, self.backbone)] if self.has_teacher \
            else []

    def teacher_pairs(self) -> list:
        """Every (teacher, student) module pair: the teacher starts as an
        exact copy of its student (:meth:`init_weights`)."""
        pairs = self._backbone_pair()
        for head in self.level_heads().values():
            pairs += head.teacher_pairs()
        return pairs

    def ema_pairs(self) -> list:
        """The pairs whose teacher follows its student by EMA in every
        iteration: all of :meth:`teacher_pairs` unless a head says
        otherwise (``head.ema_pairs()``, e.g. a frozen teacher copy)."""
        pairs = self._backbone_pair()
        for head in self.level_heads().values():
            pairs += head.ema_pairs()
        return pairs

    def init_weights(self) -> None:
        """Initialise the student (backbone, heads), then copy it into every
        teacher, parameters and buffers, as the official code does after
        building its encoders (``param_k.data.copy_(param_q.data)``)."""
        super().init_weights()
        init_cfg = getattr(self.backbone, 'init_cfg', None)
        pretrained = isinstance(init_cfg, dict) and \
            init_cfg.get('type') == 'Pretrained'
        if self.backbone_conv_init == 'fan_in' and not pretrained:
            for m in self.backbone.modules():
                if isinstance(m, torch.nn.Conv2d):
                    torch.nn.init.kaiming_normal_(
                        m.weight, mode='fan_in', nonlinearity='relu')
        elif self.backbone_conv_init == 'haiku' and not pretrained:
            haiku_init_(self.backbone)
        copy_to_teachers_(self.teacher_pairs())

    def student_features(self, img: torch.Tensor) -> Dict[str, torch.Tensor]:
        """Level -> the student's ``(N, C, H, W)`` features of one view
        (with gradient), for every level of :meth:`level_heads`."""
        return {'': self.backbone(img)[-1]}

    def teacher_features(self, img: torch.Tensor) -> Dict[str, torch.Tensor]:
        """As :meth:`student_features`, from the teacher (called under
        ``no_grad``, inside shuffle-BN when it is on)."""
        return {'': self.teacher_backbone(img)[-1]}

    def weight_losses(self, losses: Dict[str, dict]) -> dict:
        """The returned loss dict from the per-level ones (level -> the
        head's dict): the single level's as is here; :class:`DeCon` weights
        and prefixes the encoder's and the decoder levels' losses."""
        return losses['']

    def transfer_prefixes(self, source: str) -> Dict[str, str]:
        """Downstream key prefix -> prefix of the ``source`` (``'student'``
        or ``'teacher'``) weights, e.g. ``{'backbone.': 'teacher_backbone.'}``.
        """
        if source == 'teacher' and not self.has_teacher:
            raise ValueError(f'{type(self).__name__} has no teacher: its '
                             "weights transfer from the student ('backbone.')")
        return {
            'backbone.':
            'teacher_backbone.' if source == 'teacher' else 'backbone.'
        }

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        super()._load_from_state_dict(*args, **kwargs)
        self._step = int(self.step)

    # -------------------------------------------------------------- training
    def momentum_at(self, step: int) -> float:
        max_iters = self.max_iters
        if max_iters is None and self.momentum_schedule == 'cosine':
            max_iters = MessageHub.get_current_instance().get_info('max_iters')
            if max_iters is None and step == 0:
                return self.teacher_momentum  # built outside a Runner
        return teacher_momentum(self.teacher_momentum, self.momentum_schedule,
                                step, max_iters)

    def _teacher_forward(self, img: torch.Tensor):
        img, idx = shuffle_batch(img) if self.shuffle_bn else (img, None)
        return {
            k: unshuffle_batch(v, idx)
            for k, v in self.teacher_features(img).items()
        }

    def loss(self, inputs: List[torch.Tensor], data_samples: list,
             **kwargs) -> dict:
        step = self._step
        if self.has_teacher:
            ema_update_(self.ema_pairs(), self.momentum_at(step))
        self._step = step + 1
        self.step.fill_(self._step)  # a host scalar: no sync
        geometry = views_geometry(data_samples, inputs[0].device) \
            if data_samples and 'view_boxes' in data_samples[0] else None
        heads = self.level_heads()
        any_head = next(iter(heads.values()))
        student = {
            v: self.student_features(inputs[v])
            for v in any_head.student_views
        }
        for level, head in heads.items():
            for v, feats in student.items():
                check_feature_size(head, level, feats[level], inputs[v])
        with torch.no_grad():
            teacher = {
                v: self._teacher_forward(inputs[v])
                for v in any_head.teacher_views
            }
        losses = {
            level:
            head.loss({
                v: f[level]
                for v, f in student.items()
            }, {
                v: f[level]
                for v, f in teacher.items()
            }, geometry, step)
            for level, head in heads.items()
        }
        return self.weight_losses(losses)
