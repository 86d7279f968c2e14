"""CLIP's text encoder, small enough for demos."""
import torch
import torch.nn as nn
from mmengine.model import BaseModule
from mmpretrain.models.utils.clip_generator_helper import \
    ResidualAttentionBlock

from mmdense.registry import MODELS
from mmdense.structures import EOT


@MODELS.register_module()
class CaptionTransformer(BaseModule):
    """The text tower of CLIP (Radford et al. 2021, sec. 2.4).

    Token + learned position embeddings -> a pre-LN Transformer with a
    causal mask (mmpretrain's CLIP ``ResidualAttentionBlock``, QuickGELU) ->
    final LayerNorm -> the feature of the end-of-text token, linearly
    projected (no bias) to the joint space.  The paper's base model: 12
    layers, width 512, 8 heads, 76 tokens + end-of-text.

    Args:
        vocab_size (int): ids of the tokenizer (its JSON must fit).
        context_length (int): tokens per caption (CLIP: 77).
        width / layers / heads (int): the Transformer's size.
        embed_dim (int): the joint embedding size.
        eot_id (int): id of the end-of-text token (the captions tokenizer's
            ``<eot>``); its feature is projected.
    """

    def __init__(self,
                 vocab_size: int,
                 context_length: int = 77,
                 width: int = 512,
                 layers: int = 12,
                 heads: int = 8,
                 embed_dim: int = 512,
                 eot_id: int = EOT,
                 init_cfg=None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.vocab_size = vocab_size
        self.context_length = context_length
        self.eot_id = eot_id
        mask = torch.full((context_length, context_length), float('-inf'))
        # (importing mmpretrain's CLIPTransformer pulls in its multimodal
        # package, which needs `transformers`; its blocks do not)
        self.resblocks = nn.Sequential(
            *(ResidualAttentionBlock(width, heads, mask.triu(1))
              for _ in range(layers)))
        self.token_embedding = nn.Embedding(vocab_size, width)
        self.positional_embedding = nn.Parameter(
            torch.empty(context_length, width))
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Linear(width, embed_dim, bias=False)
        self._init_like_clip(width, layers)

    def _init_like_clip(self, width: int, layers: int) -> None:
        """CLIP's ``initialize_parameters`` (std 0.02 / 0.01 embeddings,
        width^-0.5 scaled attention and MLP weights)."""
        nn.init.normal_(self.token_embedding.weight, std=0.02)
        nn.init.normal_(self.positional_embedding, std=0.01)
        proj_std = width**-0.5 * (2 * layers)**-0.5
        for block in self.resblocks:
            nn.init.normal_(block.attn.in_proj_weight, std=width**-0.5)
            nn.init.normal_(block.attn.out_proj.weight, std=proj_std)
            nn.init.normal_(block.mlp.c_fc.weight, std=(2 * width)**-0.5)
            nn.init.normal_(block.mlp.c_proj.weight, std=proj_std)
        nn.init.normal_(self.text_projection.weight, std=width**-0.5)

    def init_weights(self) -> None:
        """Keep CLIP's initialisation (no generic ``init_cfg`` pass)."""

    def forward(self, text: torch.Tensor) -> torch.Tensor:
        """(N, context_length) ids -> (N, embed_dim), not normalised."""
        if text.shape[1] != self.context_length:
            raise ValueError(
                f'CaptionTransformer: captions of {text.shape[1]} tokens, '
                f'context_length is {self.context_length}; set the same '
                'context_length in the model and in TokenizeCaption')
        has_eot = text == self.eot_id
        if not bool(has_eot.any(dim=1).all()):
            raise ValueError('CaptionTransformer: a caption without the '
                             f'end-of-text id {self.eot_id}')
        if int(text.max()) >= self.vocab_size:
            raise ValueError(
                f'CaptionTransformer: token id {int(text.max())} >= '
                f'vocab_size {self.vocab_size}; use the vocab_size of the '
                'tokenizer JSON (TokenizeCaption) in the model')
        x = self.token_embedding(text) + self.positional_embedding
        x = self.resblocks(x.permute(1, 0, 2)).permute(1, 0, 2)  # (L, N, C)
        x = self.ln_final(x)
        eot = has_eot.int().argmax(dim=1)  # first end-of-text token
        return self.text_projection(x[torch.arange(len(x)), eot])
