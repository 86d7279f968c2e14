"""The caption text encoder is causal and reads the end-of-text token."""
import torch
from helpers import clip_model_cfg

from mmdense.registry import MODELS
from mmdense.structures import EOT, PAD, SOT


def test_text_encoder_is_causal_and_reads_the_eot_token():
    torch.manual_seed(0)
    enc = MODELS.build(clip_model_cfg()['text_encoder']).eval()
    text = torch.tensor([[SOT, 5, 6, EOT, PAD, PAD]])
    after = text.clone()
    after[0, 4:] = 9  # tokens after the end-of-text token
    before = text.clone()
    before[0, 1] = 7  # a word before it
    out = enc(text)
    assert torch.allclose(out, enc(after), atol=1e-6)
    assert not torch.allclose(out, enc(before), atol=1e-4)
