import math
from typing import List, Optional, Union

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.models.selfsup import BaseSelfSupervisor

from mmdense.registry import MODELS
from ..losses.other_pretexts import CLIP_MAX_SCALE, clip_logit_scale, clip_loss
from ..utils.gather import gather_batch


@MODELS.register_module()
class CLIPPretrain(BaseSelfSupervisor):
    """CLIP-style image-caption contrastive pre-training of a ResNet
    (Radford et al. 2021).

    Image tower: the ``backbone`` (its weights are what transfers, as
    ``backbone.*``) and the ``neck`` projecting C5 to the joint space
    (default: mmpretrain's ``LinearNeck``: global average pooling and a
    linear layer; the paper's ResNets pool with attention, its ViTs
    project linearly).  Text tower: ``text_encoder``
    (:class:`CaptionTransformer`).  Both embeddings are L2-normalised and
    gathered across processes (:func:`gather_with_grad`); the loss is
    :func:`clip_loss`, the symmetric InfoNCE over the gathered batch with
    a learnable logit scale ``t`` (``logit_scale``, initialised to
    ``log(1 / 0.07)``, clipped so ``exp(t) <= 100``: the parameter is
    clamped before every step, as CLIP does after each update).  Every
    process computes the loss of the whole gathered batch; the gather's
    backward sums the W processes' (equal) gradients of this process's
    rows, so after DDP's averaging over W the update is exactly the
    one-process gradient of the full-batch loss.

    Each sample's caption ids come in ``data_samples[i].text`` (the
    :class:`TokenizeCaption` transform packed with
    ``PackInputs(algorithm_keys=['text'])``).

    Args:
        backbone (dict): the image encoder (``mmpretrain.ResNet``).
        neck (dict): the image projection, C5 -> (N, embed_dim).
        text_encoder (dict): the text encoder, ids -> (N, embed_dim).
        init_temperature (float): 0.07.
        max_logit_scale (float): 100.
    """

    def __init__(self,
                 backbone: dict,
                 neck: dict,
                 text_encoder: dict,
                 init_temperature: float = 0.07,
                 max_logit_scale: float = CLIP_MAX_SCALE,
                 data_preprocessor: Optional[dict] = None,
                 init_cfg=None) -> None:
        super().__init__(
            backbone=backbone,
            neck=neck,
            data_preprocessor=data_preprocessor,
            init_cfg=init_cfg)
        self.text_encoder = MODELS.build(text_encoder)
        self.logit_scale = nn.Parameter(
            torch.tensor(math.log(1 / init_temperature)))
        self.max_logit_scale = max_logit_scale

    def embed_images(self, img: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.neck(self.backbone(img))[-1], dim=-1)

    def embed_texts(self, text: torch.Tensor) -> torch.Tensor:
        return F.normalize(self.text_encoder(text), dim=-1)

    def contrast(self, image_emb: torch.Tensor,
                 text_emb: torch.Tensor) -> torch.Tensor:
        """:func:`clip_loss` of every process's (N, D) normalised pairs
        (gathered with gradient, :func:`gather_batch`), after clamping the
        logit scale to ``log(max_logit_scale)``."""
        image_emb, _ = gather_batch(image_emb)
        text_emb, _ = gather_batch(text_emb)
        with torch.no_grad():
            self.logit_scale.clamp_(max=math.log(self.max_logit_scale))
        return clip_loss(image_emb, text_emb, self.logit_scale,
                         self.max_logit_scale)

    def loss(self, inputs: Union[torch.Tensor, List[torch.Tensor]],
             data_samples: list, **kwargs) -> dict:
        img = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
        text = torch.stack([torch.as_tensor(ds.text)
                            for ds in data_samples]).to(img.device)
        loss = self.contrast(self.embed_images(img), self.embed_texts(text))
        return dict(
            loss=loss,
            logit_scale=clip_logit_scale(self.logit_scale.detach(),
                                         self.max_logit_scale))
