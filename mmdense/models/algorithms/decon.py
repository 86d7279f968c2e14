import copy
from typing import Dict, Optional

import torch
import torch.nn as nn
import torch.nn.functional as F

from mmdense.registry import MODELS
from ..utils.teacher import copy_to_teachers_, make_teacher
from .dense_contrastive import DenseContrastive
from .densecl import DenseCL
from .detcon import DetCon
from .moco import MoCo
from .pixpro import PixPro
from .slotcon import SlotCon
from .vicregl import VICRegL

DECODER_INITS = ('toolbox', 'c2_xavier_fill', 'pytorch')
DECODER_PROTOTYPES = ('frozen', 'ema')
# head type -> the method whose defaults DeCon takes when it wraps that head
WRAPPED_METHODS = dict(
    DenseCLHead=DenseCL,
    SlotConHead=SlotCon,
    MoCoHead=MoCo,
    PixProHead=PixPro,
    DetConHead=DetCon,
    VICRegLHead=VICRegL)


@torch.no_grad()
def init_decoder_convs_(decoder: nn.Module, scheme: str) -> None:
    """Re-initialise every ``nn.Conv2d`` of ``decoder`` as the authors'
    DeCon code builds it (norm layers untouched):

    * ``'c2_xavier_fill'``: detectron2's FPN init, ``kaiming_uniform_(w,
      a=1)`` (fan-in; bound sqrt(3 / fan_in)), bias 0;
    * ``'pytorch'``: ``nn.Conv2d``'s own default (``reset_parameters``),
      as their FCN decoder is plain ``nn.Conv2d``;
    * ``'toolbox'``: leave the downstream module's own init (mmdet's FPN:
      Xavier-uniform; mmcv ``ConvModule``: Kaiming-normal).
    """
    if scheme == 'toolbox':
        return
    for m in decoder.modules():
        if not isinstance(m, nn.Conv2d):
            continue
        if scheme == 'pytorch':
            m.reset_parameters()
            continue
        nn.init.kaiming_uniform_(m.weight, a=1)
        if m.bias is not None:
            nn.init.zeros_(m.bias)


def _decoder_channels(decoder: nn.Module) -> list:
    """Output channels of each decoder level (mmdet FPN or FCNDecoder)."""
    if hasattr(decoder, 'out_channels_list'):
        return list(decoder.out_channels_list)
    return [decoder.out_channels] * decoder.num_outs


@MODELS.register_module()
class DeCon(DenseContrastive):
    """Joint encoder-decoder contrastive pre-training (Quetin, Ghosh, Maleki,
    "DeCon", WACV 2026), wrapping an encoder-only dense method.

    The base method is the ``head`` (SlotCon as published, DenseCL, PixPro,
    DetCon and VICRegL as our extensions) applied to C5 (the encoder loss)
    and, with a fresh copy of its own (projector, prototypes, predictor,
    center or queues, EMA teacher), to the decoder's output(s) (the decoder
    loss):
    ``L = w * L_enc + (1 - w) * mean over decoder levels of L_dec``. No
    gradient is stopped: the decoder loss trains the encoder too.

    The decoder is the downstream toolbox's own module, registered under the
    key prefix it has downstream (``decoder_key``), so its weights load 1:1:
    ``mmdet.FPN`` as ``neck`` (Mask R-CNN), :class:`FCNDecoder` as
    ``decode_head`` (its ``convs``; FCN segmentation).

    Args:
        decoder (dict): the decoder; for an FPN: 256 channels, inputs
            res2-res5, ``num_outs=4`` (no P6), the benchmark neck's
            ``norm_cfg``.
        decoder_key (str): attribute / key prefix: ``'neck'`` or
            ``'decode_head'``.
        decoder_head (dict, optional): overrides of the head config for the
            decoder levels (``in_channels`` is set from the decoder).
        encoder_loss_weight (float): w in [0, 1). Defaults to 0.5.
        levels (str): ``'single'`` (finest decoder output: DeCon-SL) or
            ``'multi'`` (every output, one head each, equal-weight mean:
            DeCon-ML).
        channel_dropout (float): ``Dropout2d`` probability on the FPN's
            lateral (skip) features from res2-res4 (never res5), student
            decoder only, pre-training only. Defaults to 0.0 (authors' code).
        decoder_init (str): how the decoder's convs are initialised:
            ``'c2_xavier_fill'`` (the authors' detectron2 FPN),
            ``'pytorch'`` (their FCN decoder, plain ``nn.Conv2d``) or
            ``'toolbox'`` (the mmdet / mmseg module's own init). Defaults to
            ``'toolbox'``; the configs set the authors' scheme per decoder.
        decoder_prototypes (str): the teacher prototypes of the decoder
            heads (SlotCon base): ``'frozen'`` keeps them at their initial
            copy of the student's, as the authors' code does (its
            ``_momentum_update_key_decoder`` updates the teacher decoder and
            projector only), which produced the published numbers;
            ``'ema'`` updates them like every other teacher module (and like
            the encoder head's prototypes). Defaults to ``'frozen'``. Heads
            without prototypes (DenseCL) ignore it.
        **kwargs: as :class:`DenseContrastive` (``backbone`` must return all
            stages the decoder takes, e.g. ``out_indices=(0, 1, 2, 3)``).
            The knobs left as None (teacher momentum and schedule,
            shuffle-BN, transfer, ResNet init) take the defaults of the
            wrapped method (:meth:`method_defaults`): DeCon over DenseCL
            trains its encoder as DenseCL does, over SlotCon as SlotCon,
            over PixPro as PixPro, over DetCon as DetCon, over VICRegL as
            VICRegL (no teacher: neither a teacher encoder nor decoder).
    """

    def __init__(self,
                 backbone: dict,
                 head: dict,
                 decoder: dict,
                 decoder_key: str = 'neck',
                 decoder_head: Optional[dict] = None,
                 encoder_loss_weight: float = 0.5,
                 levels: str = 'single',
                 channel_dropout: float = 0.0,
                 decoder_init: str = 'toolbox',
                 decoder_prototypes: str = 'frozen',
                 **kwargs) -> None:
        if not 0 <= encoder_loss_weight < 1:
            raise ValueError(
                f'DeCon: encoder_loss_weight={encoder_loss_weight} must be in '
                '[0, 1); with w = 1 the decoder would get no loss. For '
                'encoder-only pre-training use the base method (e.g. '
                "type='SlotCon') without a decoder.")
        if levels not in ('single', 'multi'):
            raise ValueError(f"DeCon: levels must be 'single' or 'multi', got "
                             f'{levels!r}')
        if decoder_init not in DECODER_INITS:
            raise ValueError(f'DeCon: decoder_init must be one of '
                             f'{DECODER_INITS}, got {decoder_init!r}')
        if decoder_prototypes not in DECODER_PROTOTYPES:
            raise ValueError(f'DeCon: decoder_prototypes must be one of '
                             f'{DECODER_PROTOTYPES}, got '
                             f'{decoder_prototypes!r}')
        if decoder_key in ('backbone', 'head', 'data_preprocessor'):
            raise ValueError(f'DeCon: decoder_key {decoder_key!r} is taken')
        dec_type = decoder.get('type') if isinstance(decoder, dict) else None
        if isinstance(dec_type, str) and MODELS.get(dec_type) is None:
            raise ValueError(
                f'DeCon: decoder.type {dec_type!r} is not a registered model; '
                "use type='mmdet.FPN' (decoder_key='neck', Mask R-CNN) or "
                "type='FCNDecoder' (decoder_key='decode_head', FCN).")
        super().__init__(backbone=backbone, head=head, **kwargs)
        self.decoder_key = decoder_key
        if getattr(self, decoder_key, None) is None and hasattr(
                self, decoder_key):
            delattr(self, decoder_key)  # the parent's empty `neck = None`
        self.add_module(decoder_key, MODELS.build(decoder))
        if self.has_teacher:
            self.teacher_decoder = make_teacher(self.decoder)
        channels = _decoder_channels(self.decoder)
        if levels == 'single':
            channels = channels[:1]
        self.encoder_loss_weight = encoder_loss_weight
        self.decoder_heads = nn.ModuleList()
        for c in channels:
            cfg = copy.deepcopy(head)
            cfg.update(decoder_head or {})
            cfg['in_channels'] = c
            self.decoder_heads.append(MODELS.build(cfg))
        for h in self.decoder_heads:
            if hasattr(h, 'ema_prototypes'):
                h.ema_prototypes = decoder_prototypes == 'ema'
        self.decoder_init = decoder_init
        self.decoder_prototypes = decoder_prototypes
        self.channel_dropout = channel_dropout
        if channel_dropout > 0:
            self._add_channel_dropout(channel_dropout)

    @property
    def decoder(self) -> nn.Module:
        return getattr(self, self.decoder_key)

    def _add_channel_dropout(self, p: float) -> None:
        laterals = getattr(self.decoder, 'lateral_convs', None)
        if laterals is None:
            raise ValueError('DeCon: channel_dropout needs an FPN decoder '
                             '(lateral connections)')

        def drop(module, args, output):
            return F.dropout2d(output, p, training=module.training)

        # res2-res4 laterals; never the top (res5) one
        for lateral in list(laterals)[:-1]:
            lateral.register_forward_hook(drop)

    def method_defaults(self, head: dict) -> dict:
        """The defaults of the method whose head DeCon wraps
        (:class:`DenseCL`, :class:`SlotCon`, :class:`MoCo`,
        :class:`PixPro`, :class:`DetCon`, :class:`VICRegL`); the base's for any
        other head."""
        head_type = head.get('type') if isinstance(head, dict) else None
        if isinstance(head_type, type):
            head_type = head_type.__name__
        method = WRAPPED_METHODS.get(str(head_type).split('.')[-1])
        return method.defaults if method is not None else self.defaults

    # ----------------------------------------------------------------- parts
    def level_heads(self) -> Dict[str, nn.Module]:
        heads = {'enc': self.head}
        heads.update({f'dec{i}': h for i, h in enumerate(self.decoder_heads)})
        return heads

    def _decoder_pair(self) -> list:
        return [(self.teacher_decoder, self.decoder)] if self.has_teacher \
            else []

    def teacher_pairs(self) -> list:
        return super().teacher_pairs() + self._decoder_pair()

    def ema_pairs(self) -> list:
        return super().ema_pairs() + self._decoder_pair()

    def init_weights(self) -> None:
        """The base's init (student, then teachers copied), then the
        decoder's convs by ``decoder_init`` and their teacher copy."""
        super().init_weights()
        init_decoder_convs_(self.decoder, self.decoder_init)
        copy_to_teachers_(self._decoder_pair())

    def transfer_prefixes(self, source: str):
        prefixes = super().transfer_prefixes(source)
        key = f'{self.decoder_key}.'
        prefixes[key] = 'teacher_decoder.' if source == 'teacher' else key
        return prefixes

    def _levels(self, feats, decoder) -> dict:
        out = {'enc': feats[-1]}
        decoded = decoder(tuple(feats))
        out.update(
            {f'dec{i}': decoded[i]
             for i in range(len(self.decoder_heads))})
        return out

    def student_features(self, img):
        return self._levels(self.backbone(img), self.decoder)

    def teacher_features(self, img):
        return self._levels(self.teacher_backbone(img), self.teacher_decoder)

    def weight_losses(self, losses: Dict[str, dict]) -> dict:
        w = self.encoder_loss_weight
        n = len(self.decoder_heads)
        out = {f'enc_{k}': w * v for k, v in losses['enc'].items()}
        for level, level_losses in losses.items():
            if level != 'enc':
                out.update({
                    f'{level}_{k}': (1 - w) / n * v
                    for k, v in level_losses.items()
                })
        return out
