"""Pre-training checkpoint -> the plain weights that fine-tuning loads."""
from collections import OrderedDict
from typing import Dict, Optional

import torch


def extract_transfer_weights(
        checkpoint: dict,
        source: Optional[str] = None) -> 'OrderedDict[str, torch.Tensor]':
    """The downstream weights of a pre-training checkpoint, renamed to the
    downstream keys (``backbone.*``, ``neck.*``, ``decode_head.convs.*``).

    Follows ``meta['transfer']`` (written by ``TransferMetaHook``);
    ``source='student'`` or ``'teacher'`` overrides the method's default.
    """
    state = checkpoint.get('state_dict', checkpoint)
    info = checkpoint.get('meta', {}).get('transfer')
    if info is None:
        raise KeyError('the checkpoint has no meta["transfer"] (was it '
                       'written by an mmdense pre-training run?)')
    source = source or info['source']
    if source not in info:
        raise ValueError(f'source {source!r} not available; the checkpoint '
                         f'offers {[k for k in info if k != "source"]}')
    prefixes: Dict[str, str] = info[source]
    out = OrderedDict()
    for down, own in prefixes.items():
        found = {k: v for k, v in state.items() if k.startswith(own)}
        if not found:
            raise KeyError(f'no weights with prefix {own!r} for {down!r}')
        out.update((down + k[len(own):], v.detach().clone())
                   for k, v in found.items())
    return out
